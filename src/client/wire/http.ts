import { performance } from "node:perf_hooks";
import { ConnectionError, type Connection } from "@prismatic-io/spectral";
import { getClock } from "./clock";
import { DataverseError, readErrorBody, type DataverseErrorKind } from "./errors";
import { redactUrl, scrubValue, secretsOf } from "./redact";
import { DEFAULT_RETRY, decide, isRead, mayHaveApplied, type AttemptOutcome, type RetryOptions } from "./retryPolicy";
import { sendAttempt, type TransportFailure, type TransportResult } from "./transport";
import { parseWebApiUrl, withQuery, type QueryOptions, type WebApiUrl } from "./url";

export interface DataverseRequest {
  /** Upper or lower case. */
  method: string;
  /** Relative to the Web API root (`accounts(…)`), or an absolute URL on the connection's own host. */
  path: string;
  query?: QueryOptions;
  headers?: Record<string, string>;
  /** Preferences joined into one `Prefer` header, as Dataverse expects them. */
  prefer?: string[];
  /** A JSON body. */
  body?: unknown;
  /** A body sent as it is, with its own content type (multipart `$batch`, a file's bytes). */
  rawBody?: { contentType: string; text: string | Buffer };
  /** What the response body must be: JSON (the default), any text read by the caller, or bytes (`response.bytes`). */
  responseKind?: "json" | "text" | "binary";
  /** Error statuses whose body the caller reads itself (`$batch` answers a failed part with a multipart 4xx). */
  acceptStatus?: (status: number) => boolean;
  /** A POST that only reads, so a gateway fault or a lost answer may be retried as for a GET. */
  repeatable?: boolean;
  /** A POST that writes but may be repeated, retried as a PATCH is (see `RetryRequest`). */
  idempotent?: boolean;
  /** Per attempt, in milliseconds; within the request's budget. */
  timeoutMs?: number;
  /** The most the whole request may take, attempts and pauses together. */
  budgetMs?: number;
  /** This request's own retry rules, over the client's. */
  retry?: Partial<RetryOptions>;
}

export interface DataverseResponse<T = unknown> {
  status: number;
  /** Lower-case header names. */
  headers: Record<string, string>;
  /** The parsed JSON body; undefined when there is none (204), or when a write's answer could not be read. */
  data: T;
  /** The body exactly as received (empty for a binary response). */
  text: string;
  /** The body's bytes, for `responseKind: "binary"`. */
  bytes?: Buffer;
  /** How many attempts the request took. */
  attempts: number;
  /** How many 429 answers were retried within this request. */
  throttled: number;
  /** An earlier attempt of this write lost its answer and may have been carried out before the one answered here. */
  afterLostAnswer: boolean;
}

export interface DataverseClientOptions {
  retry?: Partial<RetryOptions>;
  /** Per attempt, in milliseconds. Dataverse itself gives up on a request after two minutes. */
  timeoutMs?: number;
  /** Receives one line per attempt: method, URL (credentials redacted), status or failure, milliseconds. */
  log?: (line: string) => void;
  /** Secrets besides the connection's own that a request carries (a webhook key), scrubbed from every answer. */
  secrets?: string[];
}

/** Dataverse gives up on a request after two minutes; an attempt waits no longer. */
export const DEFAULT_TIMEOUT_MS = 120_000;

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

export const requestIdOf = (headers: Record<string, string>): string | undefined =>
  headers["x-ms-service-request-id"] ?? headers.req_id ?? headers["request-id"];

const isSuccess = (status: number): boolean => status >= 200 && status < 300;

const hasHeader = (headers: Record<string, string>, name: string): boolean =>
  Object.keys(headers).some((key) => key.toLowerCase() === name.toLowerCase());

interface Where {
  method: string;
  path: string;
}

