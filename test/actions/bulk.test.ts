import component from "../../src";
import { createDataverseClient, runBulk, type BulkRecordResult } from "../../src/client";
import { actionError, expectSameShape, runAction, useEmulator, useTestClock, type EmulatorFixture } from "../support";
import type { Emulator, InjectedFault, RecordedRequest } from "../emulator/server";

const example = (key: string) => (component.actions[key].examplePayload as { data: unknown }).data;

const CREATE = "accounts/Microsoft.Dynamics.CRM.CreateMultiple";

const accountsNamed = (emulator: Emulator, prefix: string) =>
  emulator.store.list(emulator.store.bySetName("accounts")!).filter((record) => String(record.name).startsWith(prefix));

const named = (prefix: string, count: number) => Array.from({ length: count }, (_, index) => ({ name: `${prefix} ${index}` }));

const writes = (requests: RecordedRequest[]) => requests.filter((request) => request.method !== "GET");

const targetsOf = (request: RecordedRequest): Record<string, unknown>[] => JSON.parse(request.body).Targets;

const run = (fixture: EmulatorFixture, key: string, params: Record<string, unknown>) =>
  runAction(key, { connection: fixture.connection, entityType: "accounts", ...params });

const outcomes = (results: BulkRecordResult[]) => results.map((result) => result.outcome);

/** Time stands still but for pauses and the emulator's costs, which take none: nothing here waits for real or depends on the machine's speed. */
const clock = useTestClock({ realTime: false });

