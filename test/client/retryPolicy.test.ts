import {
  type AttemptOutcome,
  DEFAULT_RETRY,
  decide,
  type RetryDecision,
  type RetryOptions,
  retryAfterMs,
} from "../../src/client/wire/retryPolicy";

const NOW = Date.parse("2025-03-01T12:00:00Z");
const answer = (status: number, headers: Record<string, string> = {}): AttemptOutcome => ({ kind: "answer", status, headers });
const neverSent: AttemptOutcome = { kind: "failure", failure: "never-sent" };
const noAnswer: AttemptOutcome = { kind: "failure", failure: "sent-no-answer" };
const cutOff = (status: number): AttemptOutcome => ({ kind: "failure", failure: "answer-cut-off", status, headers: {} });
const noJitter: RetryOptions = { ...DEFAULT_RETRY, jitter: false };

type Row = [
  string,
  string,
  AttemptOutcome,
  RetryDecision,
  Partial<RetryOptions>?,
  { attempt?: number; elapsedMs?: number; repeatable?: boolean; idempotent?: boolean }?,
];

const RETRY = (ms: number): RetryDecision => ({ retryAfterMs: ms });
const STOP = (outcomeUnknown: boolean, exhausted?: "budget" | "retries"): RetryDecision =>
  exhausted ? { stop: true, outcomeUnknown, exhausted } : { stop: true, outcomeUnknown };

