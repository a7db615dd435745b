import type { AxiosError, AxiosResponse, Method } from "axios";
import { ConnectionError, type Connection } from "@prismatic-io/spectral";
import { createClient, type HttpClient } from "@prismatic-io/spectral/dist/clients/http";
import { DataverseError, readErrorBody } from "./errors";
import { redactUrl, scrubAnswers, secretsOf } from "./redact";
import { DEFAULT_RETRY, isOutcomeUnknown, REPEATABLE, toRetryConfig, type RetryOptions } from "./retry";
import { parseWebApiUrl, withQuery, type QueryOptions, type WebApiUrl } from "./url";

export interface DataverseRequest {
  method: Method;
  /** Relative to the Web API root (`accounts(…)`), or an absolute URL on the connection's own host. */
  path: string;
  query?: QueryOptions;
  headers?: Record<string, string>;
  /** Preferences joined into one `Prefer` header, as Dataverse expects them. */
  prefer?: string[];
  /** A JSON body. */
  body?: unknown;
  /** A body sent as it is, with its own content type (multipart `$batch`). */
  rawBody?: { contentType: string; text: string };
  /** What the response body must be: JSON (the default) or any text, read by the caller. */
  responseKind?: "json" | "text";
  /** Error statuses whose body the caller reads itself (`$batch` answers a failed part with a multipart 4xx). */
  acceptStatus?: (status: number) => boolean;
  /** A POST that only reads, so a gateway fault may be retried as for a GET. */
  repeatable?: boolean;
}

export interface DataverseResponse<T = unknown> {
  status: number;
  /** Lower-case header names. */
  headers: Record<string, string>;
  /** The parsed JSON body; undefined when there is none (204). */
  data: T;
  /** The body exactly as received. */
  text: string;
}

export interface DataverseClientOptions {
  retry?: Partial<RetryOptions>;
  /** Per attempt, in milliseconds. Dataverse itself gives up on a request after two minutes. */
  timeoutMs?: number;
  /** Secrets besides the connection's own that a request carries (a webhook key), scrubbed from every answer. */
  secrets?: string[];
}

/** Sent on every Web API request (reference §1.2); raw requests send them unless the user sets their own. */
export const ODATA_HEADERS = {
  Accept: "application/json",
  "OData-MaxVersion": "4.0",
  "OData-Version": "4.0",
};

/** A connection we can describe in an error without carrying its secrets or token along. */
const redactedConnection = (connection: Connection): Connection => ({
  key: connection.key,
  configVarKey: connection.configVarKey,
  fields: { webApiUrl: redactUrl(String(connection.fields?.webApiUrl ?? "")) },
});

const flattenHeaders = (headers: AxiosResponse["headers"] | undefined): Record<string, string> =>
  Object.fromEntries(
    Object.entries(headers ?? {}).map(([name, value]) => [name.toLowerCase(), Array.isArray(value) ? value.join(", ") : String(value)]),
  );

export const requestIdOf = (headers: Record<string, string>): string | undefined =>
  headers["x-ms-service-request-id"] ?? headers.req_id ?? headers["request-id"];

/** The one place that talks HTTP to Dataverse. */
export class DataverseClient {
  constructor(
    readonly webApi: WebApiUrl,
    private readonly http: HttpClient,
  ) {}

  /** Resolves a path or a link Dataverse gave us, refusing any host but the connection's own. */
  resolve(path: string): string {
    if (/^[a-z][a-z0-9+.-]*:/i.test(path) || path.startsWith("//")) {
      // A protocol-relative link (`//host/…`) names a host too, so it is checked like a full URL.
      const url = new URL(path, this.webApi.origin);
      if (url.origin !== this.webApi.origin) {
        throw new DataverseError(`refused to send the connection's token to ${url.origin}; only ${this.webApi.origin} may receive it`, {
          method: "GET",
          path: url.pathname,
        });
      }
      return url.toString();
    }
    if (path.startsWith("/")) {
      return `${this.webApi.origin}${path}`;
    }
    return `${this.webApi.root}${path}`;
  }

  /** The path relative to the Web API root, for error messages. */
  private displayPath(url: string): string {
    return url.startsWith(this.webApi.root) ? url.slice(this.webApi.root.length) : url.replace(this.webApi.origin, "");
  }

