import type { AxiosError } from "axios";

export interface RetryOptions {
  /** Retries after the first attempt. */
  maxRetries: number;
  /** The most the retries of one request may wait in total, in milliseconds. */
  maxTotalWaitMs: number;
  /** The first backoff step when Dataverse gives no Retry-After. */
  baseDelayMs: number;
  /** Double the step at each retry (the default); false waits the first step every time. */
  exponential?: boolean;
  /** Also retry errors the rules below would not, except a write that may have happened. */
  retryAllErrors?: boolean;
}

export const DEFAULT_RETRY: RetryOptions = { maxRetries: 4, maxTotalWaitMs: 60_000, baseDelayMs: 500 };

const IDEMPOTENT = new Set(["get", "put", "delete", "patch", "head", "options"]);
export const GATEWAY_FAULTS = new Set([502, 503, 504]);
/** Failures where the request provably never reached a server, so even a POST is safe to repeat. */
const NEVER_SENT = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN"]);

const isIdempotent = (method: string | undefined): boolean => IDEMPOTENT.has((method ?? "get").toLowerCase());

/**
 * Marks a request config whose POST only reads (a `$batch` holding one GET), so it may be
 * repeated like a GET. It lives on the axios config, never in a header sent to Dataverse.
 */
export const REPEATABLE = "dataverseRepeatable";

const isRepeatable = (config: AxiosError["config"]): boolean =>
  isIdempotent(config?.method) || (config as Record<string, unknown> | undefined)?.[REPEATABLE] === true;

/** Seconds from a `Retry-After` header, as Dataverse sends it (a whole number of seconds). */
const retryAfterMs = (header: unknown): number | undefined => {
  const text = Array.isArray(header) ? header[0] : header;
  if (text === undefined || text === null || text === "") {
    return undefined;
  }
  const seconds = Number(text);
  if (Number.isFinite(seconds) && seconds >= 0) {
    return seconds * 1000;
  }
  const date = Date.parse(String(text));
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
};

/**
 * Dataverse refuses a throttled request (429) before doing any of its work, so a 429 is
 * safe to retry for every method. A gateway fault or a dropped connection may come after
 * the write happened, so those are retried only where repeating the request cannot
 * create a second record.
 */
const isRetryable = (error: AxiosError): boolean => {
  const status = error.response?.status;
  if (status === 429) {
    return true;
  }
  if (!isRepeatable(error.config)) {
    return !error.response && NEVER_SENT.has(error.code ?? "");
  }
  return status === undefined ? true : GATEWAY_FAULTS.has(status);
};

/**
 * Whether a failed write may nonetheless have happened. Without a request object axios
 * failed before handing anything to the network (a header with an invalid character, a
 * body it cannot send), so only a failure after that can have reached Dataverse.
 */
export const isOutcomeUnknown = (error: AxiosError): boolean => {
  if (isRepeatable(error.config)) {
    return false;
  }
  const status = error.response?.status;
  if (status === undefined) {
    return Boolean(error.request) && !NEVER_SENT.has(error.code ?? "");
  }
  return GATEWAY_FAULTS.has(status);
};

const shouldRetry = (error: AxiosError, options: RetryOptions): boolean =>
  isRetryable(error) || (options.retryAllErrors === true && !isOutcomeUnknown(error));

const backoffMs = (retryCount: number, options: RetryOptions, header?: unknown): number =>
  retryAfterMs(header) ?? options.baseDelayMs * (options.exponential === false ? 1 : 2 ** Math.max(0, retryCount - 1));

interface RetryState {
  retryCount?: number;
  waitedMs?: number;
}

const stateOf = (error: AxiosError): RetryState =>
  ((error.config as unknown as Record<string, RetryState> | undefined)?.["axios-retry"] ?? {}) as RetryState;

/**
 * The axios-retry configuration for spectral's `createClient`. axios-retry keeps its own
 * state on the request config between attempts; we add the time already waited to it so
 * the total wait stays bounded even when Dataverse asks for long pauses.
 */
export const toRetryConfig = (options: RetryOptions) => ({
  retries: options.maxRetries,
  shouldResetTimeout: true,
  retryCondition: (error: AxiosError): boolean => {
    if (!shouldRetry(error, options)) {
      return false;
    }
    const state = stateOf(error);
    const next = backoffMs((state.retryCount ?? 0) + 1, options, error.response?.headers?.["retry-after"]);
    return (state.waitedMs ?? 0) + next <= options.maxTotalWaitMs;
  },
  retryDelay: (retryCount: number, error: AxiosError): number => {
    const delay = backoffMs(retryCount, options, error.response?.headers?.["retry-after"]);
    const state = stateOf(error);
    state.waitedMs = (state.waitedMs ?? 0) + delay;
    return delay;
  },
});
