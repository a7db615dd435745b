/**
 * Fault injection for every action family and both triggers' requests: each fault the issue
 * names, injected on the family's own request, and the outcome judged against the emulator's
 * state. A read succeeds where a retry is safe and fails clearly otherwise. A write succeeds,
 * or fails saying it may have happened when it did; it is never made twice, never reported as
 * done when it was not, and never reported as a plain failure when it was. Then a load test:
 * 50 concurrent actions of mixed kinds with service protection on. Nothing sleeps for real, and
 * time stands still but for the client's pauses: a timeout is made short by starting the request
 * with little of its budget left (see `startLate`), as Dataverse's two minutes would be too long.
 */
import { randomUUID } from "node:crypto";
import { DataverseError } from "../../src/client";
import { matches, type Emulator, type InjectedFault } from "../emulator/server";
import { SEED } from "../emulator/seed";
import { harness, useEmulator, useTestClock } from "../support";
import { lifecycleContext, runLifecycle } from "../triggers/support";
import { recordFigures } from "./figures";

const clock = useTestClock({ realTime: false });

/** What a request's first attempt may wait under the timeout fault: more than the first backoff step (0.5 s). */
const TIMEOUT_LEFT_MS = 700;

const THROTTLED = {
  error: { code: "0x80072322", message: "Number of requests exceeded the limit of 6000 over time window of 300 seconds." },
};
const JSON_TYPE = { "Content-Type": "application/json; odata.metadata=minimal" };
const HTML_TYPE = { "Content-Type": "text/html; charset=utf-8" };
const HTML = "<html><body><h1>Service Unavailable</h1></body></html>";

interface Fault {
  name: string;
  fault: () => Omit<InjectedFault, "method" | "path">;
  /** A retry is safe for any request (Dataverse did no work), or for a read. */
  retried: "always" | "reads" | "never";
  /** The request waits for its answer until its attempt times out. */
  hangs?: boolean;
}

const FAULTS: Fault[] = [
  {
    name: "429, Retry-After in seconds",
    fault: () => ({ status: 429, headers: { ...JSON_TYPE, "Retry-After": "2" }, body: THROTTLED }),
    retried: "always",
  },
  {
    // Measured against the answer's own Date, which is the emulator's real time.
    name: "429, Retry-After as a date",
    fault: () => ({ status: 429, headers: { ...JSON_TYPE, "Retry-After": new Date(Date.now() + 5000).toUTCString() }, body: THROTTLED }),
    retried: "always",
  },
  { name: "502", fault: () => ({ status: 502, headers: HTML_TYPE, body: HTML }), retried: "reads" },
  { name: "503", fault: () => ({ status: 503, headers: HTML_TYPE, body: HTML }), retried: "reads" },
  { name: "504", fault: () => ({ status: 504, headers: HTML_TYPE, body: "" }), retried: "reads" },
  { name: "a reset before the work", fault: () => ({ drop: true }), retried: "reads" },
  { name: "a reset after the work", fault: () => ({ drop: true, afterHandling: true }), retried: "reads" },
  { name: "a timeout", fault: () => ({ hang: true }), retried: "reads", hangs: true },
  { name: "a body cut off mid-stream", fault: () => ({ cutOff: true, afterHandling: true }), retried: "reads" },
  {
    name: "truncated JSON",
    fault: () => ({ status: 200, headers: JSON_TYPE, body: '{"value":[{"name":"Cont', afterHandling: true }),
    retried: "never",
  },
  { name: "HTML with 200", fault: () => ({ status: 200, headers: HTML_TYPE, body: HTML, afterHandling: true }), retried: "never" },
  { name: "HTML with 500", fault: () => ({ status: 500, headers: HTML_TYPE, body: HTML }), retried: "never" },
  { name: "an empty 200", fault: () => ({ status: 200, headers: JSON_TYPE, body: "", afterHandling: true }), retried: "never" },
  {
    name: "an odd Dataverse error shape",
    fault: () => ({
      status: 400,
      headers: JSON_TYPE,
      body: { Message: "An error has occurred.", ExceptionMessage: ["not", "a", "string"] },
    }),
    retried: "never",
  },
];