/** A JSON body as a direct request's is read; `$batch` reads its parts' bodies with it too. */
export const parseJson = <T>(
  text: string,
  headers: Record<string, string>,
  context: Where & { requestId?: string; status?: number },
): T => {
  if (!text.trim()) {
    return undefined as T;
  }
  const contentType = headers["content-type"] ?? "";
  if (!/json/i.test(contentType)) {
    throw new DataverseError(
      `expected JSON but the response was ${contentType.split(";")[0] || "of no content type"}: ${text.slice(0, 120)}`,
      { ...context, kind: "parse" },
    );
  }
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new DataverseError(
      `the response could not be read as JSON (${text.length} characters, possibly cut off): ${text.slice(0, 120)}`,
      {
        ...context,
        kind: "parse",
      },
    );
  }
};

/** The one check for a collection answer: its `value` array, or an error saying it has none. */
export const valueCollection = <T>(body: unknown, where: Where): T[] => {
  const value = typeof body === "object" && body !== null ? (body as { value?: unknown }).value : undefined;
  if (!Array.isArray(value)) {
    throw new DataverseError("the response has no 'value' collection", { ...where, kind: "parse" });
  }
  return value as T[];
};

const outcomeOf = (result: TransportResult): AttemptOutcome =>
  result.ok
    ? { kind: "answer", status: result.status, headers: result.headers }
    : { kind: "failure", failure: result.failure, status: result.status, headers: result.headers };

const describeFailure = (failure: TransportFailure): string => {
  switch (failure.failure) {
    case "never-sent":
      return `the request could not be sent (${failure.reason})`;
    case "sent-no-answer":
      return `no answer from Dataverse (${failure.reason})`;
    default:
      return `the answer${failure.status ? ` (status ${failure.status})` : ""} was ${failure.oversized ? "not read" : "cut off"}: ${failure.reason}`;
  }
};

/** One line per attempt for the client's log: never a header, a body or a credential in the URL. */
const attemptLine = (method: string, url: string, result: TransportResult, ms: number): string => {
  const what = result.ok
    ? String(result.status)
    : `${result.timedOut ? "timeout" : result.failure}${result.status ? ` (${result.status})` : ""}`;
  return `${method} ${redactUrl(url)} ${what} ${Math.round(ms)} ms`;
};

/** The one place that talks HTTP to Dataverse, and the one loop that retries. */
export class DataverseClient {
  private readonly baseHeaders: Record<string, string>;
  /** What no answer may carry on: the token this client sends and whatever else the request holds. */
  private readonly secrets: string[];

  constructor(
    readonly webApi: WebApiUrl,
    accessToken: string,
    private readonly options: DataverseClientOptions = {},
  ) {
    this.baseHeaders = { ...ODATA_HEADERS, "Accept-Encoding": "gzip, deflate", Authorization: `Bearer ${accessToken}` };
    this.secrets = [accessToken, ...(options.secrets ?? [])];
  }

  /**
   * The answer (or what arrived of it) with every secret replaced, before anything parses it or
   * builds an error from it: a gateway or a plug-in may echo the request's headers or body.
   */
  private scrubbed(result: TransportResult): TransportResult {
    const headers = result.headers && scrubValue({ ...result.headers }, this.secrets);
    const bytes = result.bytes && scrubValue(result.bytes, this.secrets);
    return { ...result, headers, bytes } as TransportResult;
  }

