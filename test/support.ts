/**
 * Shared test set-up: one emulator per test file, a connection pointing at it, and
 * spectral's harness around the real component.
 */
import type { Connection } from "@prismatic-io/spectral";
import { type Clock, resetClock, setClock } from "../src/client/wire/clock";
import { DEFAULT_RETRY } from "../src/client/wire/retryPolicy";
import { createConnection, createHarness } from "@prismatic-io/spectral/dist/testing";
import component from "../src";
import { clientCredentials } from "../src/connections";
import { startEmulator, type Emulator, type EmulatorOptions } from "./emulator/server";

export const harness = createHarness(component);

export const connectionFor = (emulator: Emulator, webApiUrl: string = emulator.url): Connection =>
  createConnection(
    clientCredentials,
    {
      webApiUrl,
      tokenUrl: emulator.tokenUrl,
      scopes: `${emulator.url}/.default`,
      clientId: emulator.issuer.clientId,
      clientSecret: emulator.issuer.clientSecret,
    },
    { access_token: emulator.accessToken, token_type: "Bearer" },
  ) as Connection;

export interface EmulatorFixture {
  emulator: Emulator;
  connection: Connection;
}

/** Starts an emulator before the file's tests and stops it after; forgets earlier requests and unused faults before each test. */
export const useEmulator = (options?: EmulatorOptions): EmulatorFixture => {
  const fixture = {} as EmulatorFixture;
  beforeAll(async () => {
    fixture.emulator = await startEmulator(options);
    fixture.connection = connectionFor(fixture.emulator);
  });
  beforeEach(() => {
    fixture.emulator.takeRequests();
    fixture.emulator.clearFaults();
  });
  afterAll(async () => {
    await fixture.emulator.stop();
  });
  return fixture;
};

/** The data an action returned. */
export const runAction = async (key: string, params: Record<string, unknown>): Promise<any> => {
  const result = await harness.action(key, params);
  return (result as { data: unknown }).data;
};

/** Asserts an action fails, and returns the error for closer checks. */
export const actionError = async (key: string, params: Record<string, unknown>): Promise<Error> => {
  try {
    await harness.action(key, params);
  } catch (error) {
    return error as Error;
  }
  throw new Error(`expected action ${key} to fail`);
};

const kindOf = (value: unknown): string =>
  value === null ? "null" : Array.isArray(value) ? "array" : Buffer.isBuffer(value) ? "buffer" : typeof value;

/** A Dataverse record's columns depend on the table and the query, so only its being an object is compared. */
const isRecord = (value: Record<string, unknown>): boolean => "@odata.etag" in value || "@odata.context" in value;

export interface ShapeOptions {
  /** Keys an output may lack, at any level: a last page's nextPageId, a count only given when asked. */
  optional?: string[];
  path?: string;
}

/**
 * Checks a real output against an example payload, both ways: no key the example lacks,
 * no key of the example missing (but the optional ones), and values of the same JSON type,
 * at every level. Dataverse records are compared only as objects, as their columns depend
 * on the table and the query. A null on either side matches any type, as an optional
 * column may be null in one and set in the other.
 */
export const expectSameShape = (actual: unknown, example: unknown, options: ShapeOptions = {}): void => {
  const { optional = [], path = "data" } = options;
  if (kindOf(example) === "null" || kindOf(actual) === "null") return;
  expect(`${path}: ${kindOf(actual)}`).toBe(`${path}: ${kindOf(example)}`);
  if (Array.isArray(example) && Array.isArray(actual)) {
    if (example.length && actual.length) expectSameShape(actual[0], example[0], { optional, path: `${path}[0]` });
    return;
  }
  if (kindOf(example) !== "object") return;
  const a = actual as Record<string, unknown>;
  const e = example as Record<string, unknown>;
  if (isRecord(e)) return;
  const present = Object.keys(a).filter((key) => a[key] !== undefined);
  const unexpected = present.filter((key) => !(key in e));
  expect(`${path}: unexpected keys [${unexpected.join(",")}]`).toBe(`${path}: unexpected keys []`);
  const missing = Object.keys(e).filter((key) => e[key] !== undefined && !present.includes(key) && !optional.includes(key));
  expect(`${path}: missing keys [${missing.join(",")}]`).toBe(`${path}: missing keys []`);
  for (const key of present) expectSameShape(a[key], e[key], { optional, path: `${path}.${key}` });
};

/** A last page has no next page to point at. */
export const LAST_PAGE: ShapeOptions = { optional: ["nextPageId", "@odata.nextLink", "oDataNextLink", "PagingInfo"] };

/** A logger whose calls a test can read; spectral's loggerMock spies on console, shared by every call. */
export const recordingLogger = () => ({
  debug: jest.fn(),
  info: jest.fn(),
  log: jest.fn(),
  warn: jest.fn(),
  error: jest.fn(),
  metric: jest.fn(),
});

export interface TestClock extends Clock {
  /** Every pause the client asked for in this test (the loop's and bulk's), in order. */
  slept: number[];
  /** The emulator's view of the same time: its simulated server cost moves time on, without counting as a pause. */
  server: Clock;
  /**
   * Until the end of the test, each new request (`requestNumber` changed and not undefined) finds all
   * but `leftMs` of its budget spent when its first attempt starts, so that attempt waits at most
   * `leftMs` real milliseconds for an answer instead of Dataverse's two minutes. Time jumps right after
   * the request's first reading; on a clock that stands still the attempts and pauses after it keep
   * those `leftMs`.
   */
  startLate(leftMs: number, requestNumber: () => number | undefined): void;
}

export interface TestClockOptions {
  /**
   * False: time stands still but for pauses and the emulator's costs, so what a test sees of time
   * (a budget, a service-protection window) does not depend on how fast or loaded the machine is.
   */
  realTime?: boolean;
}

/**
 * Installs a clock whose pauses take no time: `now` is the real time (or, without `realTime`, a
 * fixed start) plus every pause so far, so a Retry-After passes at once. Time never goes back
 * between tests, as an emulator sharing the clock keeps its windows across them.
 */
export const useTestClock = ({ realTime = true }: TestClockOptions = {}): TestClock => {
  const start = Date.now();
  let passed = 0;
  let late: { leftMs: number; requestNumber: () => number | undefined; startedFor?: number } | undefined;
  const advance = async (ms: number): Promise<void> => {
    passed += Math.max(0, ms);
  };
  const now = () => (realTime ? Date.now() : start) + passed;
  /** The client's reading: the first one of each new request is followed by the jump. */
  const read = () => {
    const reading = now();
    const request = late?.requestNumber();
    if (late && request !== undefined && request !== late.startedFor) {
      late.startedFor = request;
      passed += DEFAULT_RETRY.budgetMs - late.leftMs;
    }
    return reading;
  };
  const clock: TestClock = {
    slept: [],
    now: read,
    startLate: (leftMs, requestNumber) => {
      late = { leftMs, requestNumber };
    },
    sleep: (ms) => {
      clock.slept.push(ms);
      return advance(ms);
    },
    server: { now, sleep: advance },
  };
  beforeEach(() => {
    clock.slept.length = 0;
    late = undefined;
    setClock(clock);
  });
  afterEach(() => resetClock());
  return clock;
};