interface Family {
  name: string;
  /** The request the fault is put on. */
  method: string;
  path: string | RegExp;
  write: boolean;
  /** Runs the step; `tag` makes what a write creates findable. */
  run: (tag: string) => Promise<unknown>;
  /** How many records the write made, from the emulator's own store. */
  count?: (tag: string) => number;
}

const fixture = useEmulator();
const connection = () => fixture.connection;
const action = (key: string, params: Record<string, unknown>) => harness.action(key, { connection: connection(), ...params });

const rows = (emulator: Emulator, entitySetName: string, match: (row: Record<string, unknown>) => boolean) =>
  emulator.store.list(emulator.store.bySetName(entitySetName)!).filter(match);
const accountsNamed = (tag: string) => rows(fixture.emulator, "accounts", (row) => row.name === tag).length;

const FABRIKAM = SEED.accounts.fabrikam;
/** A fresh record for each step that changes one, so its state tells what this step did. */
const freshRecord = (logicalName: string, values: Record<string, unknown>): string => {
  const id = randomUUID();
  fixture.emulator.store.create(fixture.emulator.store.byLogicalName(logicalName)!, values, id);
  return id;
};
const contactsNamed = (tag: string) => rows(fixture.emulator, "contacts", (row) => row.lastname === tag);

const FETCH = '<fetch><entity name="account"><attribute name="name" /></entity></fetch>';

