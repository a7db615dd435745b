import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import component from "../../src";
import { SEED } from "../emulator/seed";
import { actionError, connectionFor, expectSameShape, harness, runAction, useEmulator } from "../support";

/** A logger that keeps every line it is given, whatever the level. */
const lineLogger = () => {
  const lines: string[] = [];
  const record = (...args: unknown[]) => lines.push(args.map(String).join(" "));
  const levels = ["metric", "trace", "debug", "info", "log", "warn", "error", "section", "sectionEnd"];
  return { lines, record, logger: Object.fromEntries(levels.map((level) => [level, record])) };
};

const fixture = useEmulator();
const example = (key: string) => (component.actions[key].examplePayload as { data: unknown }).data;

/** A second server standing for any other host: it must never receive a request. */
const otherHost = { received: [] as IncomingMessage[], url: "", server: undefined as Server | undefined };

beforeAll(async () => {
  otherHost.server = createServer((request, response) => {
    otherHost.received.push(request);
    response.end("{}");
  });
  await new Promise<void>((resolve) => otherHost.server?.listen(0, "127.0.0.1", resolve));
  otherHost.url = `http://127.0.0.1:${(otherHost.server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => otherHost.server?.close(() => resolve()));
});

const get = (key: string, url: string, extra: Record<string, unknown> = {}) =>
  runAction(key, { connection: fixture.connection, method: "GET", url, ...extra });

describe.each(["rawRequest", "rawRequestV2"])("%s", (key) => {
  it("sends a path on the connection's host with the token and the OData headers", async () => {
    const { emulator } = fixture;
    const data = await get(key, "/api/data/v9.2/accounts?$select=name&$orderby=name&$filter=accountnumber ne null");
    expect(data.value.map((record: { name: string }) => record.name)).toEqual([
      "Adventure Works",
      "Contoso Ltd",
      "Fabrikam Inc",
      "Litware, Inc.",
      "Northwind Traders",
    ]);
    expectSameShape(data, example(key));
    const [request] = emulator.takeRequests();
    expect(request).toMatchObject({
      method: "GET",
      path: "accounts",
      query: { $select: "name", $orderby: "name", $filter: "accountnumber ne null" },
    });
    expect(request.headers).toMatchObject({
      authorization: `Bearer ${emulator.accessToken}`,
      accept: "application/json",
      "odata-version": "4.0",
      "odata-maxversion": "4.0",
    });
  });

  it("accepts an absolute URL on the connection's own host", async () => {
    const data = await get(key, `${fixture.emulator.url}/api/data/v9.2/accounts(${SEED.accounts.contoso})?$select=name`);
    expect(data).toMatchObject({ accountid: SEED.accounts.contoso, name: "Contoso Ltd" });
  });

  it.each([
    () => `${otherHost.url}/api/data/v9.2/accounts`,
    () => `//${otherHost.url.slice("http://".length)}/api/data/v9.2/accounts`,
    () => "https://attacker.example.com/api/data/v9.2/accounts",
  ])("refuses another host before anything is sent (%#)", async (url) => {
    const error = await actionError(key, { connection: fixture.connection, method: "GET", url: url() });
    expect(error.message).toMatch(
      /^URL: refused to send the connection's token to (http:\/\/127\.0\.0\.1:\d+|https:\/\/attacker\.example\.com); only http:\/\/127\.0\.0\.1:\d+ may receive it/,
    );
    expect(otherHost.received).toHaveLength(0);
    expect(fixture.emulator.takeRequests()).toHaveLength(0);
  });

  it("sends a JSON body, query parameters encoded as OData reads them, and the user's headers but never their Authorization", async () => {
    const { emulator, connection } = fixture;
    const data = await runAction(key, {
      connection,
      method: "POST",
      url: "/api/data/v9.2/accounts",
      data: '{"name": "Raw & Co"}',
      queryParams: [{ key: "$select", value: "name,accountnumber" }],
      headers: [
        { key: "Prefer", value: "return=representation" },
        { key: "authorization", value: "Bearer someone-elses-token" },
      ],
    });
    expect(data).toMatchObject({ name: "Raw & Co" });
    const [request] = emulator.takeRequests();
    expect(request).toMatchObject({ method: "POST", path: "accounts", query: { $select: "name,accountnumber" } });
    expect(request.headers).toMatchObject({
      authorization: `Bearer ${emulator.accessToken}`,
      prefer: "return=representation",
      "content-type": "application/json",
    });
    expect(JSON.parse(request.body)).toEqual({ name: "Raw & Co" });

    await get(key, "/api/data/v9.2/accounts", { queryParams: [{ key: "$filter", value: "name eq 'Raw & Co'" }] });
    const [filtered] = emulator.takeRequests();
    expect(filtered.query.$filter).toBe("name eq 'Raw & Co'");
  });

  it("reports Dataverse's error with its code", async () => {
    const missing = "00000000-0000-0000-0000-0000000000aa";
    const error = await actionError(key, { connection: fixture.connection, method: "GET", url: `/api/data/v9.2/accounts(${missing})` });
    expect(error.message).toMatch(new RegExp(`^Record not found: /api/data/v9.2/accounts\\(${missing}\\)`));
    expect(error).toMatchObject({ status: 404, code: "0x80040217" });
    expect(error.message).not.toContain(fixture.emulator.accessToken);
  });

  it("logs the request with Debug Request, with the token redacted everywhere", async () => {
    const { emulator, connection } = fixture;
    const { lines, record, logger } = lineLogger();
    const consoleLog = jest.spyOn(console, "log").mockImplementation(record);
    try {
      await harness.action(
        key,
        {
          connection,
          method: "POST",
          url: "/api/data/v9.2/accounts",
          data: JSON.stringify({ name: "Debug me", description: `token ${emulator.accessToken}` }),
          headers: [{ key: "X-Api-Key", value: "k-123" }],
          debugRequest: true,
        },
        { logger } as never,
      );
    } finally {
      consoleLog.mockRestore();
    }
    expect(lines.length).toBeGreaterThanOrEqual(1);
    const all = lines.join("\n");
    expect(all).not.toContain(emulator.accessToken);
    expect(all).not.toContain("k-123");
    const request = JSON.parse(lines[0].slice("Raw request: ".length));
    expect(request).toMatchObject({
      method: "POST",
      url: `${emulator.apiRoot}accounts`,
      headers: { Authorization: "[REDACTED]", "X-Api-Key": "[REDACTED]", Accept: "application/json", "Content-Type": "application/json" },
    });
    expect(request.body).toBe(JSON.stringify({ name: "Debug me", description: "token [REDACTED]" }));
    expect(lines[1]).toMatch(/^Raw response: \{"status":204/);

    lines.length = 0;
    const missing = `/api/data/v9.2/accounts(00000000-0000-0000-0000-0000000000aa)`;
    await expect(harness.action(key, { connection, method: "GET", url: missing, debugRequest: true }, { logger } as never)).rejects.toThrow(
      /^Record not found/,
    );
    expect(lines[1]).toMatch(/^Raw response: \{"status":404/);
    expect(lines.join("\n")).not.toContain(emulator.accessToken);
  });

  it("logs nothing without Debug Request", async () => {
    const { lines, logger } = lineLogger();
    await harness.action(key, { connection: fixture.connection, method: "GET", url: "/api/data/v9.2/accounts?$top=1" }, {
      logger,
    } as never);
    expect(lines).toEqual([]);
  });

  it("returns text when asked", async () => {
    const data = await get(key, "/api/data/v9.2/accounts?$select=name&$top=1", { responseType: "text" });
    expect(typeof data).toBe("string");
    expect(JSON.parse(data).value).toHaveLength(1);
  });
});

