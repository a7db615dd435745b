import component from "../../src";
import { batchActions } from "../../src/inputs/batch";
import { SEED } from "../emulator/seed";
import { actionError, expectSameShape, runAction, useEmulator } from "../support";

const fixture = useEmulator();
const example = (component.actions.batchEntityActions.examplePayload as { data: { results: Record<string, unknown>[] } }).data;
const MISSING = "00000000-0000-4000-8000-0000000000ff";

const run = (actions: unknown, options: Record<string, unknown> = {}) =>
  runAction("batchEntityActions", { connection: fixture.connection, actions: JSON.stringify(actions), ...options });

const accounts = () => fixture.emulator.store.list(fixture.emulator.store.bySetName("accounts")!);
const accountNamed = (name: string) => accounts().find((record) => record.name === name);

/** Request lines of the parts inside a recorded `$batch` body. */
const requestLines = (body: string): string[] => body.split("\r\n").filter((line) => / HTTP\/1\.1$/.test(line));

/** The example lists a success first and a failure second; each result is compared with the one of its kind. */
const expectShapeOfExample = (data: { results: { success: boolean; status: number | null }[] }) => {
  expectSameShape({ ...data, results: [] }, example);
  for (const result of data.results) {
    // `id` is there when Dataverse tells it, `data` only when the operation asked for its record back.
    expectSameShape(result, result.success ? example.results[0] : example.results[1], { path: "result", optional: ["id", "data"] });
  }
};

const createOperation = (name: string, extra: Record<string, unknown> = {}) => ({
  collection: "accounts",
  action: "create",
  data: { name },
  ...extra,
});