const families = (): Family[] => [
  {
    name: "records: create",
    method: "POST",
    path: "accounts",
    write: true,
    run: (tag) => action("createEntity", { entityType: "accounts", dynamicValues: { name: tag } }),
    count: accountsNamed,
  },
  {
    name: "records: get",
    method: "GET",
    path: "accounts(",
    write: false,
    run: () => action("getEntity", { entityType: "accounts", entityId: SEED.accounts.contoso }),
  },
  {
    name: "query",
    method: "GET",
    path: "accounts",
    write: false,
    run: () => action("queryEntities", { entityType: "accounts", recordsPerPage: "2" }),
  },
  {
    name: "FetchXML",
    method: "GET",
    path: "accounts",
    write: false,
    run: () => action("fetchXml", { entityType: "accounts", xmlQuery: FETCH }),
  },
  {
    name: "batch: create",
    method: "POST",
    path: "$batch",
    write: true,
    run: (tag) =>
      action("batchEntityActions", { actions: JSON.stringify([{ collection: "accounts", action: "create", data: { name: tag } }]) }),
    count: accountsNamed,
  },
  {
    name: "raw request: create",
    method: "POST",
    path: "accounts",
    write: true,
    run: (tag) =>
      action("rawRequestV2", {
        url: "/api/data/v9.2/accounts",
        method: "POST",
        data: JSON.stringify({ name: tag }),
        timeout: "200",
        maxRetries: "3",
      }),
    count: accountsNamed,
  },
  {
    name: "raw request: read",
    method: "GET",
    path: "accounts",
    write: false,
    run: () =>
      action("rawRequestV2", {
        url: "/api/data/v9.2/accounts?$top=1",
        method: "GET",
        timeout: "200",
        maxRetries: "3",
        responseType: "json",
      }),
  },
  {
    name: "metadata",
    method: "GET",
    path: "EntityDefinitions",
    write: false,
    run: () => action("getEntityMetaData", { entityType: "account" }),
  },
  {
    name: "relationships: list",
    method: "GET",
    path: /^accounts\(.*\)\/contact_customer_accounts/,
    write: false,
    run: () =>
      action("listAssociatedEntities", {
        entityType: "accounts",
        entityId: SEED.accounts.fabrikam,
        navigationProperty: "contact_customer_accounts",
      }),
  },
  {
    name: "relationships: associate",
    method: "POST",
    path: /^accounts\(.*\)\/contact_customer_accounts\/\$ref$/,
    write: true,
    run: (tag) =>
      action("associateEntities", {
        entityType: "accounts",
        entityId: FABRIKAM,
        navigationProperty: "contact_customer_accounts",
        relatedEntityType: "contacts",
        relatedEntityId: freshRecord("contact", { lastname: tag }),
      }),
    count: (tag) => contactsNamed(tag).filter((row) => row._parentcustomerid_value === FABRIKAM).length,
  },
  {
    name: "relationships: disassociate",
    method: "DELETE",
    path: /^accounts\(.*\)\/contact_customer_accounts\(.*\)\/\$ref$/,
    write: true,
    run: (tag) =>
      action("disassociateEntities", {
        entityType: "accounts",
        entityId: FABRIKAM,
        navigationProperty: "contact_customer_accounts",
        relatedEntityId: freshRecord("contact", { lastname: tag, _parentcustomerid_value: FABRIKAM }),
      }),
    // What the step did is the link it removed.
    count: (tag) => contactsNamed(tag).filter((row) => row._parentcustomerid_value == null).length,
  },
  {
    name: "operations: execute action",
    method: "POST",
    path: /\/Microsoft\.Dynamics\.CRM\.QualifyLead$/,
    write: true,
    // Each qualification creates an account named after the lead's company, so one made twice shows.
    run: (tag) =>
      action("executeAction", {
        actionName: "Microsoft.Dynamics.CRM.QualifyLead",
        boundEntityType: "leads",
        boundEntityId: freshRecord("lead", { subject: tag, lastname: "Fault", companyname: tag }),
        operationParameters: { CreateAccount: true, CreateContact: false, CreateOpportunity: false, Status: 3 },
      }),
    count: accountsNamed,
  },
  {
    name: "operations: function",
    method: "GET",
    path: "RetrieveVersion",
    write: false,
    run: () => action("executeFunction", { functionName: "RetrieveVersion" }),
  },
  { name: "current user", method: "GET", path: "WhoAmI", write: false, run: () => action("getCurrentUser", {}) },
  {
    name: "polling trigger",
    method: "GET",
    path: "accounts",
    write: false,
    run: () =>
      harness.trigger("pollChangesTrigger", undefined, { connection: connection(), entityType: "accounts" }, {
        instanceState: {},
      } as never),
  },
  {
    name: "webhook trigger: registration",
    method: "POST",
    path: "serviceendpoints",
    write: true,
    run: (tag) =>
      runLifecycle(
        "webhookCreate",
        {
          connection: connection(),
          registerWebhook: true,
          entityLogicalName: "account",
          messages: ["Create"],
          authenticationType: "WebhookKey",
        },
        lifecycleContext(`https://hooks.example.com/trigger/${tag}`),
      ),
    count: (tag) => rows(fixture.emulator, "serviceendpoints", (row) => String(row.url ?? "").endsWith(`/${tag}`)).length,
  },
];

const figures = { faultsTried: 0, succeeded: 0, clearErrors: 0, recordsLost: 0, recordsDuplicated: 0, misreported: 0 };

/** What the output says of a write it could not confirm (a batch reports each operation's own outcome). */
const reportsNotDone = (output: unknown): boolean =>
  /OutcomeUnknown|"success":false|NotExecuted|"Failed"/.test(JSON.stringify(output) ?? "");

const cases = families().flatMap((family) => FAULTS.map((fault) => [family.name, fault.name] as const));

afterAll(() => {
  // A case that ended before its outcome was judged counts as skipped.
  const skipped = cases.length - figures.faultsTried;
  recordFigures("faults", { families: families().length, faults: FAULTS.length, ...figures, skipped });
});

