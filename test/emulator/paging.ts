/**
 * Paging cookies, shared by OData paging (`$skiptoken`) and FetchXML paging (`paging-cookie`).
 * As in Dataverse, the cookie holds the first and last values of the page for every order
 * column plus the primary key (GUIDs upper case, in braces), and the next page starts
 * strictly after the last row: rows added or removed meanwhile shift nothing.
 * The skip token wraps the cookie as `<cookie pagenumber="N" pagingcookie="…" istracking="False" />`
 * with the inner cookie URL-encoded twice, exactly as the reference shows.
 */
import { XMLParser } from "fast-xml-parser";
import { compareKeys, compareValues, sortKey } from "./filter";
import type { StoredRecord } from "./store";

export interface OrderColumn {
  name: string;
  descending: boolean;
}

const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "", parseAttributeValue: false });

const escapeAttribute = (value: string): string =>
  value.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

const GUID = /^\{?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\}?$/i;

const cookieValue = (value: unknown): string => {
  if (value === null || value === undefined) return "";
  const text = String(value);
  return GUID.test(text) ? `{${text.toUpperCase()}}` : text;
};

const sortColumns = (order: OrderColumn[], primaryKey: string): OrderColumn[] => [...order, { name: primaryKey, descending: false }];

/** Compares rows by the order columns, then the primary key, so every row has one place. */
export const rowComparator = (order: OrderColumn[], primaryKey: string) => {
  const columns = sortColumns(order, primaryKey);
  return (a: StoredRecord, b: StoredRecord): number => {
    for (const column of columns) {
      const result = compareValues(a[column.name], b[column.name]);
      if (result !== 0) return column.descending ? -result : result;
    }
    return 0;
  };
};

/** The rows in rowComparator's order, each row's sort keys computed once rather than at every comparison. */
export const sortRows = (rows: StoredRecord[], order: OrderColumn[], primaryKey: string): StoredRecord[] => {
  const columns = sortColumns(order, primaryKey);
  const keyed = rows.map((row) => ({ row, keys: columns.map((column) => sortKey(row[column.name])) }));
  keyed.sort((a, b) => {
    for (let index = 0; index < columns.length; index += 1) {
      const result = compareKeys(a.keys[index], b.keys[index]);
      if (result !== 0) return columns[index].descending ? -result : result;
    }
    return 0;
  });
  return keyed.map((item) => item.row);
};

/** The inner cookie for a page: `<cookie page="1"><name last=".." first=".."/><accountid last="{…}" first="{…}"/></cookie>`. */
export const buildPagingCookie = (page: number, order: OrderColumn[], primaryKey: string, rows: StoredRecord[]): string => {
  const first = rows[0];
  const last = rows[rows.length - 1];
  const columns = [...order.map((column) => column.name).filter((name) => name !== primaryKey), primaryKey];
  const elements = columns
    .map(
      (name) => `<${name} last="${escapeAttribute(cookieValue(last?.[name]))}" first="${escapeAttribute(cookieValue(first?.[name]))}" />`,
    )
    .join("");
  return `<cookie page="${page}">${elements}</cookie>`;
};

/** Dataverse writes its escapes in lower case (`%253ccookie`). */
const encodeLower = (text: string): string => encodeURIComponent(text).replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase());

export const doubleEncode = (text: string): string => encodeLower(encodeLower(text));

/** The skip token / fetchxmlpagingcookie annotation value. */
export const wrapPagingCookie = (nextPage: number, innerCookie: string): string =>
  `<cookie pagenumber="${nextPage}" pagingcookie="${doubleEncode(innerCookie)}" istracking="False" />`;

export interface PagingPosition {
  page: number;
  /** The last row's value of each cookie column, as text. */
  last: Record<string, string>;
}

/** Reads an inner cookie (`<cookie page="1">…</cookie>`); undefined when it is empty or not a cookie. */
export const parsePagingCookie = (innerCookie: string | undefined): PagingPosition | undefined => {
  if (!innerCookie?.trim()) return undefined;
  let parsed: Record<string, unknown>;
  try {
    parsed = xml.parse(innerCookie) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const cookie = parsed.cookie as Record<string, unknown> | undefined;
  if (!cookie || typeof cookie !== "object") return undefined;
  const last: Record<string, string> = {};
  for (const [name, element] of Object.entries(cookie)) {
    if (name !== "page" && element && typeof element === "object") {
      const value = (element as Record<string, unknown>).last;
      if (typeof value === "string") {
        const guid = GUID.exec(value);
        last[name] = guid ? guid[1].toLowerCase() : value;
      }
    }
  }
  return { page: Number(cookie.page) || 1, last };
};

/** Reads a skip token (`<cookie pagenumber="2" pagingcookie="…" />`) into the inner cookie. */
export const unwrapSkipToken = (skipToken: string): { pageNumber: number; innerCookie?: string } | undefined => {
  let parsed: Record<string, unknown>;
  try {
    parsed = xml.parse(skipToken) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const cookie = parsed.cookie as Record<string, string> | undefined;
  if (!cookie || typeof cookie !== "object" || !cookie.pagenumber) return undefined;
  const encoded = cookie.pagingcookie;
  return {
    pageNumber: Number(cookie.pagenumber),
    innerCookie: encoded ? decodeURIComponent(decodeURIComponent(encoded)) : undefined,
  };
};

/**
 * The rows after the position a cookie records. `typed` turns a cookie's text back into the
 * column's own type so that numbers compare as numbers.
 */
export const rowsAfter = (
  sortedRows: StoredRecord[],
  position: PagingPosition,
  order: OrderColumn[],
  primaryKey: string,
  typed: (column: string, text: string) => unknown,
): StoredRecord[] => {
  const lastRow: StoredRecord = {};
  for (const [name, text] of Object.entries(position.last)) {
    lastRow[name] = text === "" ? null : typed(name, text);
  }
  const compare = rowComparator(order, primaryKey);
  // The rows are sorted by this same comparator, so the first row after the cookie's is found by halving.
  let low = 0;
  let high = sortedRows.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (compare(sortedRows[middle], lastRow) > 0) high = middle;
    else low = middle + 1;
  }
  return sortedRows.slice(low);
};
