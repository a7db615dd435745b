import { input } from "@prismatic-io/spectral";
import { InputError, MAX_PAGE_SIZE, normalizeGuid, requireName } from "../client";
import { toOptionalString } from "./clean";

const LABEL = "OData Query";

/** A relative OData query read into the entity set it runs on and its options, decoded. */
export interface ODataQuery {
  entitySetName: string;
  queryOptions: Record<string, string>;
}

const SYSTEM_OPTIONS = ["$select", "$filter", "$orderby", "$expand", "$top", "$count", "$apply"];
/** Options that name a whole query (FetchXML, a saved or personal view), which pages by its own count. */
export const VIEW_OPTIONS = ["fetchXml", "savedQuery", "userQuery"];
/** A parameter alias such as `@p1`, used by query functions (reference §1.5). */
const ALIAS = /^@p[A-Za-z0-9_]*$/;

const refuse = (problem: string): never => {
  throw new InputError(LABEL, problem);
};

const decode = (text: string): string => {
  try {
    return decodeURIComponent(text);
  } catch {
    return refuse(`'${text}' has a % that is not followed by two hex digits: write a literal % as %25.`);
  }
};

const checkValue = (name: string, value: string): void => {
  if (!value.trim()) refuse(`${name} has no value: remove it or give one, as in $select=name.`);
  if (name === "$top") {
    const top = Number(value);
    if (!Number.isInteger(top) || top < 1 || top > MAX_PAGE_SIZE)
      refuse(`$top=${value} must be a whole number from 1 to ${MAX_PAGE_SIZE}.`);
  }
  if (name === "$count" && value !== "true" && value !== "false") refuse(`$count=${value} must be true or false.`);
  if ((name === "savedQuery" || name === "userQuery") && !normalizeGuid(value)) refuse(`${name}=${value} must be the view's GUID.`);
};

/**
 * The query must stay inside the Web API root as one entity set with the options Query
 * Entities by URL supports: no scheme or host, no path of its own, no `..`, no second `?`.
 */
export const parseODataQuery = (value: unknown): ODataQuery => {
  const text = toOptionalString(value);
  if (!text) return refuse("is required: give an entity set and its query, for example accounts?$select=name&$filter=statecode eq 0.");
  if (/^[a-z][a-z0-9+.-]*:/i.test(text) || text.startsWith("/") || text.includes("\\")) {
    refuse("must be relative to the Web API root, with no scheme, host or leading /: for example accounts?$select=name.");
  }
  if (text.includes("..")) refuse("must not contain '..': give an entity set and its query, for example accounts?$select=name.");
  if (text.includes("#")) refuse("must not contain a fragment (#).");
  const [path, query = "", ...more] = text.split("?");
  if (more.length) refuse("has more than one '?': options go after the first ? and are separated by &.");
  const entitySetName = requireName(decode(path), LABEL, "entity set name");
  const queryOptions: Record<string, string> = {};
  for (const part of query.split("&").filter(Boolean)) {
    const eq = part.indexOf("=");
    const name = decode(eq < 0 ? part : part.slice(0, eq)).trim();
    if (!SYSTEM_OPTIONS.includes(name) && !VIEW_OPTIONS.includes(name) && !ALIAS.test(name)) {
      refuse(
        `'${name}' is not an option it supports: use ${[...SYSTEM_OPTIONS, ...VIEW_OPTIONS].join(", ")} or parameter aliases such as @p1.`,
      );
    }
    if (name in queryOptions) refuse(`${name} is given twice: give each option once.`);
    const optionValue = eq < 0 ? "" : decode(part.slice(eq + 1));
    checkValue(name, optionValue);
    queryOptions[name] = optionValue;
  }
  return { entitySetName, queryOptions };
};

export const odataQuery = input({
  label: LABEL,
  type: "string",
  required: true,
  example: "accounts?$select=name&$filter=statecode eq 0&$expand=primarycontactid($select=fullname)",
  comments:
    "An entity set and its query, relative to the Web API root: $select, $filter, $orderby, $expand, $top, $count, $apply, fetchXml, savedQuery, userQuery and parameter aliases (@p1).",
  clean: parseODataQuery,
});