describe("every family under every fault", () => {
  let serial = 0;
  it.each(cases)("%s: %s", async (familyName, faultName) => {
    const family = families().find((candidate) => candidate.name === familyName)!;
    const fault = FAULTS.find((candidate) => candidate.name === faultName)!;
    serial += 1;
    const tag = `Fault ${serial} ${Date.now()}`;
    fixture.emulator.clearFaults();
    fixture.emulator.takeRequests();
    const injected = { method: family.method, path: family.path, ...fault.fault() };
    fixture.emulator.inject(injected);
    if (fault.hangs) {
      // Every request up to the one that hangs starts late; the attempts after it keep what was left.
      const requests = fixture.emulator.requests;
      const hung = () => requests.some((request) => matches(injected, request.method, request.path));
      clock.startLate(TIMEOUT_LEFT_MS, () => (hung() ? undefined : requests.length));
    }
    let output: unknown;
    let error: unknown;
    try {
      output = await family.run(tag);
    } catch (caught) {
      error = caught;
    }
    fixture.emulator.clearFaults();
    figures.faultsTried += 1;
    if (error) {
      // A clear error: ours, with a kind to branch on, never a TypeError from a strange answer.
      expect(error).toBeInstanceOf(DataverseError);
      expect((error as DataverseError).kind).toEqual(expect.any(String));
      figures.clearErrors += 1;
    } else {
      figures.succeeded += 1;
    }
    const safe = fault.retried === "always" || (fault.retried === "reads" && !family.write);
    if (safe) expect(error).toBeUndefined();
    if (!family.count) return;
    const count = family.count(tag);
    figures.recordsDuplicated += Math.max(0, count - 1);
    expect(count).toBeLessThanOrEqual(1);
    if (!error && count === 0 && !reportsNotDone(output)) figures.recordsLost += 1;
    expect(error || count === 1 || reportsNotDone(output)).toBeTruthy();
    if (error && count === 1) {
      // Applied: the error must say the write may have happened, or that it did.
      const told = (error as DataverseError).outcomeUnknown || /applied/.test((error as Error).message);
      if (!told) figures.misreported += 1;
      expect(told).toBe(true);
    }
  });
});

describe("load: 50 concurrent actions of mixed kinds under service protection", () => {
  const throttled = useEmulator({ serviceProtection: { enabled: true, windowMs: 100, maxRequests: 5 }, clock: clock.server });

  it("all complete within the budget, with the exact record count and no unhandled rejection", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    const refusedBefore = throttled.emulator.serviceProtection.refused;
    const started = clock.now();
    const run = (key: string, params: Record<string, unknown>) => harness.action(key, { connection: throttled.connection, ...params });
    const kinds = [
      (index: number) => run("createEntity", { entityType: "accounts", dynamicValues: { name: `Load ${index}` } }),
      () => run("queryEntities", { entityType: "accounts", recordsPerPage: "2" }),
      () => run("getEntity", { entityType: "accounts", entityId: SEED.accounts.contoso }),
      () => run("fetchXml", { entityType: "accounts", xmlQuery: FETCH }),
      () => run("getCurrentUser", {}),
    ];
    try {
      const results = await Promise.allSettled(Array.from({ length: 50 }, (_, index) => kinds[index % kinds.length](index)));
      await new Promise((resolve) => setImmediate(resolve));
      expect(results.filter((result) => result.status === "rejected")).toEqual([]);
      expect(unhandled).toEqual([]);
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
    const refused = throttled.emulator.serviceProtection.refused - refusedBefore;
    expect(refused).toBeGreaterThan(0);
    // Within one request's budget, on the test clock: throttling waits, it does not stall.
    expect(clock.now() - started).toBeLessThan(180_000);
    const created = rows(throttled.emulator, "accounts", (row) => /^Load \d+$/.test(String(row.name)));
    expect(created).toHaveLength(10);
    expect(new Set(created.map((row) => row.name)).size).toBe(10);
    recordFigures("load", {
      actions: 50,
      throttled: refused,
      recordsCreated: created.length,
      recordsExpected: 10,
      unhandledRejections: unhandled.length,
    });
  });
});
