/**
 * The request loop against the emulator's faults, through the component's actions: every
 * outcome told as it happened, and the records counted: none lost, none made twice.
 */
import { createDataverseClient, type DataverseError } from "../../src/client";
import { actionError, runAction, useEmulator, useTestClock } from "../support";

const fixture = useEmulator();
const clock = useTestClock();

const THROTTLED = {
  error: { code: "0x80072322", message: "Number of requests exceeded the limit of 6000 over time window of 300 seconds." },
};
const JSON_TYPE = { "Content-Type": "application/json; odata.metadata=minimal" };

const named = async (entitySetName: string, name: string, column = "name"): Promise<number> => {
  const data = await runAction("queryEntities", {
    connection: fixture.connection,
    entityType: entitySetName,
    filterExpression: `${column} eq '${name}'`,
  });
  return data.value.length;
};

const create = (name: string) =>
  runAction("createEntity", { connection: fixture.connection, entityType: "accounts", dynamicValues: { name } });
const createError = (name: string) =>
  actionError("createEntity", {
    connection: fixture.connection,
    entityType: "accounts",
    dynamicValues: { name },
  }) as Promise<DataverseError>;

const methods = () => fixture.emulator.takeRequests().map((request) => request.method);

describe("throttling", () => {
  it("waits the Retry-After in seconds and creates the record once", async () => {
    fixture.emulator.inject({ method: "POST", path: "accounts", status: 429, headers: { "Retry-After": "3" }, body: THROTTLED });
    const data = await create("Throttled once");
    expect(data.name).toBe("Throttled once");
    expect(methods()).toEqual(["POST", "POST"]);
    expect(clock.slept).toHaveLength(1);
    expect(clock.slept[0]).toBeGreaterThanOrEqual(3000);
    expect(clock.slept[0]).toBeLessThan(3500);
    expect(await named("accounts", "Throttled once")).toBe(1);
  });

  it("waits the Retry-After given as an HTTP date", async () => {
    const later = new Date(Date.now() + 20_000).toUTCString();
    fixture.emulator.inject({ method: "GET", path: "contacts", status: 429, headers: { "Retry-After": later }, body: THROTTLED });
    await runAction("queryEntities", { connection: fixture.connection, entityType: "contacts", recordsPerPage: "1" });
    expect(clock.slept).toHaveLength(1);
    expect(clock.slept[0]).toBeGreaterThan(17_000);
    expect(clock.slept[0]).toBeLessThan(21_000);
  });

  it("keeps trying as long as Dataverse asks and the budget allows, not a small fixed count", async () => {
    fixture.emulator.inject({ method: "POST", path: "accounts", status: 429, times: 12, headers: { "Retry-After": "5" }, body: THROTTLED });
    await create("Throttled a dozen times");
    expect(methods()).toHaveLength(13);
    expect(await named("accounts", "Throttled a dozen times")).toBe(1);
  });

  it("gives up once the next pause would pass the budget, as throttled, with nothing created", async () => {
    fixture.emulator.inject({
      method: "POST",
      path: "accounts",
      status: 429,
      times: 10,
      headers: { "Retry-After": "70" },
      body: THROTTLED,
    });
    const error = await createError("Throttled for good");
    expect(error).toMatchObject({ kind: "throttled", status: 429, code: "0x80072322", outcomeUnknown: false, attempts: 3 });
    expect(clock.slept.reduce((total, ms) => total + ms, 0)).toBeLessThan(180_000);
    fixture.emulator.takeRequests();
    expect(await named("accounts", "Throttled for good")).toBe(0);
  });

  it("lets 50 concurrent creates through a service throttling a third of them: 50 records, no duplicates", async () => {
    fixture.emulator.inject({ method: "POST", path: "accounts", status: 429, times: 17, headers: { "Retry-After": "1" }, body: THROTTLED });
    const names = Array.from({ length: 50 }, (_, index) => `Crowd ${index}`);
    const results = await Promise.all(names.map((name) => create(name)));
    expect(new Set(results.map((result) => result["@component.id"])).size).toBe(50);
    expect(methods()).toHaveLength(67);
    const data = await runAction("queryEntities", {
      connection: fixture.connection,
      entityType: "accounts",
      filterExpression: "startswith(name,'Crowd ')",
    });
    expect(data.value).toHaveLength(50);
  });
});