describe("redirects, retries and request ids", () => {
  it.each([
    ["another host", () => `${otherHost.url}/api/data/v9.2/accounts`],
    ["another path", () => "/api/data/v9.2/contacts"],
  ])("does not follow a redirect to %s, so the token goes nowhere else", async (_where, location) => {
    const { emulator, connection } = fixture;
    emulator.inject({ method: "GET", path: "accounts", status: 302, headers: { Location: location() } });
    const error = await actionError("rawRequestV2", { connection, method: "GET", url: "/api/data/v9.2/accounts", maxRetries: "3" });
    expect(error).toMatchObject({ status: 302 });
    expect(otherHost.received).toHaveLength(0);
    expect(emulator.takeRequests().map((request) => request.path)).toEqual(["accounts"]);
  });

  it.each([["false"], ["true"]])(
    "never repeats a POST whose connection dropped after it was carried out (Retry On All Errors %s)",
    async (retryAllErrors) => {
      const { emulator, connection } = fixture;
      const name = `Dropped raw ${retryAllErrors}`;
      emulator.inject({ method: "POST", path: "accounts", drop: true, afterHandling: true });
      const error = await actionError("rawRequestV2", {
        connection,
        method: "POST",
        url: "/api/data/v9.2/accounts",
        data: JSON.stringify({ name }),
        maxRetries: "3",
        retryAllErrors,
      });
      expect(error).toMatchObject({ outcomeUnknown: true });
      expect(error.message).toMatch(/^The outcome of POST \/api\/data\/v9\.2\/accounts is unknown/);
      expect(emulator.takeRequests().map((request) => request.method)).toEqual(["POST"]);
      const found = await runAction("queryEntities", { connection, entityType: "accounts", filterExpression: `name eq '${name}'` });
      expect(found.value).toHaveLength(1);
    },
  );

  it("repeats a GET whose connection dropped, up to Max Retry Count", async () => {
    const { emulator } = fixture;
    emulator.inject({ method: "GET", path: "accounts", drop: true, times: 2 });
    const data = await get("rawRequestV2", "/api/data/v9.2/accounts?$top=1", { maxRetries: "3" });
    expect(data.value).toHaveLength(1);
    expect(emulator.takeRequests()).toHaveLength(3);
  });

  it("retries a throttled POST after Retry-After, which the user's retry inputs allow", async () => {
    const { emulator, connection } = fixture;
    emulator.inject({
      method: "POST",
      path: "accounts",
      status: 429,
      headers: { "Retry-After": "0" },
      body: { error: { code: "0x80072322", message: "Throttled." } },
    });
    await runAction("rawRequestV2", {
      connection,
      method: "POST",
      url: "/api/data/v9.2/accounts",
      data: '{"name": "Throttled raw"}',
      maxRetries: "1",
    });
    expect(emulator.takeRequests().map((request) => request.method)).toEqual(["POST", "POST"]);
  });

  it("sends Form Data and File Data as a multipart form", async () => {
    const { emulator, connection } = fixture;
    const failure = await actionError("rawRequestV2", {
      connection,
      method: "POST",
      url: "/api/data/v9.2/accounts",
      formData: [{ key: "note", value: "hello" }],
      fileData: [{ key: "file", value: "file contents" }],
      fileDataFileNames: [{ key: "file", value: "notes.txt" }],
    });
    expect(failure).toMatchObject({ status: 400 });
    const [request] = emulator.takeRequests();
    expect(request.headers["content-type"]).toMatch(/^multipart\/form-data; boundary=/);
    expect(request.body).toContain('name="note"');
    expect(request.body).toContain('filename="notes.txt"');
    expect(request.body).toContain("file contents");
  });

  it("reports the request id from any of Dataverse's request id headers", async () => {
    const server = createServer((_request, response) => {
      response.writeHead(400, { "Content-Type": "application/json", REQ_ID: "req-42" });
      response.end(JSON.stringify({ error: { code: "0x80040203", message: "Bad value." } }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const error = await actionError("rawRequestV2", {
        connection: connectionFor(fixture.emulator, url),
        method: "GET",
        url: "/api/data/v9.2/accounts",
      });
      expect(error).toMatchObject({ status: 400, code: "0x80040203", requestId: "req-42" });
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe("where a path that is not under /api/ goes", () => {
  it.each(["accounts?$select=name", "/accounts?$select=name"])("[CRM] Raw Request takes %p relative to /api/data/v9.2/", async (url) => {
    const data = await get("rawRequest", url);
    expect(data.value.length).toBeGreaterThanOrEqual(5);
    const [request] = fixture.emulator.takeRequests();
    expect(request).toMatchObject({ path: "accounts", query: { $select: "name" } });
  });

  it("Raw Request takes it on the host as written", async () => {
    const error = await actionError("rawRequestV2", { connection: fixture.connection, method: "GET", url: "/accounts?$select=name" });
    expect(error).toMatchObject({ status: 404 });
    expect(error.message).toMatch(/^Not found: GET \/accounts/);
    expect(fixture.emulator.takeRequests()).toHaveLength(0);
  });

  it.each([
    ["Timeout", "timeout"],
    ["Max Retry Count", "maxRetries"],
    ["Retry Delay (ms)", "retryDelayMS"],
  ])("refuses a %s that is not a whole number", async (label, input) => {
    const error = await actionError("rawRequestV2", {
      connection: fixture.connection,
      method: "GET",
      url: "/api/data/v9.2/accounts",
      [input]: "soon",
    });
    expect(error.message).toMatch(new RegExp(`^${label.replace(/[()]/g, "\\$&")}: 'soon' must be a whole number`));
    expect(fixture.emulator.takeRequests()).toHaveLength(0);
  });
});
