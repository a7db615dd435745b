/**
 * The request options of issue 12 on every action that takes them: the exact header, Prefer
 * or $top sent (the emulator's request log, or the parts of a $batch body) and their effect
 * in the emulator's state; bad values refused before any request, naming the input.
 */
import { SEED } from "../emulator/seed";
import type { RecordedRequest } from "../emulator/server";
import { actionError, runAction, useEmulator } from "../support";

const fixture = useEmulator();

const FORMATTED = `odata.include-annotations="OData.Community.Display.V1.FormattedValue,Microsoft.Dynamics.CRM.lookuplogicalname,Microsoft.Dynamics.CRM.associatednavigationproperty"`;
const SALES = SEED.users.sales;
const SUPPORT_OBJECT_ID = "a1b2c3d4-0000-4000-8000-00000000a003";

const accounts = () => fixture.emulator.store.bySetName("accounts")!;
const accountNamed = (name: string) => fixture.emulator.store.list(accounts()).find((record) => record.name === name);
const newAccount = (name: string) => fixture.emulator.store.create(accounts(), { name });
const etagOf = (record: Record<string, unknown>) => `W/"${record.versionnumber}"`;
/** Query outputs as Query Entities gives them now (`records`) or will (`value`). */
const recordsOf = (data: { value?: unknown[]; records?: unknown[] }) => (data.value ?? data.records) as Record<string, unknown>[];

const onlyRequest = (): RecordedRequest => {
  const requests = fixture.emulator.takeRequests();
  expect(requests).toHaveLength(1);
  return requests[0];
};

/** The inner requests of a recorded `$batch` body: each part's request line and headers. */
const batchParts = (request: RecordedRequest) =>
  request.body
    .split(/\r\n--[^\r\n]+/)
    .filter((part) => /\r\n(GET|POST|PATCH|PUT|DELETE) /.test(part))
    .map((part) => {
      const lines = part.split("\r\n\r\n")[1].split("\r\n");
      const headers = Object.fromEntries(
        lines.slice(1).map((line) => [line.slice(0, line.indexOf(":")).toLowerCase(), line.slice(line.indexOf(":") + 1).trim()]),
      );
      return { requestLine: lines[0], headers };
    });

const expectRefused = async (key: string, params: Record<string, unknown>, label: string) => {
  const error = await actionError(key, { connection: fixture.connection, ...params });
  expect(error.name).toBe("InputError");
  expect(error.message.startsWith(`${label}: `)).toBe(true);
  expect(fixture.emulator.takeRequests()).toHaveLength(0);
};

describe("impersonation", () => {
  it("sends MSCRMCallerID by default: the record is created by that user on behalf of the connection's user", async () => {
    await runAction("createEntity", {
      connection: fixture.connection,
      entityType: "accounts",
      fieldValues: [{ key: "name", value: "Impersonated Create" }],
      impersonateUserId: `{${SALES.toUpperCase()}}`,
    });
    const request = onlyRequest();
    expect(request.headers.mscrmcallerid).toBe(SALES);
    expect(request.headers.callerobjectid).toBeUndefined();
    expect(accountNamed("Impersonated Create")).toMatchObject({
      _createdby_value: SALES,
      _modifiedby_value: SALES,
      _ownerid_value: SALES,
      _createdonbehalfby_value: SEED.users.admin,
    });
  });

  it("sends CallerObjectId with an Entra object id, and the emulator acts as that user", async () => {
    const record = newAccount("Impersonated Update");
    await runAction("updateEntity", {
      connection: fixture.connection,
      entityType: "accounts",
      entityId: record.accountid,
      fieldValues: [{ key: "telephone1", value: "555" }],
      impersonateUserId: SUPPORT_OBJECT_ID,
      impersonateBy: "CallerObjectId",
    });
    const request = onlyRequest();
    expect(request.headers.callerobjectid).toBe(SUPPORT_OBJECT_ID);
    expect(request.headers.mscrmcallerid).toBeUndefined();
    expect(record).toMatchObject({ telephone1: "555", _modifiedby_value: SEED.users.support, _modifiedonbehalfby_value: SEED.users.admin });
  });

  it("is refused by Dataverse for a user that does not exist, and nothing is written", async () => {
    const error = (await actionError("createEntity", {
      connection: fixture.connection,
      entityType: "accounts",
      fieldValues: [{ key: "name", value: "Nobody's Account" }],
      impersonateUserId: "00000000-0000-4000-8000-00000000dead",
    })) as Error & { status?: number };
    expect(error.status).toBe(404);
    expect(accountNamed("Nobody's Account")).toBeUndefined();
  });

  it("applies to Get, Delete, Execute Function and Execute Action", async () => {
    const { connection } = fixture;
    const record = newAccount("Impersonated Delete");
    await runAction("getEntity", { connection, entityType: "accounts", entityId: record.accountid, impersonateUserId: SALES });
    await runAction("deleteEntity", { connection, entityType: "accounts", entityId: record.accountid, impersonateUserId: SALES });
    const whoAmI = await runAction("executeFunction", { connection, functionName: "WhoAmI", impersonateUserId: SALES });
    await runAction("executeAction", {
      connection,
      actionName: "QualifyLead",
      boundEntityType: "leads",
      boundEntityId: "00001ead-0000-4000-8000-000000000001",
      operationParameters: { CreateAccount: false, CreateContact: false, CreateOpportunity: false, Status: 3 },
      impersonateUserId: SALES,
    });
    const requests = fixture.emulator.takeRequests();
    expect(requests.map((request) => request.headers.mscrmcallerid)).toEqual([SALES, SALES, SALES, SALES]);
    expect(whoAmI.result.UserId).toBe(SALES);
  });
});

