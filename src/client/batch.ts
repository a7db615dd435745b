import { DataverseError, InputError, readErrorBody } from "./wire/errors";
import { requestIdOf, type DataverseClient, type DataverseResponse } from "./wire/http";
import {
  boundaryOf,
  encodeHttpRequest,
  encodeMultipart,
  MultipartError,
  newBoundary,
  parseHttpMessage,
  parseMultipartBytes,
  statusOf,
  type BytePart,
  type MimePart,
} from "./wire/multipart";
import { recordPath, type RecordKey } from "./wire/names";
import { idFromEntityIdHeader, recordIdOf, type EntityRecord } from "./records";
import { withRequestOptions, type RequestOptions } from "./requestOptions";
import { GATEWAY_FAULTS } from "./wire/retryPolicy";
import { API_PATH, withQuery, type QueryOptions } from "./wire/url";

/** Dataverse refuses a `$batch` holding more requests than this, change set requests included. */
const MAX_BATCH_OPERATIONS = 1000;

export type BatchAction = "create" | "update" | "upsert" | "delete";

export interface BatchOperation {
  action: BatchAction;
  entitySetName: string;
  /** Required for update, upsert and delete. */
  key?: RecordKey;
  /** Required for create, update and upsert. */
  data?: EntityRecord;
  returnRepresentation?: boolean;
  /** This operation's own options (impersonateUserId, ifMatchEtag), over the batch's. */
  requestOptions?: RequestOptions;
}

export interface BatchOperationError {
  /**
   * Dataverse's code; `RolledBack` / `NotExecuted` for operations Dataverse did not carry out;
   * `OutcomeUnknown` when it may or may not have; `RequestFailed` when a later request failed without a code.
   */
  code: string;
  message: string;
}

export interface BatchOperationResult {
  /** The operation's position in the input, from 0. */
  index: number;
  action: BatchAction;
  /** The entity set name, under the key the batch JSON gives it. */
  collection: string;
  /**
   * The operation's own HTTP status; null when Dataverse gave it none: rolled back, not
   * executed, outcome unknown, or applied in a committed change set whose answer left it out.
   */
  status: number | null;
  success: boolean;
  id?: string;
  data?: EntityRecord;
  error?: BatchOperationError;
}

export interface BatchOptions {
  /** All operations in one change set: all succeed or none is applied. */
  atomic: boolean;
  /** `Prefer: odata.continue-on-error`: a failed operation does not stop the ones after it. */
  continueOnError: boolean;
  /** Sent as headers on every operation's part. */
  requestOptions?: RequestOptions;
  /** The inputs the options came from, which their errors name. */
  labels: BatchLabels;
}

export interface BatchLabels {
  atomic: string;
}

export interface BatchResponsePart {
  status: number;
  headers: Record<string, string>;
  body: string;
  contentId?: string;
}

/** A top-level response part, or a change set's parts. */
export type BatchResponseItem = { kind: "part"; part: BatchResponsePart } | { kind: "changeSet"; parts: BatchResponsePart[] };

const METHODS: Record<BatchAction, string> = { create: "POST", update: "PATCH", upsert: "PATCH", delete: "DELETE" };

const CRLF = "\r\n";

/**
 * The inner request: a root-relative URL, and headers that apply to this part alone. Written
 * as text in one go: a change set holds up to 1000 of these, so no header objects are built.
 */
const operationRequest = (operation: BatchOperation): string => {
  const path =
    operation.action === "create" || !operation.key ? operation.entitySetName : recordPath(operation.entitySetName, operation.key);
  const prefer = operation.returnRepresentation && operation.action !== "delete" ? ["return=representation"] : [];
  // Without If-Match an update of a record that is not there would create it.
  const own: Record<string, string> = operation.action === "update" ? { "If-Match": "*" } : {};
  // Duplicate detection applies to writes of column values only.
  const options = { ...operation.requestOptions, ...(operation.action === "delete" ? { detectDuplicates: false } : {}) };
  const part = withRequestOptions({ headers: own, prefer }, options);
  let headers = operation.data === undefined ? "" : `Content-Type: application/json; type=entry${CRLF}`;
  for (const name in part.headers) headers += `${name}: ${part.headers[name]}${CRLF}`;
  if (part.prefer?.length) headers += `Prefer: ${part.prefer.join(",")}${CRLF}`;
  // JSON.stringify escapes every line break, so a body can never hold a delimiter line.
  const body = operation.data === undefined ? "" : JSON.stringify(operation.data);
  return `${METHODS[operation.action]} ${API_PATH}${path} HTTP/1.1${CRLF}${headers}${CRLF}${body}`;
};

