/**
 * One chunk of a bulk write as one request, either way: a bulk message
 * (`POST <set>/Microsoft.Dynamics.CRM.<Message>` with `Targets`) or a `$batch` holding one change set.
 * Both are all or nothing on a standard table, so each answer says one thing about the whole chunk:
 * applied, refused before any work (429), failed and rolled back, or lost.
 */
import { decodeBatchResponse, encodeBatch, type BatchResponseItem, type BatchResponsePart } from "./batch";
import type { BulkItem, BulkMessage } from "./bulkRecords";
import { idFromEntityIdHeader } from "./records";
import { getClock } from "./wire/clock";
import { DataverseError, readErrorBody } from "./wire/errors";
import type { DataverseClient, DataverseRequest, DataverseResponse } from "./wire/http";
import { boundaryOf, MultipartError } from "./wire/multipart";
import { GATEWAY_FAULTS, type RetryOptions, retryAfterMs } from "./wire/retryPolicy";

export interface BulkFailure {
  status?: number;
  code?: string;
  message: string;
}

export type ChunkAnswer =
  | { kind: "applied"; ids: (string | undefined)[] }
  | { kind: "throttled"; retryAfterMs: number; concurrency: boolean }
  /** Rolled back. `position` is the failing record's place in the chunk, where the answer says it. */
  | { kind: "failed"; failure: BulkFailure; position?: number; fatal: boolean }
  | { kind: "unknown"; failure: BulkFailure };

export interface ChunkSender {
  send(items: BulkItem[]): Promise<ChunkAnswer>;
}

/** What the requests of one bulk write cost, as the output reports it. */
export interface RequestTally {
  requests: number;
  throttled: number;
  /** The last `x-ms-dop-hint` Dataverse sent. */
  dopHint?: number;
}

/** When a 429 does not say how long to wait. */
const DEFAULT_RETRY_AFTER_MS = 1000;
const CONCURRENCY_LIMIT = "0x80072326";
/** A request Dataverse refuses this way fails for every chunk alike, so splitting it would only repeat the refusal. */
const UNKNOWN_SEGMENT = "0x8006088a";

const isFatal = (status: number | undefined, code: string | undefined): boolean =>
  status === 401 || status === 403 || status === 405 || (status === 404 && code === UNKNOWN_SEGMENT);

/**
 * Counts a response, with the attempts and 429s the loop absorbed inside one send. A chunk's own 429 is
 * answered to bulk (acceptStatus) and counted where bulk pauses for it, so it is never counted here too.
 */
export const tally = (counts: RequestTally, response: DataverseResponse): void => {
  counts.requests += response.attempts;
  counts.throttled += response.throttled;
  const hint = Number(response.headers["x-ms-dop-hint"]);
  if (Number.isInteger(hint) && hint > 0) counts.dopHint = hint;
};

const throttledBy = (response: DataverseResponse): ChunkAnswer => ({
  kind: "throttled",
  retryAfterMs: retryAfterMs(response.headers, getClock().now()) ?? DEFAULT_RETRY_AFTER_MS,
  concurrency: readErrorBody(response.text, response.headers["content-type"]).code === CONCURRENCY_LIMIT,
});

/** The loop's rules, whatever the client's own: a chunk Dataverse refused goes back to bulk to be split, not sent again whole. */
const BULK_RETRY: Partial<RetryOptions> = { retryAllErrors: false };

/**
 * A failed send as an answer about its chunk; anything but a DataverseError is a fault of ours and is thrown.
 * The loop says `outcomeUnknown` for a chunk whose answer was lost: a CreateMultiple one it could not resend,
 * an idempotent one it resent until its budget ran out.
 */
const answerOf = (error: unknown): ChunkAnswer => {
  if (!(error instanceof DataverseError)) throw error;
  const failure: BulkFailure = { status: error.status, code: error.code, message: error.message };
  // The client would not send it (a redirect, a header Node cannot send): nothing was written, and every chunk would meet the same.
  if (error.kind === "refused") return { kind: "failed", failure, fatal: true };
  if (error.outcomeUnknown) return { kind: "unknown", failure };
  // A cut-off answer keeps its status only where it refused the request (a 4xx): then nothing was written.
  const noAnswer = (error.kind === "network" || error.kind === "timeout") && error.status === undefined;
  // A chunk without an answer and not unknown never left: Dataverse cannot be reached, for any chunk.
  return { kind: "failed", failure, fatal: noAnswer || isFatal(error.status, error.code) };
};

const sendCounted = async (client: DataverseClient, counts: RequestTally, request: DataverseRequest): Promise<DataverseResponse> => {
  try {
    const response = await client.send({ ...request, retry: BULK_RETRY });
    tally(counts, response);
    return response;
  } catch (error) {
    // Without attempts the request was never sent.
    counts.requests += error instanceof DataverseError ? (error.attempts ?? 0) : 0;
    throw error;
  }
};

interface SenderOptions {
  message: BulkMessage;
  entitySetName: string;
  headers: Record<string, string>;
  counts: RequestTally;
}

