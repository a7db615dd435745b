import { InputError } from "./errors";
import { redactUrl } from "./redact";

export const API_PATH = "/api/data/v9.2/";

/** Where a connection's Dataverse lives. */
export interface WebApiUrl {
  /** `https://org.crm.dynamics.com`: the only host that ever receives the connection's token. */
  origin: string;
  /** `https://org.crm.dynamics.com/api/data/v9.2/` */
  root: string;
}

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);
const API_DATA_PATH = /^\/api\/data\/v\d+(\.\d+)?\/?$/i;

/**
 * Accepts the organization URL with or without a trailing slash, or with `/api/data/v9.x`
 * already on it. Older integrations were configured with v9.0 or v9.1; every operation this
 * component sends means the same in v9.2, so the version is always normalised to v9.2.
 * Plain http is allowed only for loopback hosts (the local emulator), so a token is never
 * sent unencrypted over a network.
 */
export const parseWebApiUrl = (value: unknown, inputLabel = "Web API URL"): WebApiUrl => {
  const text = typeof value === "string" ? value.trim() : "";
  if (!text) {
    throw new InputError(inputLabel, "is required: give your organization URL, for example https://my-org.crm.dynamics.com.");
  }
  // Every message below may repeat what was given: never its user name or password.
  const shown = redactUrl(text);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new InputError(inputLabel, `'${shown}' is not a URL: give your organization URL, for example https://my-org.crm.dynamics.com.`);
  }
  const secure = url.protocol === "https:" || (url.protocol === "http:" && LOOPBACK.has(url.hostname));
  if (!secure) {
    throw new InputError(inputLabel, `'${shown}' must use https (for example https://my-org.crm.dynamics.com).`);
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new InputError(inputLabel, "must not contain credentials, a query or a fragment: give only the organization URL.");
  }
  if (url.pathname !== "/" && !API_DATA_PATH.test(url.pathname)) {
    throw new InputError(
      inputLabel,
      `'${shown}' has an unexpected path '${url.pathname}': give the organization URL (https://my-org.crm.dynamics.com), optionally followed by /api/data/v9.2.`,
    );
  }
  return { origin: url.origin, root: `${url.origin}${API_PATH}` };
};

export type QueryOptions = Record<string, string | number | boolean | undefined>;

/** The one OData string literal: in single quotes, a quote inside doubled (`'O''Brien'`). */
export const odataString = (text: string): string => `'${text.replace(/'/g, "''")}'`;

/** The one joiner for `$select`, `$expand` and `$orderby`: names joined by commas, or no option at all. */
export const joinNames = (names: string[] | undefined): string | undefined => (names?.length ? names.join(",") : undefined);

/**
 * OData wants `%20` for spaces and keeps `$`, `(`, `)`, `'` and `,` readable; URLSearchParams
 * would write `+`, which OData reads as a literal plus.
 */
const encodeQueryValue = (value: string): string => encodeURIComponent(value).replace(/%24/g, "$").replace(/%2C/g, ",");

/**
 * One `name=value` pair, both encoded, so neither can add an option or end the query; `@` stays
 * readable in a name, as parameter aliases (`@p1`) are written.
 */
export const queryPair = (name: string, value: string): string =>
  `${encodeQueryValue(name).replace(/%40/g, "@")}=${encodeQueryValue(value)}`;

export const buildQueryString = (query: QueryOptions = {}): string =>
  Object.entries(query)
    .filter(([, value]) => value !== undefined && value !== "")
    .map(([key, value]) => queryPair(key, String(value)))
    .join("&");

export const withQuery = (path: string, query?: QueryOptions): string => {
  const queryString = buildQueryString(query);
  if (!queryString) {
    return path;
  }
  return `${path}${path.includes("?") ? "&" : "?"}${queryString}`;
};