  /** Resolves a path or a link Dataverse gave us, refusing any host but the connection's own. */
  resolve(path: string): string {
    if (/^[a-z][a-z0-9+.-]*:/i.test(path) || path.startsWith("//")) {
      // A protocol-relative link (`//host/…`) names a host too, so it is checked like a full URL.
      const url = new URL(path, this.webApi.origin);
      if (url.origin !== this.webApi.origin) {
        throw new DataverseError(`refused to send the connection's token to ${url.origin}; only ${this.webApi.origin} may receive it`, {
          kind: "refused",
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

  /** A path or link relative to the Web API root, for error messages: never with the host. */
  displayPath(pathOrUrl: string): string {
    return pathOrUrl.startsWith(this.webApi.root) ? pathOrUrl.slice(this.webApi.root.length) : pathOrUrl.replace(this.webApi.origin, "");
  }

  private headersFor(request: DataverseRequest, method: string): Record<string, string> {
    const headers: Record<string, string> = { ...this.baseHeaders };
    for (const [name, value] of Object.entries(request.headers ?? {})) {
      // The connection's token is the only credential sent; any other header replaces the default of its name.
      if (name.toLowerCase() === "authorization") continue;
      for (const key of Object.keys(headers)) if (key.toLowerCase() === name.toLowerCase()) delete headers[key];
      headers[name] = value;
    }
    if (method === "GET" && !hasHeader(headers, "if-none-match")) {
      // Reference §1.2: defeats caching of expanded collections. Only on reads: on a PATCH it would mean "create only".
      headers["If-None-Match"] = "null";
    }
    if (request.prefer?.length) {
      headers.Prefer = request.prefer.join(",");
    }
    if (request.rawBody) {
      headers["Content-Type"] = request.rawBody.contentType;
    } else if (request.body !== undefined) {
      headers["Content-Type"] = "application/json; charset=utf-8";
    }
    return headers;
  }

  /**
   * Sends the request, retrying as the retry policy decides, and either returns Dataverse's
   * answer or throws a DataverseError that says what happened and whether a write may have.
   */
  async send<T = unknown>(request: DataverseRequest): Promise<DataverseResponse<T>> {
    const url = withQuery(this.resolve(request.path), request.query);
    const method = request.method.toUpperCase();
    const where = { method, path: redactUrl(this.displayPath(url)) };
    const headers = this.headersFor(request, method);
    const body = request.rawBody ? request.rawBody.text : request.body !== undefined ? JSON.stringify(request.body) : undefined;
    if (body !== undefined) headers["Content-Length"] = String(Buffer.byteLength(body));
    const retry: RetryOptions = {
      ...DEFAULT_RETRY,
      ...this.options.retry,
      ...request.retry,
      ...(request.budgetMs ? { budgetMs: request.budgetMs } : {}),
    };
    const timeoutMs = request.timeoutMs ?? this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const policyRequest = { method, repeatable: request.repeatable, idempotent: request.idempotent };
    const clock = getClock();
    const started = clock.now();
    let throttled = 0;
    let earlierMayHaveApplied = false;
    for (let attempt = 1; ; attempt += 1) {
      const remaining = retry.budgetMs - (clock.now() - started);
      const begun = performance.now();
      const result = this.scrubbed(
        await sendAttempt({ method, url, headers, body, timeoutMs: Math.max(1, Math.min(timeoutMs, remaining)) }),
      );
      this.options.log?.(attemptLine(method, url, result, performance.now() - begun));
      const afterLostAnswer = earlierMayHaveApplied && !isRead(policyRequest);
      // A refusal handed to the caller says nothing was done, which after a lost answer is not known: the loop decides then.
      if (result.ok && (isSuccess(result.status) || (!afterLostAnswer && request.acceptStatus?.(result.status)))) {
        return this.toResponse<T>(request, result, where, { attempts: attempt, throttled, afterLostAnswer });
      }
      if (result.ok && method === "DELETE" && result.status === 404 && afterLostAnswer) {
        // The earlier attempt whose answer was lost deleted it: the record is gone, as asked.
        return this.toResponse<T>(request, result, where, { attempts: attempt, throttled, afterLostAnswer });
      }
      if (!result.ok && result.unsendable) {
        throw new DataverseError(`the request could not be built (${result.reason})`, { ...where, kind: "refused", attempts: attempt });
      }
      const outcome = outcomeOf(result);
      if (!result.ok && result.oversized) {
        // Asking again would fetch the same body; a write it answered may have been applied all the same.
        const outcomeUnknown = afterLostAnswer || (mayHaveApplied(outcome) && !isRead(policyRequest));
        throw this.errorOf(result, where, { outcomeUnknown, attempts: attempt });
      }
      const decision = decide(attempt, policyRequest, outcome, clock.now() - started, retry, { now: clock.now(), random: Math.random() });
      if ("retryAfterMs" in decision) {
        if (outcome.status === 429) throttled += 1;
        earlierMayHaveApplied ||= mayHaveApplied(outcome);
        await clock.sleep(decision.retryAfterMs);
        continue;
      }
      // A refusal now does not undo an earlier attempt whose lost answer may have followed the write.
      const outcomeUnknown = decision.outcomeUnknown || afterLostAnswer;
      throw this.errorOf(result, where, { outcomeUnknown, attempts: attempt });
    }
  }

  private toResponse<T>(
    request: DataverseRequest,
    result: TransportResult & { ok: true },
    where: Where,
    counts: Pick<DataverseResponse, "attempts" | "throttled" | "afterLostAnswer">,
  ) {
    const common = { status: result.status, headers: result.headers, ...counts };
    if (request.responseKind === "binary") {
      return { ...common, data: undefined as T, text: "", bytes: result.bytes };
    }
    const text = result.bytes.toString("utf8");
    if (request.responseKind === "text") {
      return { ...common, data: undefined as T, text };
    }
    const context = { ...where, status: result.status, requestId: requestIdOf(result.headers) };
    try {
      return { ...common, data: parseJson<T>(text, result.headers, context), text };
    } catch (error) {
      // A write that Dataverse answered with success happened: its caller decides whether it needs the body (requireBody).
      if (isRead(where) || !isSuccess(result.status)) throw error;
      return { ...common, data: undefined as T, text };
    }
  }

  private errorOf(result: TransportResult, where: Where, details: { outcomeUnknown: boolean; attempts: number }): DataverseError {
    const common = { ...where, ...details };
    if (!result.ok) {
      const status = result.status !== undefined && result.status >= 400 && result.status < 500 ? result.status : undefined;
      const kind: DataverseErrorKind = result.timedOut ? "timeout" : "network";
      return new DataverseError(describeFailure(result), {
        ...common,
        kind,
        status,
        requestId: result.headers && requestIdOf(result.headers),
      });
    }
    const { status, headers } = result;
    const requestId = requestIdOf(headers);
    if (status >= 300 && status < 400) {
      const location = headers.location ? ` to ${redactUrl(headers.location)}` : "";
      return new DataverseError(`redirected${location}; redirects are not followed, so the token goes nowhere else`, {
        ...common,
        kind: "refused",
        status,
        requestId,
      });
    }
    const { code, message } = readErrorBody(result.bytes.toString("utf8"), headers["content-type"]);
    return new DataverseError(message, { ...common, status, code, requestId });
  }

  /**
   * The body a caller cannot do without. Its absence is an error naming what is missing, and
   * for a write that Dataverse answered with success, saying that the write was applied.
   */
  requireBody<T>(
    request: Pick<DataverseRequest, "method" | "path" | "repeatable">,
    response: DataverseResponse<T>,
    what: string,
  ): NonNullable<T> {
    if (response.data !== undefined && response.data !== null) {
      return response.data as NonNullable<T>;
    }
    const method = request.method.toUpperCase();
    const where = { method, path: this.displayPath(request.path), status: response.status, requestId: requestIdOf(response.headers) };
    const applied = isRead({ method, repeatable: request.repeatable })
      ? ""
      : `the write was applied (Dataverse answered ${response.status}), but `;
    if (!response.text.trim()) {
      throw new DataverseError(`${applied}the answer had no body, where ${what} was expected`, { ...where, kind: "parse" });
    }
    let problem = "";
    try {
      parseJson(response.text, response.headers, where);
    } catch (error) {
      problem = (error as DataverseError).dataverseMessage;
    }
    throw new DataverseError(`${applied}${what} could not be read from the answer: ${problem}`, { ...where, kind: "parse" });
  }
}

/** Turns a connection (either kind) into a client for its Dataverse environment. Cheap: the HTTP machinery is built once per process. */
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
  return new DataverseClient(webApi, accessToken, { ...options, secrets: [...secretsOf(connection), ...(options.secrets ?? [])] });
};
