/**
 * The OData query engine for entity sets: `$select` (the primary key always comes back),
 * `$filter`, `$orderby`, `$top`, `$count` (capped at 5000), `$expand` with nested `$select`,
 * `$filter`, `$orderby` and `$top` (separated by `;`), and paging with
 * `Prefer: odata.maxpagesize` (default and maximum 5000), `@odata.nextLink` and `$skiptoken`.
 * `$skip` is refused, as Dataverse refuses it; `$top` is ignored when a page size is asked for.
 */
import { badRequest, unknownProperty } from "./faults";
import { parseFilter } from "./filter";
import {
  buildPagingCookie,
  parsePagingCookie,
  rowComparator,
  rowsAfter,
  sortRows,
  unwrapSkipToken,
  wrapPagingCookie,
  type OrderColumn,
} from "./paging";
import { annotate } from "./annotations";
import { applyQuery } from "./apply";
import { findAttribute, propertyName, type TableDefinition } from "./schema";
import type { Store, StoredRecord } from "./store";

export { annotate } from "./annotations";

export const MAX_PAGE_SIZE = 5000;

export interface Preferences {
  returnRepresentation: boolean;
  maxPageSize?: number;
  includeAnnotations?: string;
  continueOnError: boolean;
  trackChanges: boolean;
  applied: string[];
}

