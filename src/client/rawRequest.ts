import { util, type Connection } from "@prismatic-io/spectral";
import type { sendRawRequest } from "@prismatic-io/spectral/dist/clients/http";
import { DataverseError, InputError } from "./wire/errors";
import { createDataverseClient, DEFAULT_TIMEOUT_MS, ODATA_HEADERS, type DataverseClient, type DataverseResponse } from "./wire/http";
import { isSecretName, REDACTED, redactUrl, scrub, secretsOf } from "./wire/redact";
import { DEFAULT_RETRY, type RetryOptions } from "./wire/retryPolicy";
import { queryPair } from "./wire/url";

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
const resolveRawRequestUrl = (client: DataverseClient, url: string, paths: RawRequestPaths, inputLabel: string): string => {
  const text = url.trim();
  if (!text) {
    throw new InputError(inputLabel, "is required: give a path such as /api/data/v9.2/accounts?$select=name.");
  }
  try {
    return client.resolve(targetOf(text, paths));
  } catch (error) {
    const problem = error instanceof DataverseError ? error.dataverseMessage : `'${text}' is not a URL or a path`;
    throw new InputError(inputLabel, `${problem}. Give a path such as /api/data/v9.2/accounts.`);
  }
};

const pairs = (value: unknown): KeyValue[] =>
  Array.isArray(value) ? (value as KeyValue[]).filter((pair) => typeof pair?.key === "string" && pair.key.trim()) : [];

const hasHeader = (headers: KeyValue[], name: string): boolean => headers.some((header) => header.key.toLowerCase() === name.toLowerCase());

const hasFormData = (values: RawRequestValues): boolean => pairs(values.formData).length > 0 || pairs(values.fileData).length > 0;

/**
 * The user's headers over the OData defaults, minus any Authorization of their own: the
 * connection's token is the only credential sent. A body without a content type is JSON,
 * which is what the Web API reads.
 */
const requestHeaders = (values: RawRequestValues): KeyValue[] => {
  const own = pairs(values.headers).filter((header) => header.key.toLowerCase() !== "authorization");
  const defaults = Object.entries(ODATA_HEADERS).map(([key, value]) => ({ key, value }));
  if (values.data && !hasFormData(values)) {
    defaults.push({ key: "Content-Type", value: "application/json" });
  }
  return [...defaults.filter((header) => !hasHeader(own, header.key)), ...own];
};

const MAX_LOGGED_BODY = 10_000;

const redactHeaders = (headers: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, isSecretName(name) ? REDACTED : value]));

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
    response: (response: Pick<DataverseResponse, "status" | "headers">) =>
      write("Raw response:", { status: response.status, headers: redactHeaders({ ...response.headers }) }),
    failure: (error: DataverseError) =>
      write("Raw response:", { status: error.status, kind: error.kind, code: error.code, requestId: error.requestId }),
  };
};

const pathOf = (url: string): string => {
  const parsed = new URL(url);
  return `${parsed.pathname}${parsed.search}`;
};

/** Node's own FormData, serialized by the platform's Response as multipart/form-data with its boundary. */
const formDataBody = async (values: RawRequestValues): Promise<{ contentType: string; text: Buffer }> => {
  const form = new FormData();
  pairs(values.formData).forEach(({ key, value }) => form.append(key, util.types.toString(value)));
  const fileNames = (values.fileDataFileNames ?? {}) as Record<string, unknown>;
  pairs(values.fileData).forEach(({ key, value }) => {
    const { data } = util.types.toBufferDataPayload(value);
    form.append(key, new Blob([data]), util.types.toString(fileNames[key]) || key);
  });
  const encoded = new Response(form);
  return { contentType: encoded.headers.get("content-type") ?? "multipart/form-data", text: Buffer.from(await encoded.arrayBuffer()) };
};

const dataBody = (data: unknown, contentType: string): { contentType: string; text: string | Buffer } => ({
  contentType,
  text: typeof data === "string" || Buffer.isBuffer(data) ? data : util.types.toJSON(data),
});

/** The body and its content type; the content type leaves the header list, as the client sets it from the body. */
const bodyOf = async (values: RawRequestValues, headers: KeyValue[], labels: RawRequestLabels) => {
  const contentType = headers.find((header) => header.key.toLowerCase() === "content-type");
  const others = headers.filter((header) => header !== contentType);
  if (!hasFormData(values)) {
    return { headers: others, rawBody: values.data ? dataBody(values.data, util.types.toString(contentType?.value)) : undefined };
  }
  if (values.data) {
    throw new InputError(labels.data, `cannot be sent together with ${labels.formData} or ${labels.fileData}: use one or the other.`);
  }
  return { headers: others, rawBody: await formDataBody(values) };
};