describe("formatted values", () => {
  it("asks for formatted values and lookup annotations on Get and returns them", async () => {
    const record = await runAction("getEntity", {
      connection: fixture.connection,
      entityType: "accounts",
      entityId: SEED.accounts.contoso,
      includeFormattedValues: true,
    });
    expect(onlyRequest().headers.prefer).toBe(FORMATTED);
    const columns = record.record ?? record;
    expect(columns).toMatchObject({
      "revenue@OData.Community.Display.V1.FormattedValue": "$5,000,000.00",
      "industrycode@OData.Community.Display.V1.FormattedValue": "Software",
      "creditonhold@OData.Community.Display.V1.FormattedValue": "No",
      "numberofemployees@OData.Community.Display.V1.FormattedValue": "1,200",
      "statecode@OData.Community.Display.V1.FormattedValue": "Active",
      "createdon@OData.Community.Display.V1.FormattedValue": "10/5/2026 9:00 AM",
      "_primarycontactid_value@OData.Community.Display.V1.FormattedValue": "Maria Campbell",
      "_primarycontactid_value@Microsoft.Dynamics.CRM.lookuplogicalname": "contact",
      "_primarycontactid_value@Microsoft.Dynamics.CRM.associatednavigationproperty": "primarycontactid",
    });
  });

  it("sends no annotations when off", async () => {
    const record = await runAction("getEntity", {
      connection: fixture.connection,
      entityType: "accounts",
      entityId: SEED.accounts.contoso,
    });
    expect(onlyRequest().headers.prefer).toBeUndefined();
    expect(Object.keys(record.record ?? record).some((name) => name.includes("@OData.Community"))).toBe(false);
  });

  it("joins the page size in the one Prefer header of Query Entities", async () => {
    const data = await runAction("queryEntities", {
      connection: fixture.connection,
      entityType: "contacts",
      fieldNames: ["fullname", "_parentcustomerid_value"],
      recordsPerPage: "2",
      includeFormattedValues: true,
    });
    expect(onlyRequest().headers.prefer).toBe(`odata.maxpagesize=2,${FORMATTED}`);
    expect(recordsOf(data)[0]).toMatchObject({
      "_parentcustomerid_value@Microsoft.Dynamics.CRM.lookuplogicalname": "account",
      "_parentcustomerid_value@Microsoft.Dynamics.CRM.associatednavigationproperty": "parentcustomerid_account",
    });
  });

  it("merges into Run Fetch XML Query's paging annotations, which also impersonates with MSCRMCallerID by default", async () => {
    const data = await runAction("fetchXml", {
      connection: fixture.connection,
      entityType: "accounts",
      xmlQuery: '<fetch><entity name="account"><attribute name="name" /><attribute name="industrycode" /></entity></fetch>',
      includeAnnotations: "Microsoft.Dynamics.CRM.totalrecordcount",
      includeFormattedValues: true,
      impersonateUserId: SALES,
    });
    const request = onlyRequest();
    expect(request.headers.prefer).toBe(
      'odata.include-annotations="Microsoft.Dynamics.CRM.fetchxmlpagingcookie,Microsoft.Dynamics.CRM.morerecords,Microsoft.Dynamics.CRM.totalrecordcount,OData.Community.Display.V1.FormattedValue,Microsoft.Dynamics.CRM.lookuplogicalname,Microsoft.Dynamics.CRM.associatednavigationproperty"',
    );
    expect(request.headers.mscrmcallerid).toBe(SALES);
    expect(
      data.value.some((row: Record<string, unknown>) => row["industrycode@OData.Community.Display.V1.FormattedValue"] === "Software"),
    ).toBe(true);
  });
});

