/** Bad input, found before any request is sent. The message names the input and the fix. */
export class InputError extends Error {
  constructor(
    readonly input: string,
    problem: string,
  ) {
    super(`${input}: ${problem}`);
    this.name = "InputError";
  }
}

/**
 * What went wrong, for flows and tests to branch on: `http` Dataverse (or a gateway) answered
 * with an error status; `network` the connection failed or the answer was cut off; `timeout`
 * no answer in time; `parse` an answer that cannot be read or lacks what it must hold;
 * `throttled` Dataverse kept refusing with 429 until the request's budget ran out;
 * `refused` the client would not send the request (another host, a redirect).
 */
export type DataverseErrorKind = "http" | "network" | "timeout" | "parse" | "throttled" | "refused";

export interface DataverseErrorDetails {
  /** Derived from the status when not given: `throttled` for 429, `http` for another status, else `parse`. */
  kind?: DataverseErrorKind;
  status?: number;
  /** Dataverse's HRESULT code, e.g. 0x80040217. Not related to the HTTP status. */
  code?: string;
  requestId?: string;
  method: string;
  /** The request path relative to the Web API root, never with a host or a token. */
  path: string;
  /** True when a write may have happened even though we have no answer. */
  outcomeUnknown?: boolean;
  /** How many attempts the request took, when it was sent. */
  attempts?: number;
}

/** Anything Dataverse (or the network on the way to it) answered with other than success. */
export class DataverseError extends Error {
  readonly kind: DataverseErrorKind;
  readonly status?: number;
  readonly code?: string;
  readonly requestId?: string;
  readonly method: string;
  readonly path: string;
  readonly outcomeUnknown: boolean;
  readonly attempts?: number;
  readonly dataverseMessage: string;

  constructor(dataverseMessage: string, details: DataverseErrorDetails) {
    super(describe(dataverseMessage, details));
    this.name = "DataverseError";
    this.dataverseMessage = dataverseMessage;
    this.kind = details.kind ?? (details.status === 429 ? "throttled" : details.status ? "http" : "parse");
    this.status = details.status;
    this.code = details.code;
    this.requestId = details.requestId;
    this.method = details.method;
    this.path = details.path;
    this.outcomeUnknown = details.outcomeUnknown ?? false;
    this.attempts = details.attempts;
  }

  /** The same error told about another path (Raw Request names the path as the user wrote it). */
  at(path: string): DataverseError {
    const { kind, status, code, requestId, method, outcomeUnknown, attempts } = this;
    return new DataverseError(this.dataverseMessage, { kind, status, code, requestId, method, path, outcomeUnknown, attempts });
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      message: this.message,
      kind: this.kind,
      status: this.status,
      code: this.code,
      requestId: this.requestId,
      outcomeUnknown: this.outcomeUnknown,
    };
  }
}

/** Error codes Dataverse uses for one meaning regardless of the HTTP status around them. */
const OBJECT_DOES_NOT_EXIST = "0x80040217";
const THROTTLING_CODES = ["0x80072322", "0x80072321", "0x80072326"];
const DUPLICATE_RULE_MATCHED = "0x80040333";
const CONCURRENCY_VERSION_MISMATCH = "0x80060882";

const resourceOf = (path: string): string => path.split("?")[0];

const describe = (message: string, details: DataverseErrorDetails): string => {
  const { status, code, method, path, requestId, outcomeUnknown, attempts = 1 } = details;
  const where = `${method} ${resourceOf(path)}`;
  const suffix = [code ? `code ${code}` : undefined, requestId ? `request id ${requestId}` : undefined].filter(Boolean).join(", ");
  const tail = suffix ? ` (${suffix})` : "";
  if (outcomeUnknown) {
    const retried = attempts > 1 ? `; it was tried ${attempts} times without a clear answer` : ", so it was not retried";
    return `The outcome of ${where} is unknown: ${message}. The write may or may not have happened${retried}; check the record before sending it again.${tail}`;
  }
  if (status === 404 && (code === OBJECT_DOES_NOT_EXIST || /Does Not Exist/i.test(message))) {
    return `Record not found: ${resourceOf(path)}. ${message}${tail}`;
  }
  if (status === 404) {
    return `Not found: ${where}. ${message}${tail}`;
  }
  if (status === 401) {
    return `Dataverse refused the access token (401) for ${where}: ${message}. Reconnect the connection or check its scopes.${tail}`;
  }
  if (status === 403) {
    return `Permission denied (403) for ${where}: ${message}${tail}`;
  }
  if (status === 412 && code === DUPLICATE_RULE_MATCHED) {
    return `A duplicate-detection rule matched (412) for ${where}: a similar record already exists, so nothing was written. ${message}${tail}`;
  }
  if (status === 412 && (code === CONCURRENCY_VERSION_MISMATCH || /RowVersion/i.test(message))) {
    return `The record changed since that ETag was read (412) for ${where}, so nothing was written: read it again and retry with its new ETag. ${message}${tail}`;
  }
  if (status === 412) {
    return `Precondition failed (412) for ${where}: ${message}${tail}`;
  }
  if (status === 429 || (code && THROTTLING_CODES.includes(code))) {
    return `Dataverse is throttling requests (429) for ${where}: ${message}${tail}`;
  }
  return status ? `Dataverse answered ${status} for ${where}: ${message}${tail}` : `Request failed for ${where}: ${message}${tail}`;
};

const truncate = (text: string, max = 300): string => (text.length > max ? `${text.slice(0, max)}… (${text.length} characters)` : text);

/**
 * Reads a Dataverse error body. Dataverse sends `{"error":{"code","message"}}`, but a proxy
 * or gateway in front of it may send HTML or a cut-off body, so nothing here assumes JSON.
 */
export const readErrorBody = (body: string, contentType: string | undefined): { code?: string; message: string } => {
  const trimmed = body.trim();
  if (!trimmed) {
    return { message: "the response had no body" };
  }
  try {
    const parsed = JSON.parse(trimmed) as { error?: { code?: unknown; message?: unknown } };
    const error = parsed?.error;
    if (error && typeof error === "object") {
      const code = typeof error.code === "string" && error.code ? error.code : undefined;
      const message = typeof error.message === "string" && error.message ? error.message : truncate(trimmed);
      return { code, message };
    }
  } catch {
    // Not JSON: described below by its content type.
  }
  const kind = contentType ? contentType.split(";")[0].trim() : "no content type";
  const text = truncate(
    trimmed
      .replace(/<[^>]*>/g, " ")
      .replace(/\s+/g, " ")
      .trim(),
  );
  return { message: `the response was not a Dataverse error (${kind}): ${text}` };
};

/**
 * The component's `hooks.error`: every error reaches the user as one readable message. Our
 * errors already are one and carry no secret (nothing here builds axios errors, which carry
 * their request's Authorization header); a thrown string becomes an Error.
 */
export const handleError = (error: unknown): unknown => (typeof error === "string" ? new Error(error) : error);
