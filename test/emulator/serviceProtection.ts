/**
 * Service protection as Dataverse enforces it per user (reference §2.4–2.6): the number of requests in a
 * sliding window (6000 in 300 s), their combined execution time in the window (1200 s), and concurrent
 * requests (52). A request over a limit is answered 429 with `Retry-After` and the limit's code, before any
 * of its work is done; the two window limits may be exceeded by the requests already admitted, the
 * concurrency limit never is. Every request costs simulated server time (a base cost, plus a cost per target
 * of a bulk message or per operation of a `$batch`), spent before it is answered, so throughput is bound by
 * the limits as it is in Dataverse. Everything is configurable and scaled down in time for tests: with a
 * window of milliseconds, `Retry-After` is a decimal number of seconds (Dataverse sends whole seconds).
 * Off unless `enabled`; the costs apply either way (default 0). Every response carries `x-ms-dop-hint`.
 * Its time is a clock of its own (real time by default): a test gives it the client's, so a window frees
 * as the client pauses and a cost is spent without waiting, whatever the machine's speed.
 */
import { bulkTargetCount } from "./bulk";
import type { EmuRequest, EmuResponse } from "./types";

export interface ServiceProtectionOptions {
  enabled: boolean;
  windowMs: number;
  maxRequests: number;
  maxExecutionMs: number;
  maxConcurrent: number;
  /** Sent as `x-ms-dop-hint` on every response. */
  dopHint: number;
  /** The Retry-After of a refusal for concurrency, where no window says when to come back. */
  concurrencyRetryAfterMs: number;
  costPerRequestMs: number;
  /** Per target of CreateMultiple, UpdateMultiple or UpsertMultiple. */
  costPerRecordMs: number;
  /** Per operation of a `$batch`, and for any other request. */
  costPerOperationMs: number;
}

export const DATAVERSE_LIMITS: ServiceProtectionOptions = {
  enabled: false,
  windowMs: 300_000,
  maxRequests: 6000,
  maxExecutionMs: 1_200_000,
  maxConcurrent: 52,
  dopHint: 8,
  concurrencyRetryAfterMs: 1000,
  costPerRequestMs: 0,
  costPerRecordMs: 0,
  costPerOperationMs: 0,
};

export const LIMIT_CODES = { requests: "0x80072322", executionTime: "0x80072321", concurrency: "0x80072326" } as const;

interface Admitted {
  at: number;
  costMs: number;
}

export interface Ticket {
  refusal?: EmuResponse;
  /** Spends the request's simulated cost; resolves when its work may be answered. */
  work(): Promise<void>;
  leave(): void;
}

/** The windows and the costs measured in it; the client's `Clock` fits. */
export interface EmulatorClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const realTime: EmulatorClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** `$batch` parts are counted by their request lines, which is all the cost needs. */
const operationCount = (request: EmuRequest): number =>
  request.path === "$batch" ? Math.max(1, (request.body.match(/^(GET|POST|PATCH|PUT|DELETE) \S+ HTTP\/1\.1\r?$/gm) ?? []).length) : 1;

const refusal = (code: string, message: string, retryAfterMs: number): EmuResponse => ({
  status: 429,
  headers: { "Retry-After": String(Math.max(1, Math.ceil(retryAfterMs)) / 1000) },
  body: { error: { code, message } },
});

export class ServiceProtection {
  readonly options: ServiceProtectionOptions;
  /** 429s sent, by limit code. */
  readonly refusals: Record<string, number> = {};
  private readonly admitted = new Map<string, Admitted[]>();
  private readonly concurrent = new Map<string, number>();

  constructor(
    options: Partial<ServiceProtectionOptions> = {},
    private readonly clock: EmulatorClock = realTime,
  ) {
    this.options = { ...DATAVERSE_LIMITS, ...options };
  }

  get refused(): number {
    return Object.values(this.refusals).reduce((sum, count) => sum + count, 0);
  }

  costOf(request: EmuRequest): number {
    const { costPerRequestMs, costPerRecordMs, costPerOperationMs } = this.options;
    const targets = bulkTargetCount(request);
    return costPerRequestMs + (targets === undefined ? operationCount(request) * costPerOperationMs : targets * costPerRecordMs);
  }

  /** Admits or refuses one request of a user (the caller's token stands for the user). */
  enter(user: string, request: EmuRequest): Ticket {
    const costMs = this.costOf(request);
    const work = () => (costMs > 0 ? this.clock.sleep(costMs) : Promise.resolve());
    const refused = this.options.enabled ? this.check(user) : undefined;
    if (refused) {
      this.refusals[refused.code] = (this.refusals[refused.code] ?? 0) + 1;
      return { refusal: refused.response, work, leave: () => undefined };
    }
    if (this.options.enabled) this.windowOf(user).push({ at: this.clock.now(), costMs });
    this.concurrent.set(user, (this.concurrent.get(user) ?? 0) + 1);
    return { work, leave: () => this.concurrent.set(user, (this.concurrent.get(user) ?? 1) - 1) };
  }

  private windowOf(user: string): Admitted[] {
    const since = this.clock.now() - this.options.windowMs;
    const entries = (this.admitted.get(user) ?? []).filter((entry) => entry.at > since);
    this.admitted.set(user, entries);
    return entries;
  }

  private check(user: string): { code: string; response: EmuResponse } | undefined {
    const { windowMs, maxRequests, maxExecutionMs, maxConcurrent, concurrencyRetryAfterMs } = this.options;
    const seconds = windowMs / 1000;
    if ((this.concurrent.get(user) ?? 0) >= maxConcurrent) {
      const code = LIMIT_CODES.concurrency;
      return {
        code,
        response: refusal(code, `Number of concurrent requests exceeded the limit of ${maxConcurrent}.`, concurrencyRetryAfterMs),
      };
    }
    const entries = this.windowOf(user);
    const now = this.clock.now();
    if (entries.length >= maxRequests) {
      const code = LIMIT_CODES.requests;
      const wait = entries[entries.length - maxRequests].at + windowMs - now;
      return {
        code,
        response: refusal(code, `Number of requests exceeded the limit of ${maxRequests} over time window of ${seconds} seconds.`, wait),
      };
    }
    let executionMs = entries.reduce((sum, entry) => sum + entry.costMs, 0);
    if (executionMs >= maxExecutionMs) {
      const code = LIMIT_CODES.executionTime;
      // Back when enough of the window's work has left it to bring the total under the limit.
      const leaving = entries.find((entry) => {
        executionMs -= entry.costMs;
        return executionMs < maxExecutionMs;
      });
      const wait = (leaving?.at ?? now) + windowMs - now;
      const message = `Combined execution time of incoming requests exceeded limit of ${maxExecutionMs} milliseconds over time window of ${seconds} seconds. Decrease number of concurrent requests or reduce the duration of requests and try again later.`;
      return { code, response: refusal(code, message, wait) };
    }
    return undefined;
  }
}