describe("bypass custom business logic", () => {
  it.each([
    ["createEntity", "CustomSync"],
    ["upsertEntity", "CustomAsync"],
    ["deleteEntity", "CustomSync,CustomAsync"],
  ])("%s sends MSCRM.BypassBusinessLogicExecution: %s", async (key, value) => {
    const record = newAccount(`Bypass ${key}`);
    const params =
      key === "createEntity"
        ? { entityType: "accounts", fieldValues: [{ key: "name", value: "Bypass created" }] }
        : { entityType: "accounts", entityId: record.accountid, fieldValues: [{ key: "telephone1", value: "1" }] };
    await runAction(key, { connection: fixture.connection, ...params, bypassBusinessLogic: value });
    expect(onlyRequest().headers["mscrm.bypassbusinesslogicexecution"]).toBe(value);
  });

  it("sends nothing for None", async () => {
    await runAction("createEntity", {
      connection: fixture.connection,
      entityType: "accounts",
      fieldValues: [{ key: "name", value: "No bypass" }],
      bypassBusinessLogic: "none",
    });
    expect(onlyRequest().headers["mscrm.bypassbusinesslogicexecution"]).toBeUndefined();
  });
});

describe("duplicate detection", () => {
  it("is off by default: a second account with the same name is created", async () => {
    await runAction("createEntity", {
      connection: fixture.connection,
      entityType: "accounts",
      fieldValues: [{ key: "name", value: "Fabrikam Inc" }],
    });
    expect(onlyRequest().headers["mscrm.suppressduplicatedetection"]).toBeUndefined();
    expect(fixture.emulator.store.list(accounts()).filter((record) => record.name === "Fabrikam Inc")).toHaveLength(2);
  });

  it("when on, a rule hit is a 412 0x80040333 error saying a duplicate-detection rule matched, and nothing is written", async () => {
    const error = (await actionError("createEntity", {
      connection: fixture.connection,
      entityType: "accounts",
      fieldValues: [{ key: "name", value: "contoso ltd" }],
      detectDuplicates: true,
    })) as Error & { status?: number; code?: string };
    expect(fixture.emulator.takeRequests()[0].headers["mscrm.suppressduplicatedetection"]).toBe("false");
    expect({ status: error.status, code: error.code }).toEqual({ status: 412, code: "0x80040333" });
    expect(error.message).toMatch(/duplicate-detection rule matched/);
    expect(accountNamed("contoso ltd")).toBeUndefined();
  });

  it("checks an update too, and lets a record that matches no other through", async () => {
    const record = newAccount("Unique Name 1");
    const error = (await actionError("updateEntity", {
      connection: fixture.connection,
      entityType: "accounts",
      entityId: record.accountid,
      fieldValues: [{ key: "name", value: "Northwind Traders" }],
      detectDuplicates: true,
    })) as Error & { code?: string };
    expect(error.code).toBe("0x80040333");
    expect(record.name).toBe("Unique Name 1");
    await runAction("upsertEntity", {
      connection: fixture.connection,
      entityType: "accounts",
      entityId: record.accountid,
      fieldValues: [{ key: "name", value: "Unique Name 2" }],
      detectDuplicates: true,
    });
    expect(record.name).toBe("Unique Name 2");
  });
});

