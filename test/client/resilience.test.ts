import { createDataverseClient, DataverseError } from "../../src/client";
import { actionError, runAction, useEmulator, useTestClock } from "../support";

const fixture = useEmulator();
useTestClock();

const THROTTLED = {
  error: { code: "0x80072322", message: "Number of requests exceeded the limit of 6000 over time window of 300 seconds." },
};

const accountsNamed = async (name: string): Promise<number> => {
  const data = await runAction("queryEntities", {
    connection: fixture.connection,
    entityType: "accounts",
    filterExpression: `name eq '${name}'`,
  });
  return data.value.length;
};

describe("throttling and transient faults", () => {
  it("retries a throttled create after Retry-After, and creates exactly one record", async () => {
    const { emulator, connection } = fixture;
    emulator.inject({ method: "POST", path: "accounts", status: 429, headers: { "Retry-After": "1" }, body: THROTTLED });
    const data = await runAction("createEntity", { connection, entityType: "accounts", dynamicValues: { name: "Throttled Co" } });
    expect(data.name).toBe("Throttled Co");
    const requests = emulator.takeRequests();
    expect(requests.map((request) => request.method)).toEqual(["POST", "POST"]);
    expect(await accountsNamed("Throttled Co")).toBe(1);
  });

  it("retries a read after a gateway fault with an HTML page", async () => {
    const { emulator, connection } = fixture;
    emulator.inject({ method: "GET", path: "accounts", status: 502, body: "<html><body><h1>502 Bad Gateway</h1></body></html>" });
    const data = await runAction("queryEntities", { connection, entityType: "accounts", recordsPerPage: "1" });
    expect(data.value).toHaveLength(1);
    expect(emulator.takeRequests()).toHaveLength(2);
  });

  it("retries a read whose connection dropped", async () => {
    const { emulator, connection } = fixture;
    emulator.inject({ method: "GET", path: "contacts", drop: true });
    const data = await runAction("queryEntities", { connection, entityType: "contacts", recordsPerPage: "1" });
    expect(data.value).toHaveLength(1);
    expect(emulator.takeRequests()).toHaveLength(2);
  });

  it("never retries a create whose answer was lost, and says its outcome is unknown", async () => {
    const { emulator, connection } = fixture;
    emulator.inject({ method: "POST", path: "accounts", status: 504, body: "<html>Gateway Timeout</html>", afterHandling: true });
    const error = await actionError("createEntity", { connection, entityType: "accounts", dynamicValues: { name: "Maybe Co" } });
    expect(error.message).toMatch(/^The outcome of POST accounts is unknown: .*not retried/);
    expect(error).toMatchObject({ status: 504, outcomeUnknown: true });
    expect(emulator.takeRequests()).toHaveLength(1);
    expect(await accountsNamed("Maybe Co")).toBe(1);
  });

  it("never retries a create whose connection dropped", async () => {
    const { emulator, connection } = fixture;
    emulator.inject({ method: "POST", path: "leads", drop: true, afterHandling: true });
    const error = await actionError("createEntity", { connection, entityType: "leads", dynamicValues: { lastname: "Dropped" } });
    expect(error).toMatchObject({ outcomeUnknown: true });
    expect(emulator.takeRequests()).toHaveLength(1);
  });

  it("gives up within its bounds and reports the last fault", async () => {
    const { emulator, connection } = fixture;
    emulator.inject({
      method: "GET",
      path: "opportunities",
      status: 503,
      times: 10,
      body: { error: { code: "0x80040216", message: "Service Unavailable" } },
    });
    const client = createDataverseClient(connection, { retry: { maxRetries: 3, baseDelayMs: 5 } });
    const error = await client.send({ method: "GET", path: "opportunities" }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DataverseError);
    expect(error).toMatchObject({ status: 503, code: "0x80040216" });
    expect(emulator.takeRequests()).toHaveLength(4);
  });

  it("does not wait when Dataverse asks for longer than the retry budget", async () => {
    const { emulator, connection } = fixture;
    emulator.inject({ method: "GET", path: "leads", status: 429, headers: { "Retry-After": "300" }, body: THROTTLED });
    const client = createDataverseClient(connection, { retry: { budgetMs: 10_000 } });
    const error = await client.send({ method: "GET", path: "leads" }).catch((caught: unknown) => caught as Error);
    expect((error as Error).message).toMatch(/^Dataverse is throttling requests \(429\) for GET leads: Number of requests exceeded/);
    expect(emulator.takeRequests()).toHaveLength(1);
  });
});

describe("odd responses", () => {
  it("reports a cut-off JSON body instead of crashing", async () => {
    const { emulator, connection } = fixture;
    emulator.inject({
      method: "GET",
      path: "accounts",
      status: 200,
      headers: { "Content-Type": "application/json; odata.metadata=minimal" },
      body: '{"@odata.context":"x","value":[{"name":"Con',
    });
    const error = await actionError("queryEntities", { connection, entityType: "accounts" });
    expect(error.message).toMatch(/could not be read as JSON \(\d+ characters, possibly cut off\)/);
  });

  it("reports an HTML page answered with 200", async () => {
    const { emulator, connection } = fixture;
    emulator.inject({ method: "GET", path: "accounts", status: 200, body: "<html><body>Sign in to your account</body></html>" });
    const error = await actionError("getEntity", { connection, entityType: "accounts", entityId: "00000000-0000-0000-0000-000000000001" });
    expect(error.message).toMatch(/expected JSON but the response was text\/html: <html>/);
  });

  it("reads an HTML error page into a readable message", async () => {
    const { emulator, connection } = fixture;
    emulator.inject({
      method: "DELETE",
      status: 400,
      body: "<html><head><title>Bad Request</title></head><body><p>Request rejected by proxy</p></body></html>",
    });
    const error = await actionError("deleteEntity", {
      connection,
      entityType: "accounts",
      entityId: "00000000-0000-0000-0000-000000000001",
    });
    expect(error.message).toMatch(
      /^Dataverse answered 400 for DELETE accounts\(00000000-0000-0000-0000-000000000001\): the response was not a Dataverse error \(text\/html\): Bad Request Request rejected by proxy/,
    );
  });
});

describe("the access token", () => {
  it("is refused by Dataverse when wrong, and never appears in the error", async () => {
    const { emulator } = fixture;
    const stale = "stale-token-value-123";
    const connection = { ...fixture.connection, token: { access_token: stale } };
    const error = await actionError("getEntity", { connection, entityType: "accounts", entityId: "00000000-0000-0000-0000-000000000001" });
    expect(error.message).toMatch(/^Dataverse refused the access token \(401\)/);
    expect(JSON.stringify(error)).not.toContain(stale);
    expect(error.message).not.toContain(stale);
    expect(String((error as Error).stack)).not.toContain(stale);
    expect(emulator.takeRequests()[0].headers.authorization).toBe(`Bearer ${stale}`);
  });

  it("is never sent when the connection has none", async () => {
    const connection = { ...fixture.connection, token: undefined };
    const error = await actionError("getEntity", { connection, entityType: "accounts", entityId: "00000000-0000-0000-0000-000000000001" });
    expect(error.message).toMatch(/no access token yet/);
    expect(fixture.emulator.takeRequests()).toHaveLength(0);
  });
});
