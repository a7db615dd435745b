import type { AxiosError, AxiosResponse } from "axios";
import { util, type Connection } from "@prismatic-io/spectral";
import { createClient, type sendRawRequest } from "@prismatic-io/spectral/dist/clients/http";
import { DataverseError, InputError } from "./wire/errors";
import { createDataverseClient, ODATA_HEADERS, toDataverseError, type DataverseClient } from "./wire/http";
import { REDACTED, redactUrl, scrub, scrubAnswers, scrubError, secretsOf } from "./wire/redact";
import { DEFAULT_RETRY, toRetryConfig, type RetryOptions } from "./wire/retry";
import { withQuery } from "./wire/url";

/** The values of spectral's raw-request inputs, cleaned. */
export type RawRequestValues = Parameters<typeof sendRawRequest>[1];

type KeyValue = { key: string; value: unknown };

/**
 * How a path that is not a full URL is read. `webApiRoot` (the original "[CRM] Raw Request"):
 * a path outside `/api/` is relative to `/api/data/v9.2/`, so `accounts` and `/accounts`
 * both mean `/api/data/v9.2/accounts`. `host` ("Raw Request"): every path is on the host.
 */
export type RawRequestPaths = "webApiRoot" | "host";

const isAbsolute = (text: string): boolean => {
  try {
    return Boolean(new URL(text));
  } catch {
    return false;
  }
};

/** What `DataverseClient.resolve` reads: a full URL, a path on the host, or a path relative to the Web API root. */
const targetOf = (text: string, paths: RawRequestPaths): string => {
  if (text.startsWith("//") || isAbsolute(text)) {
    return text;
  }
  const onHost = text.startsWith("/") ? text : `/${text}`;
  return paths === "webApiRoot" && !onHost.startsWith("/api/") ? onHost.slice(1) : onHost;
};

/** The full URL on the connection's host; any other host is refused before anything is sent. */
const resolveRawRequestUrl = (client: DataverseClient, url: string, paths: RawRequestPaths): string => {
  const text = url.trim();
  if (!text) {
    throw new InputError("URL", "is required: give a path such as /api/data/v9.2/accounts?$select=name.");
  }
  try {
    return client.resolve(targetOf(text, paths));
  } catch (error) {
    const problem = error instanceof DataverseError ? error.dataverseMessage : `'${text}' is not a URL or a path`;
    throw new InputError("URL", `${problem}. Give a path such as /api/data/v9.2/accounts.`);
  }
};

const pairs = (value: unknown): KeyValue[] =>
  Array.isArray(value) ? (value as KeyValue[]).filter((pair) => typeof pair?.key === "string" && pair.key.trim()) : [];

const hasHeader = (headers: KeyValue[], name: string): boolean => headers.some((header) => header.key.toLowerCase() === name.toLowerCase());

const hasFormData = (values: RawRequestValues): boolean => pairs(values.formData).length > 0 || pairs(values.fileData).length > 0;

/**
 * The user's headers over the OData defaults, minus any Authorization of their own: the
 * connection's token is the only credential sent. A body without a content type is JSON,
 * which is what the Web API reads (axios would call a string form-encoded).
 */
const requestHeaders = (values: RawRequestValues): KeyValue[] => {
  const own = pairs(values.headers).filter((header) => header.key.toLowerCase() !== "authorization");
  const defaults = Object.entries(ODATA_HEADERS).map(([key, value]) => ({ key, value }));
  if (values.data && !hasFormData(values)) {
    defaults.push({ key: "Content-Type", value: "application/json" });
  }
  return [...defaults.filter((header) => !hasHeader(own, header.key)), ...own];
};

const SECRET_HEADER = /authorization|cookie|token|secret|password|api-?key/i;
const MAX_LOGGED_BODY = 10_000;

const redactHeaders = (headers: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, SECRET_HEADER.test(name) ? REDACTED : value]));

const describeBody = (values: RawRequestValues): unknown => {
  if (hasFormData(values)) {
    return { formData: pairs(values.formData).map((pair) => pair.key), fileData: pairs(values.fileData).map((pair) => pair.key) };
  }
  const text =
    values.data === undefined || values.data === null ? "" : typeof values.data === "string" ? values.data : util.types.toJSON(values.data);
  return text.length > MAX_LOGGED_BODY ? `<${text.length} characters>` : text || undefined;
};

/**
 * Debug lines with secret headers and credential-like query parameters redacted, and the
 * connection's secrets removed wherever else they appear (a body may carry them too).
 * Silent unless Debug Request is on.
 */