describe("If Match ETag", () => {
  it("sends the ETag instead of * on Update; a stale one is a 412 saying the record changed, and nothing is written", async () => {
    const record = newAccount("Concurrency");
    const etag = etagOf(record);
    const params = { connection: fixture.connection, entityType: "accounts", entityId: record.accountid };
    await runAction("updateEntity", { ...params, fieldValues: [{ key: "telephone1", value: "first" }], ifMatchEtag: etag });
    expect(onlyRequest().headers["if-match"]).toBe(etag);
    expect(etagOf(record)).not.toBe(etag);
    const error = (await actionError("updateEntity", {
      ...params,
      fieldValues: [{ key: "telephone1", value: "second" }],
      ifMatchEtag: etag,
    })) as Error & {
      status?: number;
    };
    expect(error.status).toBe(412);
    expect(error.message).toMatch(/changed since that ETag was read/);
    expect(record.telephone1).toBe("first");
  });

  it("adds If-Match to an upsert (none without it) and to a delete", async () => {
    const record = newAccount("Concurrency 2");
    const params = { connection: fixture.connection, entityType: "accounts", entityId: record.accountid };
    await runAction("upsertEntity", { ...params, fieldValues: [{ key: "telephone1", value: "x" }] });
    expect(onlyRequest().headers["if-match"]).toBeUndefined();
    const stale = await actionError("upsertEntity", { ...params, fieldValues: [{ key: "telephone1", value: "y" }], ifMatchEtag: 'W/"1"' });
    expect((stale as Error & { status?: number }).status).toBe(412);
    expect(fixture.emulator.takeRequests()[0].headers["if-match"]).toBe('W/"1"');
    await actionError("deleteEntity", { ...params, ifMatchEtag: 'W/"1"' });
    expect(fixture.emulator.store.find(accounts(), record.accountid as string)).toBeDefined();
    fixture.emulator.takeRequests();
    await runAction("deleteEntity", { ...params, ifMatchEtag: etagOf(record) });
    expect(onlyRequest().headers["if-match"]).toBe(`W/"${record.versionnumber}"`);
    expect(fixture.emulator.store.find(accounts(), record.accountid as string)).toBeUndefined();
  });
});

describe("Top", () => {
  it("sends $top on Query Entities without a page size, which Dataverse would let override it", async () => {
    const data = await runAction("queryEntities", {
      connection: fixture.connection,
      entityType: "contacts",
      fieldNames: ["fullname"],
      orderByFieldNames: ["fullname"],
      top: "2",
    });
    const request = onlyRequest();
    expect(request.query.$top).toBe("2");
    expect(request.headers.prefer).toBeUndefined();
    expect(recordsOf(data).map((row) => row.fullname)).toEqual(["James O'Brien", "Maria Campbell"]);
  });
});