  async send<T = unknown>(request: DataverseRequest): Promise<DataverseResponse<T>> {
    const url = withQuery(this.resolve(request.path), request.query);
    const method = request.method.toUpperCase();
    const path = this.displayPath(url);
    const headers: Record<string, string> = { ...request.headers };
    if (method === "GET" && !Object.keys(headers).some((name) => name.toLowerCase() === "if-none-match")) {
      // Reference §1.2: defeats caching of expanded collections. Only on reads: on a PATCH it would mean "create only".
      headers["If-None-Match"] = "null";
    }
    if (request.prefer?.length) {
      headers.Prefer = request.prefer.join(",");
    }
    let data: string | undefined;
    if (request.rawBody) {
      headers["Content-Type"] = request.rawBody.contentType;
      data = request.rawBody.text;
    } else if (request.body !== undefined) {
      headers["Content-Type"] = "application/json; charset=utf-8";
      data = JSON.stringify(request.body);
    }
    let response: AxiosResponse<string>;
    try {
      const accept = request.acceptStatus;
      const validateStatus = accept ? { validateStatus: (status: number) => (status >= 200 && status < 300) || accept(status) } : {};
      const repeatable = request.repeatable ? { [REPEATABLE]: true } : {};
      response = await this.http.request<string>({ method, url, headers, data, ...validateStatus, ...repeatable });
    } catch (error) {
      throw toDataverseError(error, method, path);
    }
    const responseHeaders = flattenHeaders(response.headers);
    const text = typeof response.data === "string" ? response.data : "";
    return {
      status: response.status,
      headers: responseHeaders,
      data:
        request.responseKind === "text"
          ? (undefined as T)
          : parseJson<T>(text, responseHeaders, { method, path, requestId: requestIdOf(responseHeaders) }),
      text,
    };
  }
}

/** A response body as text, whatever the response type asked axios for. */
const bodyText = (data: unknown): string => {
  if (typeof data === "string") return data;
  if (Buffer.isBuffer(data)) return data.toString("utf8");
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString("utf8");
  return data === undefined || data === null ? "" : JSON.stringify(data);
};

/**
 * A failed request as a DataverseError: Dataverse's code and message, its request id,
 * and whether a write may have happened. Direct and raw requests both report through it.
 */
export const toDataverseError = (error: unknown, method: string, path: string): DataverseError => {
  if (error instanceof DataverseError) {
    return error;
  }
  const failure = error as AxiosError;
  const response = failure.response;
  const outcomeUnknown = isOutcomeUnknown(failure);
  if (!response) {
    const reason = failure.code ? `${failure.code}: ${failure.message}` : failure.message || "no response";
    return new DataverseError(`no response from Dataverse (${reason})`, { method, path, outcomeUnknown });
  }
  const headers = flattenHeaders(response.headers);
  const { code, message } = readErrorBody(bodyText(response.data), headers["content-type"]);
  return new DataverseError(message, {
    status: response.status,
    code,
    requestId: requestIdOf(headers),
    method,
    path,
    outcomeUnknown,
  });
};

/** A JSON body as a direct request's is read; `$batch` reads its parts' bodies with it too. */
export const parseJson = <T>(
  text: string,
  headers: Record<string, string>,
  context: { method: string; path: string; requestId?: string },
): T => {
  if (!text.trim()) {
    return undefined as T;
  }
  const contentType = headers["content-type"] ?? "";
  if (!/json/i.test(contentType)) {
    throw new DataverseError(
      `expected JSON but the response was ${contentType.split(";")[0] || "of no content type"}: ${text.slice(0, 120)}`,
      context,
    );
  }
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new DataverseError(
      `the response could not be read as JSON (${text.length} characters, possibly cut off): ${text.slice(0, 120)}`,
      context,
    );
  }
};

/** Turns a connection (either kind) into a client for its Dataverse environment. */
export const createDataverseClient = (connection: Connection, options: DataverseClientOptions = {}): DataverseClient => {
  let webApi: WebApiUrl;
  try {
    webApi = parseWebApiUrl(connection.fields?.webApiUrl);
  } catch (error) {
    throw new ConnectionError(redactedConnection(connection), (error as Error).message);
  }
  const accessToken = connection.token?.access_token;
  if (typeof accessToken !== "string" || !accessToken) {
    throw new ConnectionError(
      redactedConnection(connection),
      "The connection has no access token yet: authorize the connection (or check its client ID, secret and scopes) and try again.",
    );
  }
  const http = createClient({
    baseUrl: webApi.root,
    responseType: "text",
    timeout: options.timeoutMs ?? 120_000,
    headers: { ...ODATA_HEADERS, Authorization: `Bearer ${accessToken}` },
    retryConfig: toRetryConfig({ ...DEFAULT_RETRY, ...options.retry }),
  });
  // Dataverse never redirects Web API calls; following one could carry the token elsewhere.
  http.defaults.maxRedirects = 0;
  // We parse bodies ourselves, so an HTML page or a cut-off JSON body becomes a clear error.
  http.defaults.transformResponse = [(body: unknown) => body];
  scrubAnswers(http, [...secretsOf(connection), ...(options.secrets ?? [])]);
  return new DataverseClient(webApi, http);
};