describe("bulk writes", () => {
  const fixture = useEmulator({ clock: clock.server });

  it("creates records in chunks of batchSize, with each record's id in input order", async () => {
    const data = await run(fixture, "createMultiple", { records: named("Chunked", 25), batchSize: "10" });
    const sent = writes(fixture.emulator.takeRequests());
    expect(sent.map((request) => [request.path, targetsOf(request).length])).toEqual([
      [CREATE, 10],
      [CREATE, 10],
      [CREATE, 5],
    ]);
    expect(targetsOf(sent[0])[0]).toEqual({ name: "Chunked 0", "@odata.type": "Microsoft.Dynamics.CRM.account" });
    expect(data).toMatchObject({ sentAs: "CreateMultiple", counts: { Created: 25, Failed: 0, NotStarted: 0 } });
    expect(data.nextIndex).toBeUndefined();
    const stored = accountsNamed(fixture.emulator, "Chunked ");
    expect(stored).toHaveLength(25);
    for (const result of data.results) {
      expect(stored.find((record) => record.accountid === result.id)?.name).toBe(`Chunked ${result.index}`);
    }
    expectSameShape(data, example("createMultiple"));
  });

  it("splits a rolled-back chunk until the bad record stands alone, and writes every good one", async () => {
    const records = named("Bisect", 8);
    records[5].name = "x".repeat(161);
    const data = await run(fixture, "createMultiple", { records, batchSize: "8" });
    const sent = writes(fixture.emulator.takeRequests()).map((request) => targetsOf(request).length);
    // 8 fails; 4 written; 4 fails; 2 written; 2 fails; 1 written; 1 fails alone.
    expect(sent).toEqual([8, 4, 4, 2, 2, 1, 1]);
    expect(data.counts).toMatchObject({ Created: 7, Failed: 1 });
    expect(data.results[5]).toMatchObject({ index: 5, success: false, outcome: "Failed", error: { code: "0x80044331" } });
    expect(accountsNamed(fixture.emulator, "Bisect")).toHaveLength(7);
    expectSameShape(data, example("createMultiple"));
  });

  it("takes the $batch way for a table without the bulk messages, with the same outputs", async () => {
    const records = [{ name: "Deal 0" }, { name: "Deal 1" }, { name: "Deal 2", closeprobability: "high" }, { name: "Deal 3" }];
    const data = await run(fixture, "createMultiple", { entityType: "opportunities", records, batchSize: "3" });
    const sent = writes(fixture.emulator.takeRequests());
    expect(sent.every((request) => request.path === "$batch" && request.body.includes("changeset_"))).toBe(true);
    expect(data).toMatchObject({ sentAs: "$batch", counts: { Created: 3, Failed: 1 } });
    expect(data.results[2]).toMatchObject({ outcome: "Failed", success: false });
    const deals = fixture.emulator.store.list(fixture.emulator.store.bySetName("opportunities")!);
    for (const index of [0, 1, 3]) expect(deals.find((deal) => deal.opportunityid === data.results[index].id)?.name).toBe(`Deal ${index}`);
    // The change set named the bad record, so only the others were sent again: [0,1,2] then [0,1], then [3].
    expect(sent).toHaveLength(3);
    expectSameShape(data, example("createMultiple"));
  });

  it.each<[string, InjectedFault, boolean]>([
    ["a gateway fault after the work", { status: 502, afterHandling: true, body: "<html>Bad Gateway</html>" }, true],
    ["a connection dropped after the work", { drop: true, afterHandling: true }, true],
    ["a connection dropped before the work", { drop: true }, false],
    ["its 200 cut off mid-body", { cutOff: true, afterHandling: true }, true],
  ])("reports a CreateMultiple chunk whose answer was lost (%s) as unknown and never sends it again", async (lost, fault, written) => {
    fixture.emulator.inject({ method: "POST", path: CREATE, ...fault });
    const prefix = `Lost, ${lost},`;
    const data = await run(fixture, "createMultiple", { records: named(prefix, 6), batchSize: "3", maxParallelism: "1" });
    expect(writes(fixture.emulator.takeRequests())).toHaveLength(2);
    expect(outcomes(data.results)).toEqual([...Array(3).fill("OutcomeUnknown"), ...Array(3).fill("Created")]);
    expect(data.results[0]).toMatchObject({ success: false, error: { code: "OutcomeUnknown" } });
    expect(data.results[0]).not.toHaveProperty("id");
    if (fault.cutOff) expect(data.results[0].error.message).toMatch(/answer \(status 200\) was cut off/);
    // Exactly what the emulator stored: the created records under their ids, the unknown ones as the fault left them.
    const stored = accountsNamed(fixture.emulator, prefix);
    for (const result of data.results.slice(3)) {
      expect(stored.find((record) => record.accountid === result.id)?.name).toBe(`${prefix} ${result.index}`);
    }
    expect(stored.map((record) => record.name).sort()).toEqual([...(written ? [0, 1, 2] : []), 3, 4, 5].map((n) => `${prefix} ${n}`));
  });

  it("reports a $batch change set of creates whose answer was lost as unknown and never sends it again", async () => {
    fixture.emulator.inject({ method: "POST", path: "$batch", drop: true, afterHandling: true });
    const records = named("Batch lost", 4);
    const data = await run(fixture, "createMultiple", { entityType: "opportunities", records, batchSize: "2", maxParallelism: "1" });
    expect(writes(fixture.emulator.takeRequests())).toHaveLength(2);
    expect(data).toMatchObject({ sentAs: "$batch", counts: { OutcomeUnknown: 2, Created: 2 } });
    const deals = fixture.emulator.store.list(fixture.emulator.store.bySetName("opportunities")!);
    expect(
      deals
        .filter((deal) => String(deal.name).startsWith("Batch lost"))
        .map((deal) => deal.name)
        .sort(),
    ).toEqual(records.map((record) => record.name));
  });

  it("starts no more chunks after a refusal every chunk would meet, so the step can resume", async () => {
    fixture.emulator.inject({ method: "POST", path: CREATE, status: 307, headers: { Location: "https://elsewhere.example/" } });
    const data = await run(fixture, "createMultiple", { records: named("Redirected", 6), batchSize: "2", maxParallelism: "1" });
    expect(writes(fixture.emulator.takeRequests())).toHaveLength(1);
    expect(outcomes(data.results)).toEqual(["Failed", "Failed", ...Array(4).fill("NotStarted")]);
    expect(data.nextIndex).toBe(2);
    expect(accountsNamed(fixture.emulator, "Redirected")).toEqual([]);
  });

  it("reports a CreateMultiple chunk that timed out as unknown and never sends it again", async () => {
    fixture.emulator.inject({ method: "POST", path: CREATE, hang: true });
    // The emulator never answers: the attempt's own timeout ends it, the only real wait in this file.
    const client = createDataverseClient(fixture.connection, { timeoutMs: 100 });
    const request = { message: "CreateMultiple" as const, entitySetName: "accounts", startIndex: 0, batchSize: 2, maxParallelism: 1 };
    const data = await runBulk(client, { ...request, records: named("Hung", 4), maxDurationMs: 600_000 });
    expect(writes(fixture.emulator.takeRequests())).toHaveLength(2);
    expect(outcomes(data.results)).toEqual(["OutcomeUnknown", "OutcomeUnknown", "Created", "Created"]);
    expect(data.results[0].error?.message).toMatch(/no complete answer within 100 ms/);
    expect(
      accountsNamed(fixture.emulator, "Hung")
        .map((record) => record.name)
        .sort(),
    ).toEqual(["Hung 2", "Hung 3"]);
  });

  it("reports a CreateMultiple chunk answered 200 with a body it cannot read as created, without ids", async () => {
    fixture.emulator.inject({ method: "POST", path: CREATE, status: 200, afterHandling: true, body: "<html>OK</html>" });
    const data = await run(fixture, "createMultiple", { records: named("Unread", 4), batchSize: "2", maxParallelism: "1" });
    expect(writes(fixture.emulator.takeRequests())).toHaveLength(2);
    expect(outcomes(data.results)).toEqual(Array(4).fill("Created"));
    expect(data.results.map((result: BulkRecordResult) => result.id !== undefined)).toEqual([false, false, true, true]);
    expect(accountsNamed(fixture.emulator, "Unread")).toHaveLength(4);
  });

  it("pauses for a chunk's 429 as it asks, even with a body that is no JSON, and counts it once", async () => {
    const body = "<html>Too Many Requests</html>";
    fixture.emulator.inject({ method: "POST", path: CREATE, status: 429, headers: { "Retry-After": "2" }, body });
    const data = await run(fixture, "createMultiple", { records: named("Paused", 4), batchSize: "2", maxParallelism: "1" });
    const sent = fixture.emulator.takeRequests();
    expect(writes(sent)).toHaveLength(3);
    // Bulk's own pause, the one Retry-After asked for; the loop did not retry the 429 on its own.
    expect(clock.slept).toEqual([2000]);
    expect(data).toMatchObject({ throttled: 1, requests: sent.length, counts: { Created: 4 } });
    expect(accountsNamed(fixture.emulator, "Paused")).toHaveLength(4);
  });

  it.each<[string, InjectedFault]>([
    ["a gateway fault", { status: 502, headers: { "Retry-After": "0" }, body: "" }],
    ["a dropped connection", { drop: true }],
  ])("sends an UpsertMultiple chunk whose answer was lost (%s) again, as it is idempotent", async (_case, fault) => {
    const upsert = "accounts/Microsoft.Dynamics.CRM.UpsertMultiple";
    fixture.emulator.inject({ method: "POST", path: upsert, afterHandling: true, ...fault });
    const records = [1, 2].map((n) => ({ "@odata.id": `accounts(accountnumber='UP-${n}')`, name: `Upsert ${n}` }));
    const data = await run(fixture, "upsertMultiple", { records });
    expect(writes(fixture.emulator.takeRequests()).map((request) => request.path)).toEqual([upsert, upsert]);
    expect(data.counts).toMatchObject({ Upserted: 2, OutcomeUnknown: 0 });
    expect(accountsNamed(fixture.emulator, "Upsert")).toHaveLength(2);
    // UpsertMultiple answers 204 without ids; a record named by alternate key has none to report.
    expectSameShape(data, example("upsertMultiple"), { optional: ["id"] });
  });

  it("reports an UpsertMultiple chunk as unknown when every answer within the budget is lost", async () => {
    const upsert = "accounts/Microsoft.Dynamics.CRM.UpsertMultiple";
    fixture.emulator.inject({ method: "POST", path: upsert, afterHandling: true, status: 502, body: "", times: 1000 });
    const records = [{ "@odata.id": "accounts(accountnumber='GONE-1')", name: "Gone 1" }];
    const data = await run(fixture, "upsertMultiple", { records });
    const sent = writes(fixture.emulator.takeRequests());
    expect(sent.length).toBeGreaterThan(1);
    expect(sent.every((request) => request.path === upsert)).toBe(true);
    expect(data.results[0]).toMatchObject({ outcome: "OutcomeUnknown", success: false, error: { code: "OutcomeUnknown" } });
    // Written, and only once for all the attempts: an upsert repeated names the same record.
    expect(accountsNamed(fixture.emulator, "Gone")).toHaveLength(1);
  });

  it("reports an UpdateMultiple chunk whose every answer was lost as unknown, the loop saying the write may have happened", async () => {
    const created = await run(fixture, "createMultiple", { records: named("Dropped", 2) });
    const update = "accounts/Microsoft.Dynamics.CRM.UpdateMultiple";
    fixture.emulator.takeRequests();
    fixture.emulator.inject({ method: "POST", path: update, afterHandling: true, drop: true, times: 1000 });
    const records = created.results.map((result: { id: string }) => ({ accountid: result.id, telephone1: "555-0199" }));
    const data = await run(fixture, "updateMultiple", { records });
    const sent = writes(fixture.emulator.takeRequests());
    // Sent again as a PATCH would be, never anything else.
    expect(sent.length).toBeGreaterThan(1);
    expect(sent.every((request) => request.path === update)).toBe(true);
    expect(data.counts).toMatchObject({ Updated: 0, OutcomeUnknown: 2, Failed: 0 });
    // The loop's own verdict, not bulk's guess from the error's kind: the write may have happened, after several attempts.
    expect(data.results[0].error).toMatchObject({
      code: "OutcomeUnknown",
      message: expect.stringMatching(
        /^The outcome of POST accounts\/Microsoft\.Dynamics\.CRM\.UpdateMultiple is unknown: .*tried \d+ times/,
      ),
    });
    // Applied, and the same however often: two records, each with the one new value.
    expect(accountsNamed(fixture.emulator, "Dropped").map((record) => record.telephone1)).toEqual(["555-0199", "555-0199"]);
  });

  it.each<[string, string, InjectedFault[]]>([
    [
      "a $batch change set, refused on its retry",
      "opportunities",
      [{ path: "$batch", status: 400, body: { error: { code: "0x80040216", message: "Refused." } }, times: 1000 }],
    ],
    [
      "an UpdateMultiple chunk, throttled on its retry and then refused",
      "accounts",
      [
        { path: /UpdateMultiple$/, status: 429, headers: { "Retry-After": "1" } },
        { path: /UpdateMultiple$/, status: 400, body: { error: { code: "0x80040216", message: "Refused." } }, times: 1000 },
      ],
    ],
  ])("reports %s after a lost answer as unknown, never as failed: the first attempt applied it", async (_, entityType, later) => {
    const prefix = `Refused after loss ${entityType}`;
    const created = await run(fixture, "createMultiple", { entityType, records: named(prefix, 2) });
    const path = entityType === "accounts" ? /UpdateMultiple$/ : "$batch";
    fixture.emulator.inject({ method: "POST", path, drop: true, afterHandling: true });
    for (const fault of later) fixture.emulator.inject({ method: "POST", ...fault });
    const key = entityType === "accounts" ? "accountid" : "opportunityid";
    const records = created.results.map((result: { id: string }) => ({ [key]: result.id, name: `${prefix} applied` }));
    const data = await run(fixture, "updateMultiple", { entityType, records });
    fixture.emulator.clearFaults();
    expect(data.counts).toMatchObject({ Updated: 0, OutcomeUnknown: 2, Failed: 0 });
    const stored = fixture.emulator.store.list(fixture.emulator.store.bySetName(entityType)!);
    const ours = stored.filter((record) => String(record.name).startsWith(prefix));
    expect(ours.map((record) => record.name)).toEqual([`${prefix} applied`, `${prefix} applied`]);
  });

  it("upserts by alternate key, updating the records that exist and creating the rest", async () => {
    await run(fixture, "createMultiple", { records: [{ name: "Keyed old", accountnumber: "K-1" }] });
    const records = [
      { "@odata.id": "accounts(accountnumber='K-1')", name: "Keyed 1" },
      { "@odata.id": "accounts(accountnumber='K-2')", name: "Keyed 2" },
    ];
    const data = await run(fixture, "upsertMultiple", { records });
    expect(data).toMatchObject({ sentAs: "UpsertMultiple", counts: { Upserted: 2 } });
    const stored = accountsNamed(fixture.emulator, "Keyed");
    expect(stored.map((record) => [record.accountnumber, record.name]).sort()).toEqual([
      ["K-1", "Keyed 1"],
      ["K-2", "Keyed 2"],
    ]);
  });

  it("updates records by their primary key", async () => {
    const created = await run(fixture, "createMultiple", { records: named("Update", 3) });
    const records = created.results.map((result: { id: string }, index: number) => ({
      accountid: result.id,
      telephone1: `555-010${index}`,
    }));
    const data = await run(fixture, "updateMultiple", { records });
    expect(data).toMatchObject({ sentAs: "UpdateMultiple", counts: { Updated: 3 } });
    expect(data.results.map((result: { id: string }) => result.id)).toEqual(
      records.map((record: { accountid: string }) => record.accountid),
    );
    expect(
      accountsNamed(fixture.emulator, "Update ")
        .map((record) => record.telephone1)
        .sort(),
    ).toEqual(["555-0100", "555-0101", "555-0102"]);
    expectSameShape(data, example("updateMultiple"));
  });

  it.each([
    ["not an array", { records: '{"name": "Contoso"}' }, /^Records: must be a non-empty JSON array/],
    ["an empty array", { records: [] }, /^Records: must be a non-empty JSON array/],
    ["batchSize 0", { records: named("Bad", 1), batchSize: "0" }, /^Batch Size: '0' must be a whole number from 1 to 1000/],
    ["batchSize 1001", { records: named("Bad", 1), batchSize: "1001" }, /^Batch Size: '1001' must be a whole number from 1 to 1000/],
    ["a record that is no object", { records: [{ name: "A" }, "B"] }, /^Records: record 1: must be a JSON object/],
  ])("refuses %s before any request", async (_case, params, message) => {
    const error = await actionError("createMultiple", { connection: fixture.connection, entityType: "accounts", ...params });
    expect(error.message).toMatch(message);
    expect(fixture.emulator.takeRequests()).toEqual([]);
  });

  it("refuses an upsert record without its key, or with a key repeated, before any request", async () => {
    const missing = await actionError("upsertMultiple", {
      connection: fixture.connection,
      entityType: "accounts",
      records: [{ "@odata.id": "accounts(accountnumber='A-1')" }, { name: "No key" }],
    });
    expect(missing.message).toMatch(/^Records: record 1: has no '@odata.id'/);
    const repeated = await actionError("upsertMultiple", {
      connection: fixture.connection,
      entityType: "accounts",
      records: [{ "@odata.id": "accounts(accountnumber='A-1')" }, { "@odata.id": "accounts(accountnumber='a-1')" }],
    });
    expect(repeated.message).toMatch(/^Records: record 1: has the same key as record 0/);
    expect(fixture.emulator.takeRequests()).toEqual([]);
  });

  it("refuses an update record without its primary key before anything is written", async () => {
    const error = await actionError("updateMultiple", {
      connection: fixture.connection,
      entityType: "accounts",
      records: [{ accountid: "00000000-0000-0000-0000-000000000001", name: "A" }, { name: "No key" }],
    });
    expect(error.message).toMatch(/^Records: record 1: has no primary key: give each record its 'accountid' column/);
    expect(writes(fixture.emulator.takeRequests())).toEqual([]);
  });
});