describe("Batch Entity Actions", () => {
  it("puts the options on every part, and an operation's own impersonateUserId and ifMatchEtag over them", async () => {
    const record = newAccount("Batch Concurrency");
    const data = await runAction("batchEntityActions", {
      connection: fixture.connection,
      actions: JSON.stringify([
        { collection: "accounts", action: "create", data: { name: "Batch Created" } },
        {
          collection: "accounts",
          action: "update",
          key: record.accountid,
          data: { telephone1: "batch" },
          ifMatchEtag: etagOf(record),
          impersonateUserId: SEED.users.support,
        },
        { collection: "accounts", action: "delete", key: record.accountid, ifMatchEtag: 'W/"1"' },
      ]),
      impersonateUserId: SALES,
      bypassBusinessLogic: "CustomSync",
      detectDuplicates: true,
    });
    const parts = batchParts(onlyRequest());
    expect(parts.map((part) => part.requestLine.split(" ")[0])).toEqual(["POST", "PATCH", "DELETE"]);
    expect(parts.map((part) => part.headers.mscrmcallerid)).toEqual([SALES, SEED.users.support, SALES]);
    expect(parts.map((part) => part.headers["mscrm.bypassbusinesslogicexecution"])).toEqual(["CustomSync", "CustomSync", "CustomSync"]);
    expect(parts.map((part) => part.headers["mscrm.suppressduplicatedetection"])).toEqual(["false", "false", undefined]);
    expect(parts.map((part) => part.headers["if-match"])).toEqual([undefined, expect.stringMatching(/^W\/"\d+"$/), 'W/"1"']);
    expect(accountNamed("Batch Created")?._createdby_value).toBe(SALES);
    expect(record).toMatchObject({ telephone1: "batch", _modifiedby_value: SEED.users.support });
    expect(data.results.map((result: { status: number }) => result.status)).toEqual([204, 204, 412]);
  });

  it("refuses an operation's bad impersonateUserId or ifMatchEtag, and an ETag on a create", async () => {
    const actions = (operation: Record<string, unknown>) => JSON.stringify([{ collection: "accounts", ...operation }]);
    await expectRefused(
      "batchEntityActions",
      { actions: actions({ action: "delete", key: SEED.accounts.contoso, ifMatchEtag: "1" }) },
      "Batch Actions",
    );
    await expectRefused(
      "batchEntityActions",
      { actions: actions({ action: "delete", key: SEED.accounts.contoso, impersonateUserId: "me" }) },
      "Batch Actions",
    );
    await expectRefused(
      "batchEntityActions",
      { actions: actions({ action: "create", data: { name: "x" }, ifMatchEtag: 'W/"1"' }) },
      "Batch Actions",
    );
    // Inside $batch a part's headers are body text: a line break in an ETag would add a header of its own.
    const injected = `W/"1\r\nMSCRMCallerID: ${SEED.users.support}\r\nX-Ignore: "`;
    await expectRefused(
      "batchEntityActions",
      { actions: actions({ action: "delete", key: SEED.accounts.contoso, ifMatchEtag: injected }) },
      "Batch Actions",
    );
  });
});

describe("relationships", () => {
  it("sends impersonation and bypass on Associate and Disassociate, and impersonation on List Associated", async () => {
    const { connection } = fixture;
    const link = {
      connection,
      entityType: "accounts",
      entityId: SEED.accounts.northwind,
      navigationProperty: "contact_customer_accounts",
    };
    const options = { impersonateUserId: SALES, bypassBusinessLogic: "CustomAsync" };
    await runAction("associateEntities", { ...link, relatedEntityType: "contacts", relatedEntityId: SEED.contacts.nancy, ...options });
    await runAction("listAssociatedEntities", { ...link, impersonateUserId: SALES });
    await runAction("disassociateEntities", { ...link, relatedEntityId: SEED.contacts.nancy, ...options });
    const requests = fixture.emulator.takeRequests();
    expect(
      requests.map((request) => [request.method, request.headers.mscrmcallerid, request.headers["mscrm.bypassbusinesslogicexecution"]]),
    ).toEqual([
      ["POST", SALES, "CustomAsync"],
      ["GET", SALES, undefined],
      ["DELETE", SALES, "CustomAsync"],
    ]);
  });
});

describe("bad values are refused before any request, naming the input", () => {
  const get = { entityType: "accounts", entityId: SEED.accounts.contoso };
  const update = { ...get, fieldValues: [{ key: "telephone1", value: "1" }] };
  it.each([
    ["getEntity", { ...get, impersonateUserId: "not-a-guid" }, "Impersonate User ID"],
    ["getEntity", { ...get, impersonateUserId: SALES, impersonateBy: "UserName" }, "Impersonate By"],
    ["updateEntity", { ...update, ifMatchEtag: "W/12345" }, "If Match ETag"],
    ["deleteEntity", { ...get, ifMatchEtag: "12345" }, "If Match ETag"],
    ["deleteEntity", { ...get, ifMatchEtag: 'W/"1\r\nX-Other: 2"' }, "If Match ETag"],
    ["queryEntities", { entityType: "accounts", fieldNames: ["name"], top: "0" }, "Top"],
    ["queryEntities", { entityType: "accounts", fieldNames: ["name"], top: "5001" }, "Top"],
    [
      "createEntity",
      { entityType: "accounts", fieldValues: [{ key: "name", value: "x" }], bypassBusinessLogic: "Everything" },
      "Bypass Custom Business Logic",
    ],
    [
      "fetchXml",
      { entityType: "accounts", xmlQuery: '<fetch><entity name="account" /></fetch>', impersonateBy: "nobody" },
      "Impersonate By",
    ],
  ])("%s with %j", async (key, params, label) => {
    await expectRefused(key, params, label);
  });
});
