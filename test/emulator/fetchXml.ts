/**
 * FetchXML over the Web API (reference §3): `GET <entity set>?fetchXml=<query>`.
 * Reproduces: `<entity>` (its name must be the entity set's logical name), `<attribute>`,
 * `<all-attributes/>` (all columns also when none is named), null columns left out of the
 * records, nested `<filter type="and|or">`, `<condition>` with eq, ne, lt, le, gt, ge, like,
 * not-like, in, not-in, null and not-null, `<order attribute descending>`, `count` (1 to 5000,
 * default 5000), `page`, `paging-cookie`, `top` (up to 5000, never with page or count), and
 * `aggregate="true"` with count, countcolumn, sum, avg, min, max and groupby.
 * Paging: rows are ordered by the order columns, then the primary key, so rows with equal
 * order values still have one place. A paging cookie for the previous page makes the page
 * start strictly after that cookie's last row; without one, simple paging skips
 * (page - 1) × count rows and stops at 50,000 rows. When more rows follow and the Prefer
 * header asks for them, the response carries `@Microsoft.Dynamics.CRM.fetchxmlpagingcookie`
 * (`<cookie pagenumber="N+1" pagingcookie="<inner cookie URL-encoded twice>" istracking="False" />`)
 * and `@Microsoft.Dynamics.CRM.morerecords: true`; on the last page both are absent.
 * Counts: when the Prefer header asks for `totalrecordcount` / `totalrecordcountlimitexceeded`
 * (or `*`), a non-aggregate answer carries them: with `returntotalrecordcount="true"` the rows
 * matched, capped at 5000 with the limit exceeded past that; otherwise -1 and false.
 * No cookie: Dataverse sends none for some queries, such as one ordered on a link-entity
 * column, which then page by page number alone (simple paging, with its 50,000-row stop).
 * Simplified: a `<link-entity>` is accepted only with nothing but `<order>` in it, and only
 * to reproduce that case: it is not joined, its order is not applied (rows keep the primary
 * entity's order), and the answer carries `morerecords` but no paging cookie. No `$count`, a lookup column in an order or a cookie is named
 * by its property (`_primarycontactid_value`), and where the reference gives no error text
 * or code for a refusal, the emulator's own stand in (each a 400, as Dataverse answers).
 */
import { XMLParser } from "fast-xml-parser";
import { badRequest, DataverseFault } from "./faults";
import { compareValues } from "./filter";
import { annotate, etagOf, MAX_PAGE_SIZE, parsePrefer, typedCookieValue } from "./odata";
import { buildPagingCookie, parsePagingCookie, rowComparator, rowsAfter, sortRows, wrapPagingCookie, type OrderColumn } from "./paging";
import { findAttribute, propertyName, type TableDefinition } from "./schema";
import type { StoredRecord } from "./store";
import type { EmuContext, EmuRequest, EmuResponse } from "./types";

type Element = Record<string, unknown>;

const REPEATED = new Set(["attribute", "filter", "condition", "order", "value", "link-entity"]);

const xml = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "@",
  parseAttributeValue: false,
  parseTagValue: false,
  htmlEntities: true,
  isArray: (name, _path, _leaf, isAttribute) => !isAttribute && REPEATED.has(name),
});

const SIMPLE_PAGING_LIMIT = 50_000;
const PAGING_COOKIE = "Microsoft.Dynamics.CRM.fetchxmlpagingcookie";
const MORE_RECORDS = "Microsoft.Dynamics.CRM.morerecords";
const TOTAL_COUNT = "Microsoft.Dynamics.CRM.totalrecordcount";
const COUNT_LIMIT_EXCEEDED = "Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded";
/** `returntotalrecordcount` counts up to 5000 rows; past that the count stays 5000 and the limit is exceeded. */
const COUNT_LIMIT = 5000;

const invalidFetchXml = (message: string): DataverseFault => badRequest(`Invalid FetchXML: ${message}`, "0x80041102");

const listOf = (element: Element | undefined, name: string): Element[] => (element?.[name] as Element[] | undefined) ?? [];

const text = (value: unknown): string =>
  typeof value === "string" ? value : value && typeof value === "object" ? String((value as Element)["#text"] ?? "") : "";