describe("answers lost or cut off", () => {
  it("retries a read whose body was cut off short of its Content-Length", async () => {
    fixture.emulator.inject({ method: "GET", path: "accounts", cutOff: true, afterHandling: true });
    const data = await runAction("queryEntities", { connection: fixture.connection, entityType: "accounts", recordsPerPage: "2" });
    expect(data.value).toHaveLength(2);
    expect(methods()).toEqual(["GET", "GET"]);
  });

  it("reports a create whose answer was cut off as of unknown outcome, saying it was cut off, and sends it once", async () => {
    fixture.emulator.inject({ method: "POST", path: "accounts", cutOff: true, afterHandling: true });
    const error = await createError("Cut off Co");
    expect(error).toMatchObject({ kind: "network", outcomeUnknown: true, attempts: 1 });
    expect(error.dataverseMessage).toMatch(
      /^the answer \(status 201\) was cut off: the connection closed after \d+ bytes of the \d+ its Content-Length declared$/,
    );
    expect(methods()).toEqual(["POST"]);
    expect(await named("accounts", "Cut off Co")).toBe(1);
  });

  it("succeeds on a DELETE whose first answer was lost, saying the record was already gone", async () => {
    const { "@component.id": id } = await create("Deleted twice");
    fixture.emulator.takeRequests();
    fixture.emulator.inject({ method: "DELETE", path: "accounts", drop: true, afterHandling: true });
    const data = await runAction("deleteEntity", { connection: fixture.connection, entityType: "accounts", entityId: id });
    expect(data).toEqual({ id, deleted: true, alreadyGone: true });
    expect(methods()).toEqual(["DELETE", "DELETE"]);
    expect(await named("accounts", "Deleted twice")).toBe(0);
  });

  it("reports an update as of unknown outcome when its retry is refused after a first answer was lost", async () => {
    const { "@component.id": id } = await create("Refused on retry");
    fixture.emulator.takeRequests();
    fixture.emulator.inject({ method: "PATCH", path: "accounts", drop: true, afterHandling: true });
    fixture.emulator.inject({
      method: "PATCH",
      path: "accounts",
      status: 412,
      body: {
        error: { code: "0x80060882", message: "The version of the existing record doesn't match the RowVersion property provided." },
      },
    });
    const error = await actionError("updateEntity", {
      connection: fixture.connection,
      entityType: "accounts",
      entityId: id,
      fieldValues: [{ key: "name", value: "Refused on retry, renamed" }],
    });
    expect(error).toMatchObject({ kind: "http", status: 412, outcomeUnknown: true });
    expect(methods()).toEqual(["PATCH", "PATCH"]);
    // The first attempt was applied: the error must not read as "nothing was written".
    expect(await named("accounts", "Refused on retry, renamed")).toBe(1);
  });

  it("still fails a DELETE of a record that was never there", async () => {
    const error = await actionError("deleteEntity", {
      connection: fixture.connection,
      entityType: "accounts",
      entityId: "00000000-0000-0000-0000-0000000000ab",
    });
    expect(error).toMatchObject({ kind: "http", status: 404 });
  });

  it("reports created as unknown for an upsert retried after its first answer was lost", async () => {
    const id = "6a1b2c3d-0000-4000-8000-00000000a5e1";
    fixture.emulator.inject({ method: "PATCH", path: "accounts", status: 504, body: "<html>Gateway Timeout</html>", afterHandling: true });
    const data = await runAction("upsertEntity", {
      connection: fixture.connection,
      entityType: "accounts",
      entityId: id,
      dynamicValues: { name: "Upserted after loss" },
    });
    expect(data).toMatchObject({ "@component.id": id, "@component.created": null });
    expect(methods()).toEqual(["PATCH", "PATCH"]);
    expect(await named("accounts", "Upserted after loss")).toBe(1);
  });

  it("says created for an upsert that was only throttled", async () => {
    const id = "6a1b2c3d-0000-4000-8000-00000000a5e2";
    fixture.emulator.inject({ method: "PATCH", path: "accounts", status: 429, headers: { "Retry-After": "1" }, body: THROTTLED });
    const data = await runAction("upsertEntity", {
      connection: fixture.connection,
      entityType: "accounts",
      entityId: id,
      dynamicValues: { name: "Upserted after 429" },
    });
    expect(data).toMatchObject({ "@component.id": id, "@component.created": true });
  });

  it("reports a create whose connection was reset after it was applied as of unknown outcome, never repeated", async () => {
    fixture.emulator.inject({ method: "POST", path: "accounts", drop: true, afterHandling: true });
    const error = await createError("Reset Co");
    expect(error).toMatchObject({ kind: "network", outcomeUnknown: true });
    expect(methods()).toEqual(["POST"]);
    expect(await named("accounts", "Reset Co")).toBe(1);
  });
});

