import { input } from "@prismatic-io/spectral";
import { InputError, MAX_PAGE_SIZE, type WebApiUrl } from "../client";
import { toBoolean, toIntegerInRange, toOptionalString, toStringList } from "./clean";

/**
 * A filter is combined with others inside parentheses (the polling trigger's `modifiedon ge …`),
 * so one whose own parentheses do not balance outside its quoted values could close that
 * group early and make the other clause meaningless (`statecode eq 0) or (1 eq 1`). In a
 * quoted value a doubled quote (`'O''Brien'`) is a quote, not the end of the value.
 */
export const requireBalancedFilter = (filter: string | undefined): string | undefined => {
  if (!filter) return filter;
  let depth = 0;
  let quoted = false;
  for (let index = 0; index < filter.length; index += 1) {
    const char = filter[index];
    if (quoted) {
      if (char === "'" && filter[index + 1] === "'") index += 1;
      else if (char === "'") quoted = false;
    } else if (char === "'") {
      quoted = true;
    } else if (char === "(") {
      depth += 1;
    } else if (char === ")" && --depth < 0) {
      throw new InputError(
        "Filter Expression",
        `has a ')' with no '(' before it (at character ${index + 1}): balance the parentheses outside quoted values.`,
      );
    }
  }
  if (quoted) {
    throw new InputError(
      "Filter Expression",
      "has a quoted value with no closing quote: end it with ' (write a quote inside a value as '').",
    );
  }
  if (depth > 0) {
    throw new InputError("Filter Expression", `has ${depth} '(' never closed: balance the parentheses outside quoted values.`);
  }
  return filter;
};

export const filterExpression = input({
  label: "Filter Expression",
  type: "string",
  required: false,
  example: "name eq 'Contoso' and statecode eq 0",
  comments: "The filter expression that used for querying entity collections",
  clean: (value: unknown) => requireBalancedFilter(toOptionalString(value)),
});

const ORDER_BY = /^([A-Za-z_][A-Za-z0-9_]*)(?:\s+(asc|desc))?$/i;

/** `name` or `name desc`. */
export const orderByFieldNames = input({
  label: "Order By Field Name",
  type: "string",
  collection: "valuelist",
  required: false,
  example: "createdon desc",
  comments: "The names of the fields to order by",
  clean: (value: unknown) =>
    toStringList(value).map((item) => {
      const match = ORDER_BY.exec(item);
      if (!match) {
        throw new InputError(
          "Order By Field Name",
          `'${item}' is not a column to order by: use a column name, optionally followed by asc or desc (for example 'createdon desc').`,
        );
      }
      return match[2] ? `${match[1]} ${match[2].toLowerCase()}` : match[1];
    }),
});

export const recordsPerPage = input({
  label: "Records Per Page",
  type: "string",
  required: false,
  default: "100",
  comments: "The number of record to retrieve per page",
  clean: (value: unknown) => toIntegerInRange(value, "Records Per Page", { min: 1, max: MAX_PAGE_SIZE, fallback: 100 }) as number,
});

export const nextPageId = input({
  label: "Next Page Id",
  type: "string",
  required: false,
  comments: "The id or cookie to use for retrieving the next page of results when paginating through a large result set",
  clean: toOptionalString,
});

const refuseLink = (problem: string, entitySetName: string): never => {
  throw new InputError(
    "Next Page Id",
    `${problem}: give the Next Page Id a Query Entities step on ${entitySetName} returned, or leave it empty for the first page.`,
  );
};

/**
 * A Next Page Id that is a link must continue this step's query: on the connection's host,
 * under its Web API root, at the same entity set. Any other link (another table, a `..`, an
 * encoded slash, a user name) would turn paging into a request the step was never given.
 */
export const requireNextPageOf = (nextPageId: string | undefined, entitySetName: string, webApi: WebApiUrl): string | undefined => {
  const text = nextPageId?.trim();
  if (!text || !/^https?:\/\//i.test(text)) return nextPageId;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return refuseLink("is not a valid link", entitySetName);
  }
  if (url.origin !== webApi.origin || url.username || url.password) {
    refuseLink(`links to ${url.origin}, not to this connection's ${webApi.origin}`, entitySetName);
  }
  const root = new URL(webApi.root).pathname;
  if (!url.pathname.toLowerCase().startsWith(root.toLowerCase())) {
    refuseLink(`links outside the Web API (${root})`, entitySetName);
  }
  let linked: string;
  try {
    linked = decodeURIComponent(url.pathname.slice(root.length));
  } catch {
    return refuseLink("has a path that cannot be decoded", entitySetName);
  }
  if (linked.toLowerCase() !== entitySetName.toLowerCase()) {
    refuseLink(`links to '${linked.slice(0, 100)}', not to the Entity Type '${entitySetName}' this step queries`, entitySetName);
  }
  return nextPageId;
};

export const fetchAll = input({
  label: "Fetch All",
  type: "boolean",
  required: false,
  default: "false",
  comments: "Follow every next page and return all records at once (up to 100,000). Records Per Page and Next Page Id are then ignored.",
  clean: (value: unknown) => toBoolean(value),
});

export const includeCount = input({
  label: "Include Count",
  type: "boolean",
  required: false,
  default: "false",
  comments: "Also return the number of matching records (Dataverse counts at most 5000).",
  clean: (value: unknown) => toBoolean(value),
});

/** Fetch All's error past the records one step may hold, naming the inputs that page instead. */
export const fetchAllTooMany =
  (pagingInputs: string) =>
  (maxRecords: number): InputError =>
    new InputError(
      "Fetch All",
      `the query returns more than ${maxRecords} records, the most one step may hold: narrow the filter, or turn Fetch All off and page with ${pagingInputs}.`,
    );
