import type { TransportFailureKind } from "./transport";

/**
 * When to try a request again, as a pure function of what happened: no I/O, no clock, no
 * randomness of its own. The loop in `DataverseClient.send` asks it after every attempt.
 */

export interface RetryOptions {
  /** The most one request may take, its attempts and its pauses together, in milliseconds. */
  budgetMs: number;
  /** The first backoff step when Dataverse gives no Retry-After. */
  baseDelayMs: number;
  /** The longest pause the backoff chooses itself; a Retry-After within the budget is waited in full. */
  maxDelayMs: number;
  /** Double the step at each retry (the default); false waits the first step every time. */
  exponential: boolean;
  /** Full jitter: each pause is drawn between zero and its step, so throttled requests do not retry in lockstep. */
  jitter: boolean;
  /**
   * The most retries after faults other than throttling; unlimited by default (the budget
   * bounds them). A 429 is retried as long as Dataverse asks and the budget allows.
   */
  maxRetries?: number;
  /** Also retry answers the rules would not (a 400, a 500), never a write that may have happened. */
  retryAllErrors: boolean;
}

/** A read gives up within three minutes, whatever the server does. */
export const DEFAULT_RETRY: RetryOptions = {
  budgetMs: 180_000,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  exponential: true,
  jitter: true,
  retryAllErrors: false,
};

/** What the policy needs to know of the request. */
export interface RetryRequest {
  method: string;
  /** A POST that only reads, repeatable like a GET. */
  repeatable?: boolean;
  /**
   * A POST that writes, but leaves the same state sent twice as once (UpdateMultiple, UpsertMultiple):
   * repeatable like a PATCH, and like a PATCH of unknown outcome when its answer was lost.
   */
  idempotent?: boolean;
}

/** What an attempt ended with, when it was not a success. */
export type AttemptOutcome =
  | { kind: "answer"; status: number; headers: Record<string, string> }
  | { kind: "failure"; failure: TransportFailureKind; status?: number; headers?: Record<string, string> };

export interface RetryContext {
  /** Milliseconds since the epoch, for a Retry-After given as an HTTP date. */
  now: number;
  /** A number in [0, 1) for the jitter. */
  random: number;
}

export type RetryDecision =
  | { retryAfterMs: number }
  | {
      stop: true;
      /** The request may have been carried out although it failed. */
      outcomeUnknown: boolean;
      /** Why no further attempt is made when the fault itself was retryable. */
      exhausted?: "budget" | "retries";
    };

const READ_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
/** Sending one of these twice leaves the same state as sending it once. */
const IDEMPOTENT_METHODS = new Set([...READ_METHODS, "PUT", "DELETE", "PATCH"]);
export const GATEWAY_FAULTS = new Set([502, 503, 504]);

/** A request that changes nothing, so its failure can never leave a write behind. */
export const isRead = (request: RetryRequest): boolean => READ_METHODS.has(request.method.toUpperCase()) || request.repeatable === true;

export const isRepeatable = (request: RetryRequest): boolean =>
  IDEMPOTENT_METHODS.has(request.method.toUpperCase()) || request.idempotent === true || isRead(request);

const isThrottled = (outcome: AttemptOutcome): boolean => outcome.status === 429;

/**
 * Whether the server may have carried the request out: its answer was lost, cut off, or
 * replaced by a gateway's. A cut-off answer whose status refused the request (a 4xx) did not.
 */
export const mayHaveApplied = (outcome: AttemptOutcome): boolean => {
  const { status } = outcome;
  if (outcome.kind === "answer") return status !== undefined && GATEWAY_FAULTS.has(status);
  if (outcome.failure === "never-sent") return false;
  return status === undefined || status < 400 || status >= 500;
};

/** `Retry-After` in seconds or as an HTTP date (RFC 9110 §10.2.3), measured against the answer's own Date when it has one. */
export const retryAfterMs = (headers: Record<string, string> | undefined, now: number): number | undefined => {
  const text = headers?.["retry-after"]?.trim();
  if (!text) return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  const served = Date.parse(headers?.date ?? "");
  return Math.max(0, date - (Number.isNaN(served) ? now : served));
};

const backoffMs = (attempt: number, options: RetryOptions, random: number): number => {
  const step = options.exponential ? options.baseDelayMs * 2 ** Math.max(0, attempt - 1) : options.baseDelayMs;
  const capped = Math.min(step, options.maxDelayMs);
  return options.jitter ? Math.floor(random * capped) : capped;
};

/**
 * Dataverse refuses a throttled request (429) before doing any of its work, so a 429 is
 * retried for every method. A request that never left is always safe to send again. A
 * gateway fault or a lost answer may come after the work was done, so those are retried
 * only where repeating the request cannot do it twice.
 */
const isRetryable = (request: RetryRequest, outcome: AttemptOutcome, options: RetryOptions): boolean => {
  if (isThrottled(outcome)) return true;
  if (outcome.kind === "failure" && outcome.failure === "never-sent") return true;
  if (mayHaveApplied(outcome)) return isRepeatable(request);
  return options.retryAllErrors;
};

/** `attempt` counts from 1: the attempt that just ended. `elapsedMs` covers every attempt and pause so far. */
export const decide = (
  attempt: number,
  request: RetryRequest,
  outcome: AttemptOutcome,
  elapsedMs: number,
  options: RetryOptions,
  context: RetryContext,
): RetryDecision => {
  // A PATCH or DELETE may be repeated, but one that gave no answer may still have happened.
  const outcomeUnknown = mayHaveApplied(outcome) && !isRead(request);
  if (!isRetryable(request, outcome, options)) {
    return { stop: true, outcomeUnknown };
  }
  if (!isThrottled(outcome) && options.maxRetries !== undefined && attempt > options.maxRetries) {
    return { stop: true, outcomeUnknown, exhausted: "retries" };
  }
  const asked = retryAfterMs(outcome.headers, context.now);
  // Never sooner than Dataverse asked; a little later at random, so requests it throttled together do not return together.
  const delay =
    asked === undefined
      ? backoffMs(attempt, options, context.random)
      : asked + (options.jitter ? Math.floor(context.random * options.baseDelayMs) : 0);
  // A pause that would end at or past the budget leaves no time for the attempt after it.
  if (elapsedMs + delay >= options.budgetMs) {
    return { stop: true, outcomeUnknown, exhausted: "budget" };
  }
  return { retryAfterMs: delay };
};