describe("answers that cannot be read", () => {
  it("reports a create answered 201 with an HTML page as applied, never as a plain failure", async () => {
    fixture.emulator.inject({
      method: "POST",
      path: "accounts",
      status: 201,
      body: "<html><body>Created</body></html>",
      afterHandling: true,
    });
    const error = await createError("HTML Co");
    expect(error).toMatchObject({ kind: "parse", status: 201, outcomeUnknown: false });
    expect(error.dataverseMessage).toMatch(
      /^the write was applied \(Dataverse answered 201\), but the created record's id could not be read from the answer: expected JSON but the response was text\/html/,
    );
    expect(methods()).toEqual(["POST"]);
    expect(await named("accounts", "HTML Co")).toBe(1);
  });

  it("succeeds on a create whose body cannot be read when OData-EntityId names the record", async () => {
    const id = "6a1b2c3d-0000-4000-8000-0000000000e1";
    fixture.emulator.inject({
      method: "POST",
      path: "accounts",
      status: 201,
      headers: { ...JSON_TYPE, "OData-EntityId": `${fixture.emulator.apiRoot}accounts(${id})` },
      body: '{"@odata.context":"x","accountid":"6a1b',
      afterHandling: true,
    });
    const data = await create("Cut JSON Co");
    expect(data).toEqual({ "@component.id": id });
    expect(await named("accounts", "Cut JSON Co")).toBe(1);
  });

  it("refuses an empty 200 where Get Entity needs the record, naming what was missing", async () => {
    fixture.emulator.inject({ method: "GET", path: "accounts(", status: 200, headers: JSON_TYPE, body: "" });
    const error = await actionError("getEntity", {
      connection: fixture.connection,
      entityType: "accounts",
      entityId: "00000000-0000-0000-0000-000000000001",
    });
    expect(error).toMatchObject({ kind: "parse", status: 200 });
    expect((error as DataverseError).dataverseMessage).toBe("the answer had no body, where the record was expected");
  });

  it("refuses an empty 200 where Get Entity Metadata needs the table definition", async () => {
    fixture.emulator.inject({ method: "GET", path: "EntityDefinitions(", status: 200, headers: JSON_TYPE, body: "" });
    const error = await actionError("getEntityMetaData", { connection: fixture.connection, entityType: "account" });
    expect(error).toMatchObject({ kind: "parse", status: 200 });
    expect((error as DataverseError).dataverseMessage).toBe("the answer had no body, where the table definition was expected");
  });
});

describe("time", () => {
  it("gives up on a server that never answers within the request's budget", async () => {
    fixture.emulator.inject({ method: "GET", path: "leads", hang: true, times: 20 });
    const client = createDataverseClient(fixture.connection, { timeoutMs: 100, retry: { budgetMs: 1000, baseDelayMs: 300 } });
    const error = (await client.send({ method: "GET", path: "leads" }).catch((caught: unknown) => caught)) as DataverseError;
    expect(error).toMatchObject({ kind: "timeout", outcomeUnknown: false });
    expect(error.attempts).toBeGreaterThan(1);
    expect(error.dataverseMessage).toMatch(/no complete answer within \d+ ms/);
  });

  it("does not repeat a create that timed out, and says its outcome is unknown", async () => {
    fixture.emulator.inject({ method: "POST", path: "accounts", hang: true });
    const client = createDataverseClient(fixture.connection, { timeoutMs: 100 });
    const error = (await client
      .send({ method: "POST", path: "accounts", body: { name: "Timed out Co" } })
      .catch((caught: unknown) => caught)) as DataverseError;
    expect(error).toMatchObject({ kind: "timeout", outcomeUnknown: true, attempts: 1 });
    expect(methods()).toEqual(["POST"]);
  });

  it("retries a request that never left (connection refused) and says nothing was written", async () => {
    const connection = { ...fixture.connection, fields: { ...fixture.connection.fields, webApiUrl: "http://127.0.0.1:9" } };
    const client = createDataverseClient(connection, { retry: { budgetMs: 5000 } });
    const error = (await client
      .send({ method: "POST", path: "accounts", body: { name: "Never sent" } })
      .catch((caught: unknown) => caught)) as DataverseError;
    expect(error).toMatchObject({ kind: "network", outcomeUnknown: false });
    expect(error.attempts).toBeGreaterThan(1);
    expect(error.dataverseMessage).toMatch(/^the request could not be sent \(ECONNREFUSED/);
  });
});

describe("the attempt log", () => {
  it("logs one line per attempt, with the status and time, and never the token", async () => {
    const lines: string[] = [];
    fixture.emulator.inject({ method: "GET", path: "accounts", status: 503, body: { error: { code: "0x80040216", message: "Busy" } } });
    const client = createDataverseClient(fixture.connection, { log: (line) => lines.push(line) });
    const response = await client.send({ method: "GET", path: "accounts", query: { $top: 1, access_token: "abc", sig: "xyz" } });
    expect(response).toMatchObject({ status: 200, attempts: 2, throttled: 0 });
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      /^GET http:\/\/127\.0\.0\.1:\d+\/api\/data\/v9\.2\/accounts\?\$top=1&access_token=\[REDACTED\]&sig=\[REDACTED\] 503 \d+ ms$/,
    );
    expect(lines[1]).toMatch(/ 200 \d+ ms$/);
    expect(lines.join("\n")).not.toContain(fixture.emulator.accessToken);
  });
});

describe("a request that cannot be sent", () => {
  it("is refused at once, without retries, when a header cannot be sent", async () => {
    const client = createDataverseClient(fixture.connection);
    const error = (await client
      .send({ method: "GET", path: "accounts", headers: { "X-Note": "line\nbreak" } })
      .catch((caught: unknown) => caught)) as DataverseError;
    expect(error).toMatchObject({ kind: "refused", outcomeUnknown: false, attempts: 1 });
    expect(clock.slept).toEqual([]);
    expect(methods()).toEqual([]);
  });
});