/** The property a FetchXML attribute name reads from: a lookup's is `_<name>_value`. */
const columnOf = (table: TableDefinition, name: unknown): string => {
  const attribute = typeof name === "string" ? findAttribute(table, name) : undefined;
  if (!attribute) {
    throw new DataverseFault(
      400,
      "0x80041103",
      `'${table.logicalName}' entity doesn't contain attribute with Name = '${String(name)}' and NameMapping = 'Logical'.`,
    );
  }
  return propertyName(attribute);
};

type Predicate = (row: StoredRecord) => boolean;

const likePattern = (pattern: string): RegExp =>
  new RegExp(
    `^${pattern
      .replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
      .replace(/%/g, ".*")
      .replace(/_/g, ".")}$`,
    "is",
  );

const conditionPredicate = (table: TableDefinition, condition: Element): Predicate => {
  const column = columnOf(table, condition["@attribute"]);
  const typed = (value: string) => typedCookieValue(table)(column, value);
  const operator = String(condition["@operator"] ?? "");
  const value = typed(String(condition["@value"] ?? ""));
  const values = listOf(condition, "value").map((item) => typed(text(item)));
  const present = (row: StoredRecord) => row[column] !== null && row[column] !== undefined;
  const compare = (row: StoredRecord) => compareValues(row[column], value);
  const like = likePattern(String(condition["@value"] ?? ""));
  const operators: Record<string, Predicate> = {
    eq: (row) => present(row) && compare(row) === 0,
    ne: (row) => present(row) && compare(row) !== 0,
    lt: (row) => present(row) && compare(row) < 0,
    le: (row) => present(row) && compare(row) <= 0,
    gt: (row) => present(row) && compare(row) > 0,
    ge: (row) => present(row) && compare(row) >= 0,
    like: (row) => present(row) && like.test(String(row[column])),
    "not-like": (row) => present(row) && !like.test(String(row[column])),
    in: (row) => present(row) && values.some((item) => compareValues(row[column], item) === 0),
    "not-in": (row) => present(row) && !values.some((item) => compareValues(row[column], item) === 0),
    null: (row) => !present(row),
    "not-null": present,
  };
  const predicate = operators[operator];
  if (!predicate) throw invalidFetchXml(`the condition operator '${operator}' is not supported.`);
  return predicate;
};

const filterPredicate = (table: TableDefinition, filter: Element): Predicate => {
  const parts = [
    ...listOf(filter, "condition").map((condition) => conditionPredicate(table, condition)),
    ...listOf(filter, "filter").map((nested) => filterPredicate(table, nested)),
  ];
  const type = String(filter["@type"] ?? "and").toLowerCase();
  if (type !== "and" && type !== "or") throw invalidFetchXml(`the filter type '${type}' is not 'and' or 'or'.`);
  return type === "or" ? (row) => parts.some((part) => part(row)) : (row) => parts.every((part) => part(row));
};

interface ParsedFetch {
  fetch: Element;
  entity: Element;
  /** Ordered on a link-entity column: Dataverse gives no paging cookie. */
  cookieless: boolean;
}

const childElementsOf = (element: unknown): string[] =>
  element && typeof element === "object" ? Object.keys(element).filter((key) => !key.startsWith("@") && key !== "#text") : [];

const orderedOnLinkEntity = (entity: Element): boolean => {
  const links = listOf(entity, "link-entity");
  if (links.some((link) => childElementsOf(link).some((name) => name !== "order"))) {
    throw invalidFetchXml("link-entity is reproduced by the emulator only with <order> elements inside.");
  }
  return links.some((link) => listOf(link, "order").length > 0);
};

const parseFetch = (query: string, table: TableDefinition): ParsedFetch => {
  let parsed: Element;
  try {
    parsed = xml.parse(query, true) as Element;
  } catch (error) {
    throw invalidFetchXml((error as Error).message);
  }
  const fetch = parsed.fetch as Element | undefined;
  const entity = fetch && typeof fetch === "object" ? (fetch.entity as Element | undefined) : undefined;
  if (!fetch || !entity || typeof entity !== "object") throw invalidFetchXml("the query needs a <fetch> root with an <entity> element.");
  if (entity["@name"] !== table.logicalName) {
    throw badRequest(
      `The entity name '${String(entity["@name"])}' in the FetchXML does not match the entity set '${table.entitySetName}'.`,
      "0x80060888",
    );
  }
  return { fetch, entity, cookieless: orderedOnLinkEntity(entity) };
};