describe("batchEntityActions", () => {
  it("runs its default example on any org as one $batch: create, update and delete of the same account", async () => {
    const operations = batchActions.clean!(batchActions.default);
    expect(operations.map((operation) => operation.action)).toEqual(["create", "update", "delete"]);

    const data = await runAction("batchEntityActions", { connection: fixture.connection, actions: batchActions.default });
    expect(data.results.map((result: { status: number }) => result.status)).toEqual([201, 200, 204]);
    expect(data.results[1].data.name).toBe("Test Account 2");
    const requests = fixture.emulator.takeRequests();
    expect(requests).toHaveLength(1);
    expect(requestLines(requests[0].body)).toEqual([
      "POST /api/data/v9.2/accounts HTTP/1.1",
      "PATCH /api/data/v9.2/accounts(00000000-0000-0000-0000-000000000002) HTTP/1.1",
      "DELETE /api/data/v9.2/accounts(00000000-0000-0000-0000-000000000002) HTTP/1.1",
    ]);
  });

  it("runs mixed operations, reports each in input order and goes on past a failure by default", async () => {
    const seeded = await run([createOperation("Mixed Update Target"), createOperation("Mixed Delete Target")]);
    const [updateId, deleteId] = seeded.results.map((result: { id: string }) => result.id);
    fixture.emulator.takeRequests();

    const data = await run([
      createOperation("Mixed Created", { returnRepresentation: true }),
      { collection: "accounts", action: "update", key: updateId, data: { revenue: 10 } },
      { collection: "accounts", action: "update", key: MISSING, data: { revenue: 20 } },
      { collection: "accounts", action: "upsert", key: "accountnumber='M-1'", data: { name: "Mixed Upserted" } },
      { collection: "accounts", action: "delete", key: deleteId },
    ]);

    expect(data.summary).toEqual({ succeeded: 4, failed: 1 });
    expect(
      data.results.map((result: { index: number; status: number; success: boolean }) => [result.index, result.status, result.success]),
    ).toEqual([
      [0, 201, true],
      [1, 204, true],
      [2, 404, false],
      [3, 204, true],
      [4, 204, true],
    ]);
    const created = data.results[0];
    expect(created.data).toMatchObject({ name: "Mixed Created", accountid: created.id });
    expect(data.results[1]).toEqual({ index: 1, action: "update", collection: "accounts", status: 204, success: true, id: updateId });
    expect(data.results[2].error).toEqual({ code: "0x80040217", message: `Entity 'account' With Id = ${MISSING} Does Not Exist` });
    expect(accountNamed("Mixed Update Target")?.revenue).toBe(10);
    expect(accountNamed("Mixed Upserted")?.accountnumber).toBe("M-1");
    expect(accountNamed("Mixed Delete Target")).toBeUndefined();
    expectShapeOfExample(data);

    const requests = fixture.emulator.takeRequests();
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ method: "POST", path: "$batch", headers: { prefer: "odata.continue-on-error" } });
    expect(requests[0].headers["content-type"]).toMatch(/^multipart\/mixed; boundary="batch_[0-9a-f-]{36}"$/);
    expect(requests[0].body).toContain(
      `PATCH /api/data/v9.2/accounts(${updateId}) HTTP/1.1\r\nContent-Type: application/json; type=entry\r\nIf-Match: *\r\n\r\n{"revenue":10}`,
    );
    expect(requests[0].body).toContain(
      `PATCH /api/data/v9.2/accounts(accountnumber='M-1') HTTP/1.1\r\nContent-Type: application/json; type=entry\r\n\r\n{"name":"Mixed Upserted"}`,
    );
  });

  it("stops at the first failure when Continue On Error is off and reports the rest as not executed", async () => {
    const data = await run(
      [
        createOperation("Stop Before"),
        { collection: "accounts", action: "delete", key: MISSING },
        createOperation("Stop After"),
        { collection: "accounts", action: "upsert", key: "accountnumber='S-1'", data: { name: "Stop Upsert" } },
      ],
      { continueOnError: false },
    );
    expect(data.summary).toEqual({ succeeded: 1, failed: 3 });
    expect(data.results[0]).toMatchObject({ index: 0, status: 204, success: true });
    expect(data.results[1]).toMatchObject({
      index: 1,
      action: "delete",
      status: 404,
      success: false,
      id: MISSING,
      error: { code: "0x80040217" },
    });
    for (const index of [2, 3]) {
      expect(data.results[index]).toMatchObject({
        index,
        status: null,
        success: false,
        error: { code: "NotExecuted", message: "Not executed: Dataverse stopped the batch at operation 1, which failed." },
      });
    }
    expect(accountNamed("Stop Before")).toBeDefined();
    expect(accountNamed("Stop After")).toBeUndefined();
    expect(accountNamed("Stop Upsert")).toBeUndefined();
    expectShapeOfExample(data);
    const [request] = fixture.emulator.takeRequests();
    expect(request.headers.prefer).toBeUndefined();
  });

  const onlyFailingPart = (contentId?: string) => ({
    method: "POST",
    path: "$batch",
    afterHandling: true,
    status: 400,
    headers: { "Content-Type": "multipart/mixed; boundary=batchresponse_only" },
    body: [
      "--batchresponse_only",
      "Content-Type: application/http",
      "Content-Transfer-Encoding: binary",
      ...(contentId ? [`Content-ID: ${contentId}`] : []),
      "",
      "HTTP/1.1 404 Not Found",
      "Content-Type: application/json; odata.metadata=minimal",
      "",
      '{"error":{"code":"0x80040217","message":"Entity \'account\' Does Not Exist"}}',
      "--batchresponse_only--",
      "",
    ].join("\r\n"),
  });
  const stopsAtDelete = (prefix: string) => [
    createOperation(`${prefix} Before`),
    { collection: "accounts", action: "delete", key: MISSING },
    createOperation(`${prefix} After`),
  ];

  it("maps an answer holding only the failing part by its Content-ID, and never calls an operation before it not executed", async () => {
    fixture.emulator.inject(onlyFailingPart("2"));
    const data = await run(stopsAtDelete("Only Failing"), { continueOnError: false });
    expect(data.results[0]).toMatchObject({ index: 0, status: null, success: false, error: { code: "OutcomeUnknown" } });
    expect(data.results[0].error.message).toMatch(/it ran before operation 1 failed, so it was probably applied/);
    expect(data.results[1]).toMatchObject({ index: 1, status: 404, success: false, error: { code: "0x80040217" } });
    expect(data.results[2]).toMatchObject({ index: 2, status: null, error: { code: "NotExecuted" } });
    expect(accountNamed("Only Failing Before")).toBeDefined();
    expectShapeOfExample(data);
    const [request] = fixture.emulator.takeRequests();
    expect(request.body.match(/^Content-ID: \d+$/gm)).toEqual(["Content-ID: 1", "Content-ID: 2", "Content-ID: 3"]);
  });

  it("never calls an operation not executed when Continue On Error is on and its part is missing after a failure", async () => {
    fixture.emulator.inject(onlyFailingPart("2"));
    const data = await run(stopsAtDelete("Continued"), { continueOnError: true });
    expect(data.summary).toEqual({ succeeded: 0, failed: 3 });
    expect(data.results[1]).toMatchObject({ index: 1, status: 404, success: false, error: { code: "0x80040217" } });
    for (const index of [0, 2]) {
      expect(data.results[index]).toMatchObject({
        index,
        status: null,
        success: false,
        error: {
          code: "OutcomeUnknown",
          message: "Outcome unknown: Dataverse returned no response for this operation. Check the record before sending it again.",
        },
      });
    }
    expect(accountNamed("Continued After")).toBeDefined();
    expectShapeOfExample(data);
    const [request] = fixture.emulator.takeRequests();
    expect(request.headers.prefer).toBe("odata.continue-on-error");
  });

  it("places a lone failing part that names no operation on the first one, as Dataverse answers in order and stops there", async () => {
    fixture.emulator.inject(onlyFailingPart());
    const operations = [
      { collection: "accounts", action: "delete", key: MISSING },
      createOperation("Unnamed After A"),
      createOperation("Unnamed After B"),
    ];
    const data = await run(operations, { continueOnError: false });
    expect(data.summary).toEqual({ succeeded: 0, failed: 3 });
    expect(data.results[0]).toMatchObject({ index: 0, status: 404, success: false, error: { code: "0x80040217" } });
    for (const index of [1, 2]) {
      expect(data.results[index]).toMatchObject({ index, status: null, error: { code: "NotExecuted" } });
    }
    expect(accountNamed("Unnamed After A")).toBeUndefined();
    expect(accountNamed("Unnamed After B")).toBeUndefined();
  });

  it("reports every operation's outcome as unknown when parts that name none of them cannot be placed (Continue On Error)", async () => {
    fixture.emulator.inject(onlyFailingPart());
    const data = await run(stopsAtDelete("Unplaced"), { continueOnError: true });
    expect(data.summary).toEqual({ succeeded: 0, failed: 3 });
    for (const index of [0, 1, 2]) {
      expect(data.results[index]).toMatchObject({ index, status: null, success: false, error: { code: "OutcomeUnknown" } });
      expect(data.results[index].error.message).toMatch(
        /^Outcome unknown: Dataverse answered the 3 operations with 1 part\(s\) that name no operation and fit no documented pattern/,
      );
    }
  });

  it("maps parts without Content-IDs by position: successes so far, then the failure, the rest not executed", async () => {
    const part = (status: string, body = "") =>
      [
        "--batchresponse_pos",
        "Content-Type: application/http",
        "Content-Transfer-Encoding: binary",
        "",
        status,
        "Content-Type: application/json; odata.metadata=minimal",
        "",
        body,
      ].join("\r\n");
    fixture.emulator.inject({
      method: "POST",
      path: "$batch",
      afterHandling: true,
      status: 400,
      headers: { "Content-Type": "multipart/mixed; boundary=batchresponse_pos" },
      body: [
        part("HTTP/ 1.1 204 No Content"),
        part("HTTP/1.1 404 Not Found", '{"error":{"code":"0x80040217","message":"Entity \'account\' Does Not Exist"}}'),
        "--batchresponse_pos--",
        "",
      ].join("\r\n"),
    });
    const data = await run(stopsAtDelete("Positional"), { continueOnError: false });
    expect(data.results[0]).toMatchObject({ index: 0, status: 204, success: true });
    expect(data.results[1]).toMatchObject({ index: 1, status: 404, error: { code: "0x80040217" } });
    expect(data.results[2]).toMatchObject({ index: 2, status: null, error: { code: "NotExecuted" } });
    expect(accountNamed("Positional Before")).toBeDefined();
    expect(accountNamed("Positional After")).toBeUndefined();
  });

  it.each([true, false])(
    "rolls an atomic batch back entirely, naming the operation that failed (Continue On Error %p)",
    async (continueOnError) => {
      const before = accounts().length;
      const data = await run(
        [
          createOperation("Atomic One"),
          createOperation("Atomic Two", { returnRepresentation: true }),
          { collection: "accounts", action: "update", key: SEED.accounts.contoso, data: { revenue: 1 } },
          { collection: "accounts", action: "update", key: MISSING, data: { name: "nope" } },
        ],
        { atomic: true, continueOnError },
      );
      expect(data.summary).toEqual({ succeeded: 0, failed: 4 });
      expect(data.results[3]).toMatchObject({ index: 3, status: 404, success: false, error: { code: "0x80040217" } });
      for (const index of [0, 1, 2]) {
        expect(data.results[index]).toMatchObject({
          index,
          status: null,
          success: false,
          error: {
            code: "RolledBack",
            message: "Rolled back: operation 3 (update accounts) failed, so no operation of the change set was applied.",
          },
        });
      }
      expect(accounts()).toHaveLength(before);
      expect(accountNamed("Atomic One")).toBeUndefined();
      expect(fixture.emulator.store.find(fixture.emulator.store.bySetName("accounts")!, SEED.accounts.contoso)?.revenue).toBe(5000000);
      expectShapeOfExample(data);

      const [request] = fixture.emulator.takeRequests();
      expect(request.body.match(/^Content-ID: \d+$/gm)).toEqual(["Content-ID: 1", "Content-ID: 2", "Content-ID: 3", "Content-ID: 4"]);
    },
  );

  it("applies a successful atomic batch and reads every id from its change set response", async () => {
    const data = await run([createOperation("Atomic Kept A"), createOperation("Atomic Kept B", { returnRepresentation: true })], {
      atomic: true,
    });
    expect(data.summary).toEqual({ succeeded: 2, failed: 0 });
    expect(data.results[0].id).toBe(accountNamed("Atomic Kept A")?.accountid);
    expect(data.results[1]).toMatchObject({ status: 201, id: accountNamed("Atomic Kept B")?.accountid, data: { name: "Atomic Kept B" } });
  });

  /** A committed change set's answer, holding a 204 part for each Content-ID given. */
  const changeSetAnswer = (...contentIds: string[]) => ({
    method: "POST",
    path: "$batch",
    afterHandling: true,
    status: 200,
    headers: { "Content-Type": "multipart/mixed; boundary=batchresponse_cs" },
    body: [
      "--batchresponse_cs",
      "Content-Type: multipart/mixed; boundary=changesetresponse_cs",
      "",
      ...contentIds.flatMap((contentId) => [
        "--changesetresponse_cs",
        "Content-Type: application/http",
        "Content-Transfer-Encoding: binary",
        `Content-ID: ${contentId}`,
        "",
        "HTTP/1.1 204 No Content",
        "",
        "",
      ]),
      "--changesetresponse_cs--",
      "--batchresponse_cs--",
      "",
    ].join("\r\n"),
  });

  it("reports an operation a committed change set's answer left out as applied, with no status", async () => {
    fixture.emulator.inject(changeSetAnswer("1"));
    const data = await run(
      [
        { collection: "accounts", action: "update", key: SEED.accounts.contoso, data: { telephone1: "555-0101" } },
        { collection: "accounts", action: "update", key: SEED.accounts.fabrikam, data: { telephone1: "555-0102" } },
      ],
      { atomic: true },
    );
    expect(data.summary).toEqual({ succeeded: 2, failed: 0 });
    expect(data.results[0]).toEqual({
      index: 0,
      action: "update",
      collection: "accounts",
      status: 204,
      success: true,
      id: SEED.accounts.contoso,
    });
    expect(data.results[1]).toEqual({
      index: 1,
      action: "update",
      collection: "accounts",
      status: null,
      success: true,
      id: SEED.accounts.fabrikam,
    });
    expect(fixture.emulator.store.find(fixture.emulator.store.bySetName("accounts")!, SEED.accounts.fabrikam)?.telephone1).toBe("555-0102");
    expectShapeOfExample(data);
  });

  it("reports every operation as of unknown outcome when a change set answer repeats a Content-ID, as no part can be placed", async () => {
    fixture.emulator.inject(changeSetAnswer("1", "1"));
    const data = await run([createOperation("Repeated Id A"), createOperation("Repeated Id B")], { atomic: true });
    for (const index of [0, 1]) {
      expect(data.results[index]).toMatchObject({ index, status: null, success: false, error: { code: "OutcomeUnknown" } });
      expect(data.results[index].error.message).toMatch(
        /^Outcome unknown: Dataverse answered the \$batch with 200, so it ran, but its answer could not be read \(a change set response part has an unknown or repeated Content-ID\)/,
      );
    }
  });

  it("round-trips record text holding a boundary-like line and CRLFs", async () => {
    const description =
      "before\r\n--batchresponse_00000000-0000-0000-0000-000000000000\r\nContent-Type: application/http\r\n\r\nHTTP/1.1 500 Internal Server Error\r\n--batch_x--\r\nafter";
    const data = await run([
      { collection: "accounts", action: "create", returnRepresentation: true, data: { name: "--batchresponse_ Co", description } },
      createOperation("After Tricky Text", { returnRepresentation: true }),
    ]);
    expect(data.summary).toEqual({ succeeded: 2, failed: 0 });
    expect(data.results[0].data).toMatchObject({ name: "--batchresponse_ Co", description });
    expect(data.results[1].data).toMatchObject({ name: "After Tricky Text" });
    expect(accountNamed("--batchresponse_ Co")?.description).toBe(description);
  });

  it("sends 1000 operations as one request", async () => {
    const data = await run(Array.from({ length: 1000 }, (_, index) => createOperation(`Thousand ${index}`)));
    expect(data.summary).toEqual({ succeeded: 1000, failed: 0 });
    expect(new Set(data.results.map((result: { id: string }) => result.id)).size).toBe(1000);
    expect(data.results[999]).toMatchObject({ index: 999, id: accountNamed("Thousand 999")?.accountid });
    const requests = fixture.emulator.takeRequests();
    expect(requests).toHaveLength(1);
    expect(requestLines(requests[0].body)).toHaveLength(1000);
  });

  it("sends 2500 operations as three consecutive requests and reports them as one result", async () => {
    const data = await run(Array.from({ length: 2500 }, (_, index) => createOperation(`Bulk ${index}`)));
    expect(data.results).toHaveLength(2500);
    expect(data.summary).toEqual({ succeeded: 2500, failed: 0 });
    expect(data.results.every((result: { index: number }, position: number) => result.index === position)).toBe(true);
    expect(data.results[2499].id).toBe(accountNamed("Bulk 2499")?.accountid);
    const requests = fixture.emulator.takeRequests();
    expect(requests.map((request) => [request.path, requestLines(request.body).length])).toEqual([
      ["$batch", 1000],
      ["$batch", 1000],
      ["$batch", 500],
    ]);
    expect(requestLines(requests[1].body)[0]).toBe("POST /api/data/v9.2/accounts HTTP/1.1");
    expect(requests[2].body).toContain('{"name":"Bulk 2000"}');
  });

  it("does not send the next requests once a request failed and Continue On Error is off", async () => {
    const operations = Array.from({ length: 1500 }, (_, index) => createOperation(`Halt ${index}`));
    operations[10] = { collection: "accounts", action: "create", data: { name: 42 } } as never;
    const data = await run(operations, { continueOnError: false });
    expect(data.summary).toEqual({ succeeded: 10, failed: 1490 });
    expect(data.results[10]).toMatchObject({
      status: 400,
      error: { message: "Cannot convert the literal '42' to the expected type 'Edm.String'." },
    });
    expect(data.results[1499]).toMatchObject({
      status: null,
      error: {
        code: "NotExecuted",
        message: "Not executed: operation 10 failed and Continue On Error is off, so the batch stopped there.",
      },
    });
    expect(fixture.emulator.takeRequests()).toHaveLength(1);
  });

  it.each([
    ["an HTML page", 504, "<html>Gateway Timeout</html>", "Lost"],
    ["a Dataverse error code", 503, { error: { code: "0x80040216", message: "An unexpected error occurred." } }, "Coded"],
  ])(
    "keeps the results of earlier requests when a later request's answer is lost, its body holding %s",
    async (_name, status, body, prefix) => {
      const { emulator } = fixture;
      // Armed while the first request runs, so the fault answers the second one.
      const stopListening = emulator.store.onChange(() => {
        stopListening();
        emulator.inject({ method: "POST", path: "$batch", status, body, afterHandling: true });
      });
      const data = await run(Array.from({ length: 1200 }, (_, index) => createOperation(`${prefix} ${index}`)));
      expect(data.summary).toEqual({ succeeded: 1000, failed: 200 });
      expect(data.results[999]).toMatchObject({ success: true, id: accountNamed(`${prefix} 999`)?.accountid });
      expect(data.results[1000]).toMatchObject({ index: 1000, status, success: false, error: { code: "OutcomeUnknown" } });
      expect(data.results[1199].error.message).toMatch(
        /^The outcome of POST \$batch is unknown: .*check the record before sending it again/,
      );
      expect(emulator.takeRequests()).toHaveLength(2);
      expect(accountNamed(`${prefix} 1199`)).toBeDefined();
    },
  );

  it("does not send the next requests once a request's answer was lost and Continue On Error is off", async () => {
    const { emulator } = fixture;
    const stopListening = emulator.store.onChange(() => {
      stopListening();
      emulator.inject({ method: "POST", path: "$batch", status: 504, body: "<html>Gateway Timeout</html>", afterHandling: true });
    });
    const data = await run(
      Array.from({ length: 2100 }, (_, index) => createOperation(`Halted Lost ${index}`)),
      { continueOnError: false },
    );
    expect(data.results[1000]).toMatchObject({ status: 504, error: { code: "OutcomeUnknown" } });
    expect(data.results[2099]).toMatchObject({
      status: null,
      success: false,
      error: {
        code: "NotExecuted",
        message: "Not executed: the outcome of operation 1000 is unknown and Continue On Error is off, so the batch stopped there.",
      },
    });
    expect(emulator.takeRequests()).toHaveLength(2);
    expect(accountNamed("Halted Lost 2000")).toBeUndefined();
  });

  it("refuses an atomic batch of more than 1000 operations before sending anything", async () => {
    const error = await actionError("batchEntityActions", {
      connection: fixture.connection,
      actions: Array.from({ length: 1001 }, (_, index) => createOperation(`Too many ${index}`)),
      atomic: true,
    });
    expect(error.message).toMatch(/^Atomic: a change set holds at most 1000 operations, but 1001 were given/);
    expect(fixture.emulator.takeRequests()).toHaveLength(0);
  });

  it("retries a throttled batch, which Dataverse refused before doing anything", async () => {
    fixture.emulator.inject({
      method: "POST",
      path: "$batch",
      status: 429,
      headers: { "Retry-After": "0" },
      body: { error: { code: "0x80072322", message: "Number of requests exceeded the limit of 6000 over time window of 300 seconds." } },
    });
    const data = await run([createOperation("Throttled Batch Co")]);
    expect(data.summary).toEqual({ succeeded: 1, failed: 0 });
    expect(fixture.emulator.takeRequests()).toHaveLength(2);
    expect(accounts().filter((record) => record.name === "Throttled Batch Co")).toHaveLength(1);
  });

  it("never repeats a batch whose answer was lost at the gateway", async () => {
    fixture.emulator.inject({ method: "POST", path: "$batch", status: 502, body: "<html>Bad Gateway</html>", afterHandling: true });
    const error = await actionError("batchEntityActions", {
      connection: fixture.connection,
      actions: [createOperation("Gateway Batch Co")],
    });
    expect(error.message).toMatch(/^The outcome of POST \$batch is unknown: .*not retried/);
    expect(error).toMatchObject({ status: 502, outcomeUnknown: true });
    expect(fixture.emulator.takeRequests()).toHaveLength(1);
    expect(accounts().filter((record) => record.name === "Gateway Batch Co")).toHaveLength(1);
  });

  it("turns a plain JSON refusal of the whole batch into a clear error", async () => {
    const body = '{"error":{"code":"0x0","message":"The batch request could not be read."}}';
    fixture.emulator.inject({
      method: "POST",
      path: "$batch",
      status: 400,
      headers: { "Content-Type": "application/json; charset=utf-8" },
      body,
    });
    const error = await actionError("batchEntityActions", { connection: fixture.connection, actions: [createOperation("Odd Answer Co")] });
    expect(error.message).toMatch(/^Dataverse answered 400 for POST \$batch: The batch request could not be read\. \(code 0x0/);
    expect(error).toMatchObject({ name: "DataverseError", kind: "http", outcomeUnknown: false });
  });

  it.each([
    ["an HTML page", "text/html", "<html><body>Sign in</body></html>", /it was text\/html, not multipart\/mixed: <html>/],
    [
      "a cut-off multipart body",
      "multipart/mixed; boundary=batchresponse_cut",
      "--batchresponse_cut\r\nContent-Type: application/http\r\n\r\nHTTP/1.1 204 No",
      /the body ends without its closing delimiter/,
    ],
  ])(
    "reports each operation of a batch answered 200 with %s as applied or not, never as a plain failure",
    async (_name, contentType, body, cause) => {
      fixture.emulator.inject({
        method: "POST",
        path: "$batch",
        status: 200,
        headers: { "Content-Type": contentType },
        body,
        afterHandling: true,
      });
      const data = await run([createOperation(`Odd Answer ${contentType}`)]);
      expect(data.results[0]).toMatchObject({ index: 0, status: null, success: false, error: { code: "OutcomeUnknown" } });
      expect(data.results[0].error.message).toMatch(
        /^Outcome unknown: Dataverse answered the \$batch with 200, so it ran, but its answer could not be read/,
      );
      expect(data.results[0].error.message).toMatch(cause);
      expect(accounts().filter((record) => record.name === `Odd Answer ${contentType}`)).toHaveLength(1);
    },
  );

  it.each([
    ["not JSON", "[{", /^Batch Actions: is not valid JSON/],
    ["not an array", { collection: "accounts" }, /^Batch Actions: must be a non-empty JSON array of operations, not object/],
    ["an empty array", [], /^Batch Actions: must be a non-empty JSON array of operations, not an empty array/],
    ["an operation that is not an object", [createOperation("ok"), "create"], /^Batch Actions: operation 1: must be an object/],
    [
      "a bad collection",
      [{ collection: "accounts?$top=1", action: "create", data: {} }],
      /^Batch Actions: operation 0: collection: 'accounts\?\$top=1' is not a valid Dataverse entity set name/,
    ],
    ["a missing collection", [{ action: "create", data: {} }], /^Batch Actions: operation 0: collection: is required/],
    [
      "an unknown action",
      [createOperation("ok"), { collection: "accounts", action: "merge", data: {} }],
      /^Batch Actions: operation 1: 'action' must be one of create, update, upsert, delete, not "merge"/,
    ],
    [
      "an update without a key",
      [{ collection: "accounts", action: "update", data: { name: "x" } }],
      /^Batch Actions: operation 0: an update needs a 'key'/,
    ],
    ["a delete without a key", [{ collection: "accounts", action: "delete" }], /^Batch Actions: operation 0: a delete needs a 'key'/],
    [
      "a malformed key",
      [{ collection: "accounts", action: "upsert", key: "not a key", data: {} }],
      /^Batch Actions: operation 0: key: 'not a key' is neither a GUID nor an alternate key/,
    ],
    [
      "a create without data",
      [{ collection: "accounts", action: "create" }],
      /^Batch Actions: operation 0: a create needs 'data'.*not undefined/,
    ],
    [
      "data that is an array",
      [{ collection: "accounts", action: "update", key: MISSING, data: [1] }],
      /^Batch Actions: operation 0: an update needs 'data'.*not an array/,
    ],
    [
      "a create with a key",
      [{ collection: "accounts", action: "create", key: MISSING, data: {} }],
      /^Batch Actions: operation 0: a create takes no 'key'/,
    ],
    [
      "a delete with data",
      [{ collection: "accounts", action: "delete", key: MISSING, data: {} }],
      /^Batch Actions: operation 0: a delete takes no 'data'/,
    ],
    [
      "an unknown property",
      [{ collection: "accounts", action: "create", data: {}, retrunRepresentation: true }],
      /^Batch Actions: operation 0: 'retrunRepresentation' is not an operation property/,
    ],
    [
      "a returnRepresentation that is not a boolean",
      [{ collection: "accounts", action: "create", data: {}, returnRepresentation: "yes" }],
      /^Batch Actions: operation 0: 'returnRepresentation' must be true or false/,
    ],
  ])("refuses %s before sending anything", async (_name, actions, message) => {
    const error = await actionError("batchEntityActions", {
      connection: fixture.connection,
      actions: typeof actions === "string" ? actions : JSON.stringify(actions),
    });
    expect(error.message).toMatch(message);
    expect(fixture.emulator.takeRequests()).toHaveLength(0);
  });
});