describe("bulk writes under service protection", () => {
  const fixture = useEmulator({ serviceProtection: { enabled: true, windowMs: 100, maxRequests: 3, dopHint: 6 }, clock: clock.server });

  it("honours Retry-After on every 429 and ends with every record written once", async () => {
    const refusedBefore = fixture.emulator.serviceProtection.refused;
    const data = await run(fixture, "createMultiple", { records: named("Throttled", 60), batchSize: "5" });
    const refused = fixture.emulator.serviceProtection.refused - refusedBefore;
    expect(refused).toBeGreaterThan(0);
    expect(data.throttled).toBe(refused);
    // Bulk paused for what the emulator asked (its window frees within 100 ms), never the 1 s it waits when not told,
    // once for each wave of 429s; the loop paused for none of them, as bulk takes every chunk's 429 itself.
    expect(clock.slept.length).toBeGreaterThan(0);
    expect(clock.slept.length).toBeLessThanOrEqual(refused);
    expect(Math.max(...clock.slept)).toBeLessThanOrEqual(100);
    expect(data.counts).toMatchObject({ Created: 60, Failed: 0, OutcomeUnknown: 0, NotStarted: 0 });
    const stored = accountsNamed(fixture.emulator, "Throttled");
    expect(new Set(stored.map((record) => record.name)).size).toBe(60);
    expect(stored).toHaveLength(60);
    // Every request counted once: 12 chunks written, each refusal, and the two lookups of the table.
    expect(data.requests).toBe(12 + refused + 2);
    expect(fixture.emulator.takeRequests()).toHaveLength(data.requests);
  });
});