/** A chunk sent again after a 429 is the same array: its body is written once. */
const bodies = new WeakMap<BulkItem[], string>();

const targetsBody = (items: BulkItem[]): { contentType: string; text: string } => {
  let text = bodies.get(items);
  if (text === undefined) {
    text = JSON.stringify({ Targets: items.map((item) => item.target) });
    bodies.set(items, text);
  }
  return { contentType: "application/json; charset=utf-8", text };
};

/** Update and UpsertMultiple set the same values again if repeated; a repeated CreateMultiple creates twice. */
const isIdempotent = (message: BulkMessage): boolean => message !== "CreateMultiple";

/** CreateMultiple's `Ids`, in `Targets` order; none where the answer (applied all the same) cannot be read. */
const idsOf = (text: string): unknown => {
  try {
    return (JSON.parse(text) as { Ids?: unknown } | null)?.Ids;
  } catch {
    return undefined;
  }
};

/** CreateMultiple answers with `Ids` in `Targets` order; Update and UpsertMultiple with 204. */
export const bulkMessageSender = (client: DataverseClient, options: SenderOptions): ChunkSender => ({
  async send(items) {
    const { message, entitySetName, headers, counts } = options;
    try {
      const response = await sendCounted(client, counts, {
        method: "POST",
        path: `${entitySetName}/Microsoft.Dynamics.CRM.${message}`,
        headers,
        rawBody: targetsBody(items),
        // Read here, so that a 429 whose body is no JSON still pauses every chunk.
        responseKind: "text",
        acceptStatus: (status) => status === 429,
        idempotent: isIdempotent(message),
      });
      if (response.status === 429) return throttledBy(response);
      const ids = idsOf(response.text);
      // The records were created even when the answer does not list them one for one; only their ids are missing.
      const listed = Array.isArray(ids) && ids.length === items.length ? ids.map((id) => (typeof id === "string" ? id : undefined)) : [];
      return { kind: "applied", ids: items.map((item, position) => listed[position] ?? item.id) };
    } catch (error) {
      return answerOf(error);
    }
  },
});

const isSuccess = (status: number): boolean => status >= 200 && status < 300;

const failureOf = (part: BatchResponsePart): BulkFailure => ({
  status: part.status,
  ...readErrorBody(part.body, part.headers["content-type"]),
});

/** A committed change set answers every part; a rolled-back one only its failing part, or one plain part. */
const readChangeSet = (items: BulkItem[], response: DataverseResponse): ChunkAnswer => {
  const contentType = response.headers["content-type"];
  const lost = (why: string): ChunkAnswer => ({ kind: "unknown", failure: { status: response.status, message: why } });
  if (!boundaryOf(contentType)) {
    if (isSuccess(response.status)) return lost(`the $batch answer was not multipart (${contentType ?? "no content type"})`);
    const failure = { status: response.status, ...readErrorBody(response.text, contentType) };
    return { kind: "failed", failure, fatal: isFatal(failure.status, failure.code) };
  }
  let answer: BatchResponseItem[];
  try {
    answer = decodeBatchResponse(contentType, response.text);
  } catch (error) {
    if (!(error instanceof MultipartError)) throw error;
    return lost(`the $batch answer could not be read: ${error.message}`);
  }
  const [only] = answer;
  if (answer.length !== 1) return lost(`the $batch answer had ${answer.length} parts for one change set`);
  if (only.kind === "part") {
    if (isSuccess(only.part.status)) return lost("the $batch answer had a plain part for a change set");
    return { kind: "failed", failure: failureOf(only.part), fatal: isFatal(only.part.status, undefined) };
  }
  const failed = only.parts.find((part) => !isSuccess(part.status));
  if (failed) {
    const position = Number(failed.contentId) - 1;
    return { kind: "failed", failure: failureOf(failed), position: Number.isInteger(position) ? position : undefined, fatal: false };
  }
  const byContentId = new Map(only.parts.map((part, position) => [part.contentId ?? String(position + 1), part]));
  return {
    kind: "applied",
    ids: items.map((item, position) => idFromEntityIdHeader(byContentId.get(String(position + 1))?.headers["odata-entityid"]) ?? item.id),
  };
};

/** The same work for a table without the bulk messages: one change set of the chunk's operations per `$batch`. */
export const changeSetSender = (client: DataverseClient, options: SenderOptions): ChunkSender => ({
  async send(items) {
    const { message, headers, counts } = options;
    try {
      const response = await sendCounted(client, counts, {
        method: "POST",
        path: "$batch",
        headers,
        rawBody: encodeBatch(
          items.map((item) => item.operation),
          true,
        ),
        responseKind: "text",
        // A rolled-back change set answers 4xx with the multipart body that says which operation failed.
        acceptStatus: (status) => status === 429 || (status >= 400 && !GATEWAY_FAULTS.has(status)),
        idempotent: isIdempotent(message),
      });
      if (response.status === 429) return throttledBy(response);
      return readChangeSet(items, response);
    } catch (error) {
      return answerOf(error);
    }
  },
});