/**
 * The user's Max Retry Count, Retry Delay, Exponential Backoff and Retry On All Errors,
 * over the client's rules, which still hold: a 429 is retried after its Retry-After for
 * every method, and a write whose answer was lost is never repeated, whatever Retry On All
 * Errors says. The waits the user asked for come on top of the client's budget.
 */
const retryOptionsOf = (values: RawRequestValues, timeoutMs: number): Partial<RetryOptions> => {
  const maxRetries = Number(values.maxRetries) || 0;
  const baseDelayMs = Number(values.retryDelayMS) || 0;
  const exponential = Boolean(values.useExponentialBackoff);
  const planned = exponential ? baseDelayMs * (2 ** maxRetries - 1) : baseDelayMs * maxRetries;
  return {
    maxRetries,
    baseDelayMs,
    maxDelayMs: Math.max(DEFAULT_RETRY.maxDelayMs, baseDelayMs * 2 ** maxRetries),
    exponential,
    jitter: false,
    retryAllErrors: Boolean(values.retryAllErrors),
    budgetMs: Math.max(DEFAULT_RETRY.budgetMs, timeoutMs) + planned,
  };
};

/** What the user's Response Type asks for: JSON parsed where the body is JSON, text, or the bytes. */
const responseData = (response: DataverseResponse, responseType: unknown): unknown => {
  if (responseType === "arraybuffer") return response.bytes;
  if (responseType !== "json" && responseType !== undefined && responseType !== "") return response.text;
  try {
    return response.text.trim() ? JSON.parse(response.text) : response.text;
  } catch {
    return response.text;
  }
};

/** The inputs the request's values came from, which its errors name. */
export interface RawRequestLabels {
  url: string;
  data: string;
  formData: string;
  fileData: string;
  queryParams: string;
}

/** A lone UTF-16 surrogate has no UTF-8 form, so no URL can carry it: refused rather than a URIError. */
const encodedPair = (name: string, value: string, label: string): string => {
  try {
    return queryPair(name, value);
  } catch {
    throw new InputError(label, `'${name.slice(0, 80)}' cannot be written in a URL (a broken unicode character): remove it.`);
  }
};

export interface RawRequestOptions {
  paths: RawRequestPaths;
  labels: RawRequestLabels;
  /** Receives the debug lines when Debug Request is on. */
  log: (message: string) => void;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  data: unknown;
}

/**
 * Sends a request on the connection's host only, with the connection's token and the
 * OData headers, through the client's one request loop (redirects are never followed: a
 * redirect could carry the token to another host), and logs it redacted when asked.
 */
export const sendDataverseRawRequest = async (
  connection: Connection,
  values: RawRequestValues,
  options: RawRequestOptions,
): Promise<RawResponse> => {
  const client = createDataverseClient(connection);
  const token = String(connection.token?.access_token);
  // Names and values encoded as OData reads them (%20, not +); every pair kept, a repeated name or an empty value too.
  const query = pairs(values.queryParams).map((pair) => encodedPair(pair.key, util.types.toString(pair.value), options.labels.queryParams));
  const target = resolveRawRequestUrl(client, values.url, options.paths, options.labels.url);
  const url = query.length ? `${target}${target.includes("?") ? "&" : "?"}${query.join("&")}` : target;
  const method = (values.method || "GET").toUpperCase();
  const { headers, rawBody } = await bodyOf(values, requestHeaders(values), options.labels);
  const debug = debugLogger(Boolean(values.debugRequest), options.log, secretsOf(connection));
  const sentHeaders = rawBody ? [...headers, { key: "Content-Type", value: rawBody.contentType }] : headers;
  debug.request(method, url, [...sentHeaders, { key: "Authorization", value: `Bearer ${token}` }], values);
  const timeoutMs = Number(values.timeout) || DEFAULT_TIMEOUT_MS;
  try {
    const response = await client.send({
      method,
      path: url,
      headers: util.types.keyValPairListToObject(headers) as Record<string, string>,
      rawBody,
      responseKind: values.responseType === "arraybuffer" ? "binary" : "text",
      timeoutMs,
      retry: retryOptionsOf(values, timeoutMs),
    });
    debug.response(response);
    return { status: response.status, headers: response.headers, data: responseData(response, values.responseType) };
  } catch (error) {
    if (!(error instanceof DataverseError)) throw error;
    debug.failure(error);
    throw error.at(redactUrl(pathOf(url)));
  }
};