/** Parts carry Content-IDs from 1, unique across the request, as Dataverse asks. */
const httpParts = (operations: BatchOperation[], boundary: string): string => {
  let text = "";
  for (let index = 0; index < operations.length; index += 1) {
    text += `--${boundary}${CRLF}Content-Type: application/http${CRLF}Content-Transfer-Encoding: binary${CRLF}`;
    text += `Content-ID: ${index + 1}${CRLF}${CRLF}${operationRequest(operations[index])}${CRLF}`;
  }
  return `${text}--${boundary}--${CRLF}`;
};

/** The body of one `$batch` request: each operation its own part, or all in one change set. */
export const encodeBatch = (
  operations: BatchOperation[],
  atomic: boolean,
  boundary = newBoundary("batch"),
  changeSetBoundary = newBoundary("changeset"),
): { contentType: string; text: string } => {
  const contentType = `multipart/mixed; boundary="${boundary}"`;
  if (!atomic) {
    // Top-level parts carry Content-IDs too, so a response that leaves parts out can still be matched.
    return { contentType, text: httpParts(operations, boundary) };
  }
  const changeSet: MimePart = {
    headers: { "Content-Type": `multipart/mixed; boundary="${changeSetBoundary}"` },
    body: httpParts(operations, changeSetBoundary),
  };
  return { contentType, text: encodeMultipart(boundary, [changeSet]) };
};

const readHttpPart = (part: BytePart): BatchResponsePart => {
  const message = parseHttpMessage(part.bytes.toString("utf8"));
  const status = statusOf(message.startLine);
  if (status === undefined) {
    throw new MultipartError(`a part has no HTTP status line: '${message.startLine.slice(0, 80)}'`);
  }
  return { status, headers: message.headers, body: message.body, contentId: part.headers["content-id"] };
};

/** Reads a `$batch` response by the boundary its Content-Type declares, change set responses included. */
export const decodeBatchResponse = (contentType: string | undefined, text: string): BatchResponseItem[] => {
  const boundary = boundaryOf(contentType);
  if (!boundary) {
    throw new MultipartError(`the response is not multipart/mixed with a boundary (${contentType || "no content type"})`);
  }
  return parseMultipartBytes(Buffer.from(text, "utf8"), boundary).map((part): BatchResponseItem => {
    const changeSetBoundary = boundaryOf(part.headers["content-type"]);
    if (changeSetBoundary) {
      // The change set is read from the same bytes, not turned into text and back.
      return { kind: "changeSet", parts: parseMultipartBytes(part.bytes, changeSetBoundary).map(readHttpPart) };
    }
    return { kind: "part", part: readHttpPart(part) };
  });
};

interface IndexedOperation extends BatchOperation {
  index: number;
}

const isSuccess = (status: number): boolean => status >= 200 && status < 300;

const parseRecord = (part: BatchResponsePart): EntityRecord | undefined => {
  if (!part.body.trim()) return undefined;
  try {
    const parsed = JSON.parse(part.body) as unknown;
    return parsed && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as EntityRecord) : undefined;
  } catch {
    return undefined;
  }
};

const keyId = (operation: BatchOperation): string | undefined => (operation.key?.kind === "id" ? operation.key.id : undefined);

const describeOperation = (operation: IndexedOperation): string =>
  `operation ${operation.index} (${operation.action} ${operation.entitySetName})`;

/** Built field by field, as it runs once per operation of up to 1000. */
const resultOf = (operation: IndexedOperation, part: BatchResponsePart): BatchOperationResult => {
  const { index, action, entitySetName } = operation;
  if (!isSuccess(part.status)) {
    const { code, message } = readErrorBody(part.body, part.headers["content-type"]);
    return {
      index,
      action,
      collection: entitySetName,
      status: part.status,
      success: false,
      id: keyId(operation),
      error: { code: code ?? "", message },
    };
  }
  const record = parseRecord(part);
  const id = idFromEntityIdHeader(part.headers["odata-entityid"]) ?? recordIdOf(entitySetName, record) ?? keyId(operation);
  return {
    index,
    action,
    collection: entitySetName,
    status: part.status,
    success: true,
    id,
    data: operation.returnRepresentation ? record : undefined,
  };
};

const unsettled = (operation: IndexedOperation, code: string, message: string): BatchOperationResult => ({
  index: operation.index,
  action: operation.action,
  collection: operation.entitySetName,
  status: null,
  success: false,
  id: keyId(operation),
  error: { code, message },
});

