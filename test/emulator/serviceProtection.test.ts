import { useEmulator } from "../support";
import { type EmulatorClock, LIMIT_CODES } from "./serviceProtection";

const get = (apiRoot: string, token: string, path = "accounts?$top=1") =>
  fetch(`${apiRoot}${path}`, { headers: { Authorization: `Bearer ${token}` } });

const answer = async (response: Response) => ({
  status: response.status,
  code: response.status === 429 ? ((await response.json()) as { error: { code: string } }).error.code : undefined,
  retryAfter: response.headers.get("retry-after"),
  dopHint: response.headers.get("x-ms-dop-hint"),
});

/** Time stands still but for the costs, which take none: the windows do not move while a test runs, however slow. */
const stillClock = (): EmulatorClock => {
  let now = Date.UTC(2025, 0, 1);
  return {
    now: () => now,
    sleep: async (ms) => {
      now += ms;
    },
  };
};

/** A request's cost lasts until the test lets it end, so a second request surely meets the first one running. */
const heldClock = () => {
  const held: (() => void)[] = [];
  let entered: () => void = () => undefined;
  const clock: EmulatorClock & { running: Promise<void>; release(): void } = {
    now: () => 0,
    running: new Promise((resolve) => {
      entered = resolve;
    }),
    sleep: () =>
      new Promise((resolve) => {
        held.push(resolve);
        entered();
      }),
    release: () => held.splice(0).forEach((resolve) => resolve()),
  };
  return clock;
};

describe("service protection, one limit at a time", () => {
  const requestsClock = stillClock();
  const requests = useEmulator({ serviceProtection: { enabled: true, windowMs: 5000, maxRequests: 2, dopHint: 12 }, clock: requestsClock });
  const execution = useEmulator({
    serviceProtection: { enabled: true, windowMs: 5000, maxExecutionMs: 10, costPerRequestMs: 15 },
    clock: stillClock(),
  });
  const held = heldClock();
  const concurrency = useEmulator({ serviceProtection: { enabled: true, maxConcurrent: 1, costPerRequestMs: 30 }, clock: held });

  it("refuses the request over the number in the window, with its code and the wait until the window frees", async () => {
    const { apiRoot, accessToken } = requests.emulator;
    const answers = [];
    for (let n = 0; n < 3; n += 1) answers.push(await answer(await get(apiRoot, accessToken)));
    expect(answers.map((a) => [a.status, a.code, a.dopHint])).toEqual([
      [200, undefined, "12"],
      [200, undefined, "12"],
      [429, LIMIT_CODES.requests, "12"],
    ]);
    // No time passed: the first request leaves the window in exactly its 5 s.
    expect(answers[2].retryAfter).toBe("5");
    await requestsClock.sleep(4999);
    expect((await get(apiRoot, accessToken)).status).toBe(429);
    await requestsClock.sleep(1);
    expect((await get(apiRoot, accessToken)).status).toBe(200);
  });

  it("refuses once the window's combined execution time is spent, until that work leaves the window", async () => {
    const { apiRoot, accessToken } = execution.emulator;
    const first = await answer(await get(apiRoot, accessToken));
    const second = await answer(await get(apiRoot, accessToken));
    expect([first.status, second.status, second.code]).toEqual([200, 429, LIMIT_CODES.executionTime]);
    // The first request was admitted at the start and cost 15 ms: it leaves the 5 s window 4.985 s on.
    expect(second.retryAfter).toBe("4.985");
    expect(execution.emulator.serviceProtection.refusals).toEqual({ [LIMIT_CODES.executionTime]: 1 });
  });

  it("refuses a request over the concurrent limit at once, while the first is still running", async () => {
    const { apiRoot, accessToken } = concurrency.emulator;
    const first = get(apiRoot, accessToken).then(answer);
    await held.running;
    const second = await answer(await get(apiRoot, accessToken));
    expect([second.status, second.code]).toEqual([429, LIMIT_CODES.concurrency]);
    held.release();
    expect((await first).status).toBe(200);
    expect(concurrency.emulator.serviceProtection.refusals).toEqual({ [LIMIT_CODES.concurrency]: 1 });
  });
});