const debugLogger = (enabled: boolean, log: (message: string) => void, secrets: string[]) => {
  const write = (label: string, details: Record<string, unknown>) => {
    if (enabled) {
      log(scrub(`${label} ${JSON.stringify(details)}`, secrets));
    }
  };
  return {
    request: (method: string, url: string, headers: KeyValue[], values: RawRequestValues) =>
      write("Raw request:", {
        method,
        url: redactUrl(url),
        headers: redactHeaders(util.types.keyValPairListToObject(headers)),
        body: describeBody(values),
      }),
    response: (response: AxiosResponse | undefined) =>
      response && write("Raw response:", { status: response.status, headers: redactHeaders({ ...response.headers }) }),
  };
};

const pathOf = (url: string): string => {
  const parsed = new URL(url);
  return `${parsed.pathname}${parsed.search}`;
};

/** Node's own FormData, which axios streams as multipart/form-data with its boundary. */
const toFormData = (values: RawRequestValues): FormData => {
  const form = new FormData();
  pairs(values.formData).forEach(({ key, value }) => form.append(key, util.types.toString(value)));
  const fileNames = (values.fileDataFileNames ?? {}) as Record<string, unknown>;
  pairs(values.fileData).forEach(({ key, value }) => {
    const { data } = util.types.toBufferDataPayload(value);
    form.append(key, new Blob([data]), util.types.toString(fileNames[key]) || key);
  });
  return form;
};

const payloadOf = (values: RawRequestValues): unknown => {
  if (!hasFormData(values)) {
    return values.data || undefined;
  }
  if (values.data) {
    throw new InputError("Data", "cannot be sent together with Form Data or File Data: use one or the other.");
  }
  return toFormData(values);
};

/**
 * The user's Max Retry Count, Retry Delay, Exponential Backoff and Retry On All Errors,
 * within the client's rules: a 429 is retried after its Retry-After for every method, and
 * a write whose answer was lost is never repeated, whatever Retry On All Errors says. The
 * wait the user asked for is never cut short by the client's own budget.
 */
const retryOptionsOf = (values: RawRequestValues): RetryOptions => {
  const maxRetries = Number(values.maxRetries) || 0;
  const baseDelayMs = Number(values.retryDelayMS) || 0;
  const exponential = Boolean(values.useExponentialBackoff);
  const planned = exponential ? baseDelayMs * (2 ** maxRetries - 1) : baseDelayMs * maxRetries;
  return {
    maxRetries,
    baseDelayMs,
    exponential,
    retryAllErrors: Boolean(values.retryAllErrors),
    maxTotalWaitMs: Math.max(DEFAULT_RETRY.maxTotalWaitMs, planned),
  };
};

export interface RawRequestOptions {
  paths: RawRequestPaths;
  /** Receives the debug lines when Debug Request is on. */
  log: (message: string) => void;
}

/**
 * Sends a request on the connection's host only, with the connection's token and the
 * OData headers, through spectral's client with redirects off: a redirect could carry the
 * token to another host. Spectral's own debug logging prints the Authorization header as
 * it is, so it stays off and this function logs instead, redacted.
 */
export const sendDataverseRawRequest = async (
  connection: Connection,
  values: RawRequestValues,
  options: RawRequestOptions,
): Promise<AxiosResponse> => {
  const client = createDataverseClient(connection);
  const token = String(connection.token?.access_token);
  const query = Object.fromEntries(pairs(values.queryParams).map((pair) => [pair.key, util.types.toString(pair.value)]));
  // Query parameters go into the URL here, encoded as OData reads them (%20, not +).
  const url = withQuery(resolveRawRequestUrl(client, values.url, options.paths), query);
  const method = (values.method || "GET").toUpperCase();
  const payload = payloadOf(values);
  const headers = requestHeaders(values);
  const authorization = `Bearer ${token}`;
  const secrets = secretsOf(connection);
  const debug = debugLogger(Boolean(values.debugRequest), options.log, secrets);
  debug.request(method, url, [...headers, { key: "Authorization", value: authorization }], values);
  const http = createClient({
    baseUrl: client.webApi.origin,
    responseType: values.responseType,
    timeout: values.timeout,
    retryConfig: toRetryConfig(retryOptionsOf(values)),
  });
  http.defaults.maxRedirects = 0;
  scrubAnswers(http, secrets);
  try {
    const response = await http.request({
      method,
      url,
      headers: { ...util.types.keyValPairListToObject(headers), Authorization: authorization },
      data: payload,
    });
    debug.response(response);
    return response;
  } catch (error) {
    if (!(error as AxiosError).isAxiosError) {
      throw error;
    }
    debug.response((error as AxiosError).response);
    throw scrubError(toDataverseError(error, method, pathOf(redactUrl(url))), secrets);
  }
};