/**
 * An operation of a committed change set that Dataverse left out of its answer. A change set
 * is all-or-nothing and answered with its parts only when it committed, so the operation was
 * applied: reporting it unknown (or not executed) would invite sending it again. Only what its
 * own answer would have said is missing: its status, and a created record's id.
 */
const appliedUnanswered = (operation: IndexedOperation): BatchOperationResult => ({
  index: operation.index,
  action: operation.action,
  collection: operation.entitySetName,
  status: null,
  success: true,
  id: keyId(operation),
});

const notExecuted = (operation: IndexedOperation, reason: string): BatchOperationResult =>
  unsettled(operation, "NotExecuted", `Not executed: ${reason}`);

const outcomeUnknown = (operation: IndexedOperation, message: string): BatchOperationResult =>
  unsettled(operation, "OutcomeUnknown", `Outcome unknown: ${message}`);

/** Response parts by the operation they answer, by echoed Content-ID; undefined when one names no operation or repeats another's. */
const partsByContentId = (parts: BatchResponsePart[], operationCount: number): Map<number, BatchResponsePart> | undefined => {
  const byOperation = new Map<number, BatchResponsePart>();
  for (const part of parts) {
    const contentId = Number(part.contentId);
    if (!Number.isInteger(contentId) || contentId < 1 || contentId > operationCount || byOperation.has(contentId - 1)) return undefined;
    byOperation.set(contentId - 1, part);
  }
  return byOperation;
};

/**
 * Without Content-IDs, parts are placed by what Dataverse documents: it runs operations in
 * order and answers in request order. With continue-on-error every operation gets its part.
 * Without it, Dataverse stops at the first failure: the parts are the successes so far, then
 * the failing operation's error. An answer that fits neither is not placed at all.
 */
const partsByPosition = (parts: BatchResponsePart[], operationCount: number, continueOnError: boolean) => {
  const fits = continueOnError
    ? parts.length === operationCount
    : parts.length <= operationCount &&
      parts.slice(0, -1).every((part) => isSuccess(part.status)) &&
      (parts.length === operationCount || !isSuccess(parts[parts.length - 1]?.status ?? 200));
  return fits && parts.length ? new Map(parts.map((part, position) => [position, part])) : undefined;
};

const unplaced = (operations: IndexedOperation[], parts: BatchResponsePart[], continueOnError: boolean): BatchOperationResult[] => {
  const mode = continueOnError ? "with Continue On Error, one per operation" : "the successes so far, then the failure";
  const cause = `Dataverse answered the ${operations.length} operations with ${parts.length} part(s) that name no operation and fit no documented pattern (${mode}), so no part can be matched to this operation: it may or may not have been applied. Check the record before sending it again.`;
  return operations.map((operation) => outcomeUnknown(operation, cause));
};

/**
 * One result per operation from the top-level parts. After a failure without continue-on-error
 * the later operations were not executed; an operation left unanswered otherwise ran, but its
 * outcome is unknown.
 */
const settleParts = (operations: IndexedOperation[], items: BatchResponseItem[], continueOnError: boolean): BatchOperationResult[] => {
  if (items.some((item) => item.kind !== "part")) {
    throw new MultipartError("a change set response answered a request sent outside any change set");
  }
  const parts = items.map((item) => (item as { part: BatchResponsePart }).part);
  const echoed = parts.some((part) => part.contentId !== undefined);
  const byOperation = echoed ? partsByContentId(parts, operations.length) : partsByPosition(parts, operations.length, continueOnError);
  if (!byOperation) {
    return unplaced(operations, parts, continueOnError);
  }
  const failedAt = [...byOperation.entries()]
    .filter(([, part]) => !isSuccess(part.status))
    .map(([index]) => index)
    .sort((a, b) => a - b)[0];
  return operations.map((operation, position) => {
    const part = byOperation.get(position);
    if (part) return resultOf(operation, part);
    if (failedAt !== undefined && position > failedAt && !continueOnError) {
      return notExecuted(operation, `Dataverse stopped the batch at operation ${operations[failedAt].index}, which failed.`);
    }
    const ranBefore =
      failedAt === undefined || continueOnError
        ? ""
        : `; it ran before operation ${operations[failedAt].index} failed, so it was probably applied`;
    return outcomeUnknown(
      operation,
      `Dataverse returned no response for this operation${ranBefore}. Check the record before sending it again.`,
    );
  });
};

/**
 * A change set answers with every part (echoing its Content-ID) when it succeeded, and
 * with only the failing part when it was rolled back. A failure of the change set as a
 * whole comes back as one plain part.
 */