export const parsePrefer = (header: string | undefined): Preferences => {
  const preferences: Preferences = { returnRepresentation: false, continueOnError: false, trackChanges: false, applied: [] };
  // A quoted value (`odata.include-annotations="a,b"`) holds commas of its own.
  for (const raw of (header ?? "").match(/(?:[^,"]|"[^"]*")+/g) ?? []) {
    const item = raw.trim();
    const [name, value] = item.split("=").map((part) => part?.trim());
    if (name === "return" && value === "representation") {
      preferences.returnRepresentation = true;
      preferences.applied.push("return=representation");
    } else if (name === "odata.maxpagesize" && Number(value) > 0) {
      preferences.maxPageSize = Math.min(Number(value), MAX_PAGE_SIZE);
      preferences.applied.push(`odata.maxpagesize=${preferences.maxPageSize}`);
    } else if (name === "odata.include-annotations") {
      preferences.includeAnnotations = item.slice(item.indexOf("=") + 1).replace(/^"|"$/g, "");
      preferences.applied.push(item);
    } else if (name === "odata.continue-on-error") {
      preferences.continueOnError = true;
      preferences.applied.push("odata.continue-on-error");
    } else if (name === "odata.track-changes") {
      preferences.trackChanges = true;
      preferences.applied.push("odata.track-changes");
    }
  }
  return preferences;
};

export const recordProperties = (table: TableDefinition): Set<string> => new Set(table.attributes.map(propertyName));

export const etagOf = (record: StoredRecord): string => `W/"${record.versionnumber}"`;

export const splitTopLevel = (text: string, separator: string): string[] => {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let current = "";
  for (const char of text) {
    if (char === "'") quoted = !quoted;
    if (!quoted && char === "(") depth += 1;
    if (!quoted && char === ")") depth -= 1;
    if (!quoted && depth === 0 && char === separator) {
      parts.push(current.trim());
      current = "";
    } else {
      current += char;
    }
  }
  if (current.trim()) parts.push(current.trim());
  return parts;
};

export const parseSelect = (text: string | undefined, table: TableDefinition): string[] | undefined => {
  if (!text) return undefined;
  const known = recordProperties(table);
  return text.split(",").map((name) => {
    const trimmed = name.trim();
    if (!known.has(trimmed)) throw unknownProperty(trimmed, table.logicalName);
    return trimmed;
  });
};

export const parseOrderBy = (text: string | undefined, table: TableDefinition): OrderColumn[] => {
  if (!text) return [];
  const known = recordProperties(table);
  return text.split(",").map((item) => {
    const [name, direction] = item.trim().split(/\s+/);
    if (!known.has(name)) throw unknownProperty(name, table.logicalName);
    return { name, descending: direction?.toLowerCase() === "desc" };
  });
};

export const filterFor = (text: string | undefined, table: TableDefinition): ((record: StoredRecord) => boolean) => {
  if (!text) return () => true;
  const known = recordProperties(table);
  return parseFilter(text, (name) => known.has(name), table.logicalName);
};

/** A record as the Web API returns it: its ETag, then the selected columns and the primary key. */
export const shapeRecord = (record: StoredRecord, table: TableDefinition, select?: string[]): StoredRecord => {
  const shaped: StoredRecord = { "@odata.etag": etagOf(record) };
  const names = select ? [...select, table.primaryIdAttribute] : Object.keys(record);
  for (const name of names) {
    if (name in record) shaped[name] = record[name];
  }
  return shaped;
};

interface ExpandItem {
  name: string;
  options: Record<string, string>;
}

const parseExpand = (text: string | undefined): ExpandItem[] =>
  text
    ? splitTopLevel(text, ",").map((item) => {
        const open = item.indexOf("(");
        if (open < 0) return { name: item, options: {} };
        const options: Record<string, string> = {};
        for (const option of splitTopLevel(item.slice(open + 1, item.lastIndexOf(")")), ";")) {
          const eq = option.indexOf("=");
          options[option.slice(0, eq).trim()] = option.slice(eq + 1).trim();
        }
        return { name: item.slice(0, open).trim(), options };
      })
    : [];

export const expandRecord = (
  shaped: StoredRecord,
  record: StoredRecord,
  table: TableDefinition,
  expandText: string | undefined,
  store: Store,
): StoredRecord => {
  for (const { name, options } of parseExpand(expandText)) {
    const lookup = table.lookups.find((candidate) => candidate.name === name);
    const collection = table.collections.find((candidate) => candidate.name === name);
    if (lookup) {
      const target = store.byLogicalName(lookup.target);
      const id = record[`_${lookup.attribute}_value`];
      const related = target && typeof id === "string" ? store.find(target, id) : undefined;
      shaped[name] = related && target ? shapeRecord(related, target, parseSelect(options.$select, target)) : null;
    } else if (collection) {
      const target = store.byLogicalName(collection.referencingTable);
      if (!target) continue;
      const id = record[table.primaryIdAttribute];
      const matches = filterFor(options.$filter, target);
      const rows = store
        .list(target)
        .filter((row) => row[`_${collection.referencingAttribute}_value`] === id && matches(row))
        .sort(rowComparator(parseOrderBy(options.$orderby, target), target.primaryIdAttribute))
        .slice(0, options.$top ? Number(options.$top) : undefined);
      const select = parseSelect(options.$select, target);
      shaped[name] = rows.map((row) => shapeRecord(row, target, select));
    } else {
      throw badRequest(`Could not find a property named '${name}' on type 'Microsoft.Dynamics.CRM.${table.logicalName}'.`);
    }
  }
  return shaped;
};

/** Turns cookie text back into the column's type, so numbers and dates compare correctly. */
export const typedCookieValue =
  (table: TableDefinition) =>
  (column: string, text: string): unknown => {
    const attribute = table.attributes.find((candidate) => propertyName(candidate) === column) ?? findAttribute(table, column);
    const numeric = ["Integer", "BigInt", "Decimal", "Double", "Money", "Picklist", "State", "Status"];
    if (attribute && numeric.includes(attribute.type)) return Number(text);
    if (attribute?.type === "Boolean") return text === "1" || text.toLowerCase() === "true";
    return text;
  };

export interface CollectionQuery {
  table: TableDefinition;
  query: Record<string, string>;
  preferences: Preferences;
  /** The request URL without `$skiptoken`, to build the next link from. */
  requestUrl: string;
  store: Store;
  contextUrl: string;
}

export const queryCollection = ({ table, query, preferences, requestUrl, store, contextUrl }: CollectionQuery): StoredRecord => {
  if (query.$skip !== undefined) {
    throw badRequest("The query parameter $skip is not supported");
  }
  if (query.$apply !== undefined) return applyQuery(table, query.$apply, store, contextUrl);
  const select = parseSelect(query.$select, table);
  const order = parseOrderBy(query.$orderby, table);
  const matches = filterFor(query.$filter, table);
  let rows = store.sortedRows(table, `odata\n${query.$filter ?? ""}\n${query.$orderby ?? ""}`, (all) =>
    sortRows(all.filter(matches), order, table.primaryIdAttribute),
  );
  const total = rows.length;
  if (query.$top !== undefined && !preferences.maxPageSize) {
    rows = rows.slice(0, Number(query.$top));
  }
  let pageNumber = 1;
  if (query.$skiptoken) {
    const token = unwrapSkipToken(query.$skiptoken);
    const position = parsePagingCookie(token?.innerCookie);
    if (!token || !position) throw badRequest("The $skiptoken is not valid.");
    pageNumber = token.pageNumber;
    rows = rowsAfter(rows, position, order, table.primaryIdAttribute, typedCookieValue(table));
  }
  const pageSize = preferences.maxPageSize ?? MAX_PAGE_SIZE;
  const page = rows.slice(0, pageSize);
  const body: StoredRecord = { "@odata.context": contextUrl };
  if (query.$count === "true") {
    body["@odata.count"] = Math.min(total, MAX_PAGE_SIZE);
  }
  body.value = page.map((row) =>
    annotate(expandRecord(shapeRecord(row, table, select), row, table, query.$expand, store), table, store, preferences.includeAnnotations),
  );
  if (rows.length > pageSize) {
    const cookie = buildPagingCookie(pageNumber, order, table.primaryIdAttribute, page);
    const separator = requestUrl.includes("?") ? "&" : "?";
    body["@odata.nextLink"] = `${requestUrl}${separator}$skiptoken=${encodeURIComponent(wrapPagingCookie(pageNumber + 1, cookie))}`;
  }
  return body;
};