describe("the retry policy", () => {
  const rows: Row[] = [
    // 429: Dataverse refused before doing anything, so every method is retried after Retry-After.
    ["a throttled POST", "POST", answer(429, { "retry-after": "5" }), RETRY(5000)],
    ["a throttled GET", "GET", answer(429, { "retry-after": "0" }), RETRY(0)],
    [
      "a throttled request with Retry-After as an HTTP date",
      "POST",
      answer(429, { "retry-after": "Sat, 01 Mar 2025 12:00:07 GMT" }),
      RETRY(7000),
    ],
    [
      "a date measured against the answer's own Date",
      "GET",
      answer(429, { "retry-after": "Sat, 01 Mar 2025 12:00:07 GMT", date: "Sat, 01 Mar 2025 12:00:05 GMT" }),
      RETRY(2000),
    ],
    ["a throttled request without Retry-After, by backoff", "POST", answer(429), RETRY(500)],
    [
      "a throttled request long after the first",
      "POST",
      answer(429, { "retry-after": "1" }),
      RETRY(1000),
      {},
      { attempt: 40, elapsedMs: 40_000 },
    ],
    [
      "a throttled request past a small retry count",
      "POST",
      answer(429, { "retry-after": "1" }),
      RETRY(1000),
      { maxRetries: 1 },
      { attempt: 5 },
    ],
    ["a Retry-After past the budget", "GET", answer(429, { "retry-after": "300" }), STOP(false, "budget")],
    [
      "a Retry-After that ends exactly at the budget",
      "GET",
      answer(429, { "retry-after": "60" }),
      STOP(false, "budget"),
      {},
      { elapsedMs: 120_000 },
    ],
    // Gateway faults and lost answers: retried only where repeating cannot do the work twice.
    ["a GET after a 503", "GET", answer(503), RETRY(500)],
    ["a GET after a 502, third attempt", "GET", answer(502), RETRY(2000), {}, { attempt: 3 }],
    ["a backoff step capped", "GET", answer(504), RETRY(30_000), {}, { attempt: 12 }],
    ["a PATCH after a 504", "PATCH", answer(504), RETRY(500)],
    ["a PUT whose answer was lost", "PUT", noAnswer, RETRY(500)],
    ["a DELETE whose answer was cut off", "DELETE", cutOff(204), RETRY(500)],
    ["a HEAD after a 502", "HEAD", answer(502), RETRY(500)],
    ["a read-only POST after a 504", "POST", answer(504), RETRY(500), {}, { repeatable: true }],
    ["a POST after a 504", "POST", answer(504), STOP(true)],
    // UpdateMultiple and UpsertMultiple write, but leave the same state when repeated: retried as a PATCH is.
    ["an idempotent POST after a 504", "POST", answer(504), RETRY(500), {}, { idempotent: true }],
    ["an idempotent POST whose answer was lost", "POST", noAnswer, RETRY(500), {}, { idempotent: true }],
    [
      "an idempotent POST out of budget: it may have happened",
      "POST",
      noAnswer,
      STOP(true, "budget"),
      {},
      { elapsedMs: 179_900, idempotent: true },
    ],
    [
      "a read-only POST out of budget: nothing was written",
      "POST",
      noAnswer,
      STOP(false, "budget"),
      {},
      { elapsedMs: 179_900, repeatable: true },
    ],
    ["an idempotent POST refused with a 400", "POST", answer(400), STOP(false), {}, { idempotent: true }],
    ["a POST whose answer was lost", "POST", noAnswer, STOP(true)],
    ["a POST whose answer was cut off after 201", "POST", cutOff(201), STOP(true)],
    ["a POST whose 400 was cut off", "POST", cutOff(400), STOP(false)],
    ["a throttled POST whose answer was cut off", "POST", { ...cutOff(429), headers: { "retry-after": "2" } }, RETRY(2000)],
    ["a GET whose answer was cut off", "GET", cutOff(200), RETRY(500)],
    ["a GET whose answer was lost, out of budget", "GET", noAnswer, STOP(false, "budget"), {}, { elapsedMs: 179_900 }],
    ["a PATCH out of budget: it may have happened", "PATCH", noAnswer, STOP(true, "budget"), {}, { elapsedMs: 179_900 }],
    // A request that never left is always safe to send again.
    ["a POST that was never sent", "POST", neverSent, RETRY(500)],
    ["a POST that was never sent, past Max Retry Count", "POST", neverSent, STOP(false, "retries"), { maxRetries: 2 }, { attempt: 3 }],
    // Answers that say no: not retried unless asked, and never a write that may have happened.
    ["a 400", "GET", answer(400), STOP(false)],
    ["a 404", "DELETE", answer(404), STOP(false)],
    ["a 500 from Dataverse", "GET", answer(500), STOP(false)],
    ["a 400 with Retry On All Errors", "POST", answer(400), RETRY(500), { retryAllErrors: true }],
    ["a lost POST with Retry On All Errors", "POST", noAnswer, STOP(true), { retryAllErrors: true }],
    ["a fixed Retry Delay", "GET", answer(503), RETRY(250), { exponential: false, baseDelayMs: 250 }, { attempt: 4 }],
    ["Max Retry Count 0", "GET", answer(503), STOP(false, "retries"), { maxRetries: 0 }],
  ];

  it.each(rows)("%s (%s)", (_name, method, outcome, expected, options = {}, at = {}) => {
    const request = { method, repeatable: at.repeatable, idempotent: at.idempotent };
    const decision = decide(at.attempt ?? 1, request, outcome, at.elapsedMs ?? 0, { ...noJitter, ...options }, { now: NOW, random: 0.5 });
    expect(decision).toEqual(expected);
  });

  it("draws each pause between zero and its step with full jitter", () => {
    const pause = (random: number) => decide(3, { method: "GET" }, answer(503), 0, DEFAULT_RETRY, { now: NOW, random });
    expect([pause(0), pause(0.5), pause(0.999)]).toEqual([RETRY(0), RETRY(1000), RETRY(1998)]);
  });

  it("waits at least the Retry-After, plus jitter below one backoff step", () => {
    const pause = (random: number) =>
      decide(1, { method: "POST" }, answer(429, { "retry-after": "1" }), 0, DEFAULT_RETRY, { now: NOW, random });
    expect([pause(0), pause(0.999)]).toEqual([RETRY(1000), RETRY(1499)]);
  });

  it.each([
    ["", undefined],
    ["soon", undefined],
    ["2", 2000],
    ["0.5", 500],
    ["Sat, 01 Mar 2025 11:59:00 GMT", 0],
  ])("reads Retry-After %p", (header, ms) => {
    expect(retryAfterMs({ "retry-after": header }, NOW)).toBe(ms);
  });
});