const settleChangeSet = (operations: IndexedOperation[], items: BatchResponseItem[]): BatchOperationResult[] => {
  const [item] = items;
  if (items.length !== 1 || !item) {
    throw new MultipartError(`expected one change set response, but got ${items.length} parts`);
  }
  if (item.kind === "part") {
    if (isSuccess(item.part.status)) {
      throw new MultipartError("expected a change set response, but got a single successful part");
    }
    return operations.map((operation) => resultOf(operation, item.part));
  }
  const byOperation = partsByContentId(item.parts, operations.length);
  if (!byOperation) {
    throw new MultipartError("a change set response part has an unknown or repeated Content-ID");
  }
  const failedAt = [...byOperation].find(([, part]) => !isSuccess(part.status))?.[0];
  return operations.map((operation, position) => {
    const part = byOperation.get(position);
    if (failedAt !== undefined && position !== failedAt) {
      const cause = describeOperation(operations[failedAt]);
      return unsettled(operation, "RolledBack", `Rolled back: ${cause} failed, so no operation of the change set was applied.`);
    }
    return part ? resultOf(operation, part) : appliedUnanswered(operation);
  });
};

/**
 * A failed part makes the whole answer a 4xx (or 500) with the multipart body we need.
 * 429 and gateway faults still go through the client's retry rules: a POST is never repeated after a gateway fault.
 */
const answersWithParts = (status: number): boolean => status >= 400 && status !== 429 && !GATEWAY_FAULTS.has(status);

/** Dataverse answered with something other than a multipart batch response (a malformed batch gets plain JSON). */
const notMultipart = (response: DataverseResponse): DataverseError => {
  const details = { status: response.status, method: "POST", path: "$batch", requestId: requestIdOf(response.headers) };
  const { code, message } = readErrorBody(response.text, response.headers["content-type"]);
  return new DataverseError(message, { ...details, code });
};

const contentKind = (contentType: string | undefined): string => (contentType ? contentType.split(";")[0].trim() : "no content type");

/** A GET sent alone in `$batch` whose answer cannot be read: nothing was written, so it is a plain error. */
const readBatchResponse = <T>(response: DataverseResponse, read: () => T): T => {
  try {
    return read();
  } catch (error) {
    if (!(error instanceof MultipartError)) throw error;
    throw new DataverseError(`the $batch response could not be read: ${error.message}`, {
      kind: "parse",
      status: response.status,
      method: "POST",
      path: "$batch",
      requestId: requestIdOf(response.headers),
    });
  }
};

/** Sends one `$batch` request and reports every one of its operations. */
const sendBatch = async (
  client: DataverseClient,
  operations: IndexedOperation[],
  options: BatchOptions,
): Promise<BatchOperationResult[]> => {
  const body = encodeBatch(operations, options.atomic);
  const response = await client.send({
    method: "POST",
    path: "$batch",
    rawBody: body,
    prefer: options.continueOnError ? ["odata.continue-on-error"] : [],
    responseKind: "text",
    acceptStatus: answersWithParts,
  });
  try {
    // A refusal of the whole batch (a malformed batch) is thrown from here as Dataverse's error: none of it ran.
    const items = multipartItems(response);
    return options.atomic ? settleChangeSet(operations, items) : settleParts(operations, items, options.continueOnError);
  } catch (error) {
    if (!(error instanceof MultipartError)) throw error;
    // Dataverse ran the batch (it answered), so each operation may have been applied: each says so.
    const cause = `Dataverse answered the $batch with ${response.status}, so it ran, but its answer could not be read (${error.message}); this operation may or may not have been applied. Check the record before sending it again.`;
    return operations.map((operation) => outcomeUnknown(operation, cause));
  }
};

/** A later request that failed as a whole: its operations report the failure; the ones before it stay reported. */
const failedRequest = (operations: IndexedOperation[], error: DataverseError): BatchOperationResult[] =>
  operations.map((operation) => ({
    // A lost answer's body may still carry an HRESULT, but what the flow must act on is that the writes may have happened.
    ...unsettled(operation, error.outcomeUnknown ? "OutcomeUnknown" : (error.code ?? "RequestFailed"), error.message),
    status: error.status ?? null,
  }));

const sendChunk = async (
  client: DataverseClient,
  operations: IndexedOperation[],
  options: BatchOptions,
  isFirst: boolean,
): Promise<BatchOperationResult[]> => {
  try {
    return await sendBatch(client, operations, options);
  } catch (error) {
    if (isFirst || !(error instanceof DataverseError)) throw error;
    return failedRequest(operations, error);
  }
};

