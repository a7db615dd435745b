import { useEmulator } from "../support";
import { LIMIT_CODES } from "./serviceProtection";

const get = (apiRoot: string, token: string, path = "accounts?$top=1") =>
  fetch(`${apiRoot}${path}`, { headers: { Authorization: `Bearer ${token}` } });

const answer = async (response: Response) => ({
  status: response.status,
  code: response.status === 429 ? ((await response.json()) as { error: { code: string } }).error.code : undefined,
  retryAfter: response.headers.get("retry-after"),
  dopHint: response.headers.get("x-ms-dop-hint"),
});

describe("service protection, one limit at a time", () => {
  const requests = useEmulator({ serviceProtection: { enabled: true, windowMs: 5000, maxRequests: 2, dopHint: 12 } });
  const execution = useEmulator({ serviceProtection: { enabled: true, windowMs: 5000, maxExecutionMs: 10, costPerRequestMs: 15 } });
  const concurrency = useEmulator({ serviceProtection: { enabled: true, maxConcurrent: 1, costPerRequestMs: 30 } });

  it("refuses the request over the number in the window, with its code and the wait until the window frees", async () => {
    const { apiRoot, accessToken } = requests.emulator;
    const answers = [];
    for (let n = 0; n < 3; n += 1) answers.push(await answer(await get(apiRoot, accessToken)));
    expect(answers.map((a) => [a.status, a.code, a.dopHint])).toEqual([
      [200, undefined, "12"],
      [200, undefined, "12"],
      [429, LIMIT_CODES.requests, "12"],
    ]);
    expect(Number(answers[2].retryAfter)).toBeGreaterThan(4);
    expect(Number(answers[2].retryAfter)).toBeLessThanOrEqual(5);
  });

  it("refuses once the window's combined execution time is spent", async () => {
    const { apiRoot, accessToken } = execution.emulator;
    const first = await answer(await get(apiRoot, accessToken));
    const second = await answer(await get(apiRoot, accessToken));
    expect([first.status, second.status, second.code]).toEqual([200, 429, LIMIT_CODES.executionTime]);
    expect(execution.emulator.serviceProtection.refusals).toEqual({ [LIMIT_CODES.executionTime]: 1 });
  });

  it("refuses a request over the concurrent limit at once, while the first is still running", async () => {
    const { apiRoot, accessToken } = concurrency.emulator;
    const [first, second] = await Promise.all([get(apiRoot, accessToken).then(answer), get(apiRoot, accessToken).then(answer)]);
    expect([first.status, second.status, second.code]).toEqual([200, 429, LIMIT_CODES.concurrency]);
  });
});