describe("bulk writes over a time budget", () => {
  const fixture = useEmulator({ serviceProtection: { costPerRequestMs: 25 }, clock: clock.server });

  it("stops starting chunks at maxDurationSeconds and resumes from nextIndex without writing anything twice", async () => {
    const records = named("Resume", 12);
    const first = await run(fixture, "createMultiple", { records, batchSize: "1", maxParallelism: "1", maxDurationSeconds: "0.2" });
    // Every request costs 25 ms of the clock's time: the two lookups of the table end at 50 ms, chunk k at 75 + 25k ms.
    // A chunk starts while the time so far and an average chunk's fit in 200 ms: chunks 0 to 5.
    expect(first.nextIndex).toBe(6);
    expect(first.elapsedMs).toBe(200);
    const done = first.results.filter((result: { outcome: string }) => result.outcome === "Created");
    expect(done.map((result: { index: number }) => result.index)).toEqual([...Array(first.nextIndex).keys()]);
    expect(first.counts.NotStarted).toBe(12 - first.nextIndex);
    const second = await run(fixture, "createMultiple", { records, batchSize: "4", startIndex: String(first.nextIndex) });
    expect(second.nextIndex).toBeUndefined();
    expect(second.results[0].index).toBe(first.nextIndex);
    expect(second.counts.Created).toBe(12 - first.nextIndex);
    const stored = accountsNamed(fixture.emulator, "Resume");
    expect(stored).toHaveLength(12);
    expect(new Set(stored.map((record) => record.name)).size).toBe(12);
  });
});