/**
 * Runs the operations as consecutive `$batch` requests of at most 1000 and reports one
 * result per operation, in input order. When the first request fails as a whole, no
 * operation has an outcome of its own, so its error is thrown (saying whether the writes
 * may have happened). A later request's failure is reported on its own operations instead,
 * so the results of the requests before it, already applied, are not lost.
 */
export const executeBatch = async (
  client: DataverseClient,
  operations: BatchOperation[],
  options: BatchOptions,
): Promise<BatchOperationResult[]> => {
  if (options.atomic && operations.length > MAX_BATCH_OPERATIONS) {
    throw new InputError(
      options.labels.atomic,
      `a change set holds at most ${MAX_BATCH_OPERATIONS} operations, but ${operations.length} were given: turn ${options.labels.atomic} off, or split the operations into steps of at most ${MAX_BATCH_OPERATIONS}.`,
    );
  }
  // Object.assign, not a spread with keys after it: V8 builds the latter about ten times slower, 1 ms for 1000 operations.
  const indexed: IndexedOperation[] = operations.map((operation, index) =>
    Object.assign({}, operation, { requestOptions: { ...options.requestOptions, ...operation.requestOptions }, index }),
  );
  const results: BatchOperationResult[] = [];
  let stopReason: string | undefined;
  for (let start = 0; start < indexed.length; start += MAX_BATCH_OPERATIONS) {
    const chunk = indexed.slice(start, start + MAX_BATCH_OPERATIONS);
    if (stopReason !== undefined) {
      const reason = stopReason;
      results.push(...chunk.map((operation) => notExecuted(operation, reason)));
      continue;
    }
    const chunkResults = await sendChunk(client, chunk, options, start === 0);
    results.push(...chunkResults);
    const failed = chunkResults.find((result) => !result.success && result.error?.code !== "OutcomeUnknown");
    const unknown = chunkResults.find((result) => result.error?.code === "OutcomeUnknown");
    if ((failed || unknown) && !options.continueOnError) {
      const where = failed ? `operation ${failed.index} failed` : `the outcome of operation ${unknown?.index} is unknown`;
      stopReason = `${where} and Continue On Error is off, so the batch stopped there.`;
    }
  }
  return results;
};

export interface BatchGet {
  /** Relative to the Web API root, as for a direct request. */
  path: string;
  query?: QueryOptions;
  /** Headers of the inner request. */
  headers?: Record<string, string>;
  /** Preferences joined into the inner request's `Prefer` header. */
  prefer?: string[];
  /** Headers of the `$batch` request itself. */
  batchHeaders?: Record<string, string>;
}

/** A multipart 2xx, or a refusal of the whole `$batch` (thrown as Dataverse's error). */
const multipartItems = (response: DataverseResponse): BatchResponseItem[] => {
  const contentType = response.headers["content-type"];
  if (!boundaryOf(contentType)) {
    if (!isSuccess(response.status)) throw notMultipart(response);
    throw new MultipartError(`it was ${contentKind(contentType)}, not multipart/mixed: ${response.text.slice(0, 120)}`);
  }
  return decodeBatchResponse(contentType, response.text);
};

const readOnlyPart = (response: DataverseResponse): BatchResponsePart => {
  const items = multipartItems(response);
  const [item] = items;
  if (items.length !== 1 || item.kind !== "part") {
    throw new MultipartError(
      `expected one response part for the one request sent, but got ${items.length === 1 ? "a change set" : `${items.length} parts`}`,
    );
  }
  return item.part;
};

/**
 * One GET sent as the only part of a `$batch` request, for a URL too long to send on its
 * own: inside `$batch` the URL is body text, where Dataverse accepts up to 64 KB. Returns
 * the inner response as Dataverse gave it, failures included; the caller reads its body.
 */
export const sendGetInBatch = async (client: DataverseClient, get: BatchGet): Promise<BatchResponsePart> => {
  const headers = { ...get.headers, ...(get.prefer?.length ? { Prefer: get.prefer.join(",") } : {}) };
  const boundary = newBoundary("batch");
  const part: MimePart = {
    headers: { "Content-Type": "application/http", "Content-Transfer-Encoding": "binary" },
    body: encodeHttpRequest("GET", withQuery(`${API_PATH}${get.path}`, get.query), headers),
  };
  const response = await client.send({
    method: "POST",
    path: "$batch",
    headers: get.batchHeaders,
    rawBody: { contentType: `multipart/mixed; boundary="${boundary}"`, text: encodeMultipart(boundary, [part]) },
    responseKind: "text",
    acceptStatus: answersWithParts,
    repeatable: true,
  });
  return readBatchResponse(response, () => readOnlyPart(response));
};