const wholeNumber = (value: unknown, name: string, max: number): number | undefined => {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1 || number > max)
    throw invalidFetchXml(`the ${name} attribute must be a whole number from 1 to ${max}.`);
  return number;
};

/** The record as FetchXML returns it: null columns are left out, unlike OData queries. */
const shapeRow = (row: StoredRecord, table: TableDefinition, columns: string[] | undefined): StoredRecord => {
  const shaped: StoredRecord = { "@odata.etag": etagOf(row) };
  for (const name of columns ? [...columns, table.primaryIdAttribute] : Object.keys(row)) {
    if (row[name] !== null && row[name] !== undefined) shaped[name] = row[name];
  }
  return shaped;
};

const AGGREGATES: Record<string, (values: unknown[], rows: StoredRecord[]) => unknown> = {
  count: (_values, rows) => rows.length,
  countcolumn: (values) => values.length,
  sum: (values) => values.reduce((total: number, value) => total + Number(value), 0),
  avg: (values) => (values.length ? values.reduce((total: number, value) => total + Number(value), 0) / values.length : null),
  min: (values) => (values.length ? [...values].sort(compareValues)[0] : null),
  max: (values) => (values.length ? [...values].sort(compareValues)[values.length - 1] : null),
};

const aggregateRows = (table: TableDefinition, entity: Element, rows: StoredRecord[]): StoredRecord[] => {
  const attributes = listOf(entity, "attribute").map((attribute) => ({
    column: columnOf(table, attribute["@name"]),
    alias: String(attribute["@alias"] ?? attribute["@name"]),
    groupby: attribute["@groupby"] === "true",
    aggregate: String(attribute["@aggregate"] ?? ""),
  }));
  const groupColumns = attributes.filter((attribute) => attribute.groupby);
  const groups = new Map<string, StoredRecord[]>();
  for (const row of rows) {
    const key = JSON.stringify(groupColumns.map((attribute) => row[attribute.column]));
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  if (!groups.size && !groupColumns.length) groups.set("[]", []);
  const order = listOf(entity, "order").map((item) => ({ name: String(item["@alias"]), descending: item["@descending"] === "true" }));
  const results = [...groups.values()].map((members) => {
    const result: StoredRecord = {};
    for (const attribute of attributes) {
      if (attribute.groupby) {
        result[attribute.alias] = members[0][attribute.column];
        continue;
      }
      const aggregate = AGGREGATES[attribute.aggregate];
      if (!aggregate) throw invalidFetchXml(`the aggregate '${attribute.aggregate}' is not supported.`);
      const values = members.map((row) => row[attribute.column]).filter((value) => value !== null && value !== undefined);
      result[attribute.alias] = aggregate(values, members);
    }
    return result;
  });
  return results.sort(rowComparator(order, ""));
};

/** The `odata.include-annotations` list, one name an item. */
const requestedAnnotations = (prefer: string | undefined): string[] =>
  (parsePrefer(prefer).includeAnnotations ?? "")
    .split(",")
    .map((name) => name.trim())
    .filter(Boolean);

const wants = (requested: string[], annotation: string): boolean =>
  requested.some((name) => name === "*" || name === annotation || (name.endsWith(".*") && annotation.startsWith(name.slice(0, -1))));

const innerCookieOf = (attribute: unknown): string | undefined => {
  const value = typeof attribute === "string" ? attribute.trim() : "";
  return value.toLowerCase().startsWith("%3c") ? decodeURIComponent(value) : value || undefined;
};

interface Page {
  rows: StoredRecord[];
  more: boolean;
}

const pageOf = (
  sorted: StoredRecord[],
  fetch: Element,
  table: TableDefinition,
  order: OrderColumn[],
  page: number,
  count: number,
): Page => {
  const position = parsePagingCookie(innerCookieOf(fetch["@paging-cookie"]));
  let remaining: StoredRecord[];
  if (position && position.page === page - 1) {
    remaining = rowsAfter(sorted, position, order, table.primaryIdAttribute, typedCookieValue(table));
  } else {
    if ((page - 1) * count >= SIMPLE_PAGING_LIMIT) {
      throw badRequest(
        `Paging without a paging cookie is limited to ${SIMPLE_PAGING_LIMIT} rows; use the paging-cookie attribute.`,
        "0x8004E023",
      );
    }
    remaining = sorted.slice((page - 1) * count);
  }
  return { rows: remaining.slice(0, count), more: remaining.length > count };
};

const selectedColumns = (table: TableDefinition, entity: Element): string[] | undefined => {
  const named = listOf(entity, "attribute");
  return entity["all-attributes"] !== undefined || !named.length
    ? undefined
    : named.map((attribute) => columnOf(table, attribute["@name"]));
};

/** The collection's count annotations when asked for: -1 and false unless the query sets returntotalrecordcount. */
const recordCount = (fetch: Element, matched: number, requested: string[]): StoredRecord => {
  const counted = String(fetch["@returntotalrecordcount"] ?? "").toLowerCase() === "true";
  const annotations: StoredRecord = {};
  if (wants(requested, TOTAL_COUNT)) annotations[`@${TOTAL_COUNT}`] = counted ? Math.min(matched, COUNT_LIMIT) : -1;
  if (wants(requested, COUNT_LIMIT_EXCEEDED)) annotations[`@${COUNT_LIMIT_EXCEEDED}`] = counted && matched > COUNT_LIMIT;
  return annotations;
};

export const handleFetchXml = (request: EmuRequest, context: EmuContext, table: TableDefinition): EmuResponse => {
  const { fetch, entity, cookieless } = parseFetch(request.query.fetchXml, table);
  const filters = listOf(entity, "filter").map((filter) => filterPredicate(table, filter));
  const matches = (row: StoredRecord) => filters.every((filter) => filter(row));
  const requested = requestedAnnotations(request.headers.prefer);
  const body: StoredRecord = { "@odata.context": `${context.apiRoot}$metadata#${table.entitySetName}` };
  const headers = requested.length ? { "Preference-Applied": `odata.include-annotations="${requested.join(",")}"` } : undefined;
  if (fetch["@aggregate"] === "true") {
    return { status: 200, headers, body: { ...body, value: aggregateRows(table, entity, context.store.list(table).filter(matches)) } };
  }
  const order = listOf(entity, "order").map((item) => ({
    name: columnOf(table, item["@attribute"]),
    descending: item["@descending"] === "true",
  }));
  const top = wholeNumber(fetch["@top"], "top", MAX_PAGE_SIZE);
  if (top !== undefined && (fetch["@page"] !== undefined || fetch["@count"] !== undefined)) {
    throw invalidFetchXml("the top attribute can't be combined with the page or count attributes.");
  }
  // The entity element holds everything the rows depend on (filters, orders); page and cookie sit on <fetch>.
  const sorted = context.store.sortedRows(table, `fetchxml\n${JSON.stringify(entity)}`, (all) =>
    sortRows(all.filter(matches), order, table.primaryIdAttribute),
  );
  const page = wholeNumber(fetch["@page"], "page", Number.MAX_SAFE_INTEGER) ?? 1;
  const count = top ?? wholeNumber(fetch["@count"], "count", MAX_PAGE_SIZE) ?? MAX_PAGE_SIZE;
  const { rows: pageRows, more } =
    top !== undefined ? { rows: sorted.slice(0, top), more: false } : pageOf(sorted, fetch, table, order, page, count);
  const columns = selectedColumns(table, entity);
  body.value = pageRows.map((row) => annotate(shapeRow(row, table, columns), table, context.store, requested.join(",")));
  if (more && !cookieless && wants(requested, PAGING_COOKIE)) {
    body[`@${PAGING_COOKIE}`] = wrapPagingCookie(page + 1, buildPagingCookie(page, order, table.primaryIdAttribute, pageRows));
  }
  if (more && wants(requested, MORE_RECORDS)) body[`@${MORE_RECORDS}`] = true;
  return { status: 200, headers, body: { ...body, ...recordCount(fetch, sorted.length, requested) } };
};
