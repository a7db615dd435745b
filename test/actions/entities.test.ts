import component from "../../src";
import { SEED } from "../emulator/seed";
import { actionError, expectSameShape, LAST_PAGE, runAction, useEmulator } from "../support";

const fixture = useEmulator();
const examples = (key: string) => (component.actions[key].examplePayload as { data: unknown }).data;

describe("createEntity", () => {
  it("creates a record with one request and returns it with its id", async () => {
    const { emulator, connection } = fixture;
    const data = await runAction("createEntity", {
      connection,
      entityType: "accounts",
      fieldValues: [{ key: "name", value: "Blue Yonder Airlines" }],
      dynamicValues: { revenue: 42000, "primarycontactid@odata.bind": `/contacts(${SEED.contacts.maria})` },
    });
    expect(data["@component.id"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(data).toMatchObject({
      accountid: data["@component.id"],
      name: "Blue Yonder Airlines",
      revenue: 42000,
      _primarycontactid_value: SEED.contacts.maria,
    });
    expectSameShape(data, examples("createEntity"));

    const requests = emulator.takeRequests();
    expect(requests).toHaveLength(1);
    const [request] = requests;
    expect(request.method).toBe("POST");
    expect(request.path).toBe("accounts");
    expect(request.headers).toMatchObject({
      accept: "application/json",
      "odata-maxversion": "4.0",
      "odata-version": "4.0",
      prefer: "return=representation",
      authorization: `Bearer ${emulator.accessToken}`,
    });
    expect(request.headers["content-type"]).toMatch(/^application\/json/);
    expect(JSON.parse(request.body)).toEqual({
      name: "Blue Yonder Airlines",
      revenue: 42000,
      "primarycontactid@odata.bind": `/contacts(${SEED.contacts.maria})`,
    });
  });

  it("lets dynamic values win over field values", async () => {
    const data = await runAction("createEntity", {
      connection: fixture.connection,
      entityType: "contacts",
      fieldValues: [
        { key: "lastname", value: "From Fields" },
        { key: "firstname", value: "Ann" },
      ],
      dynamicValues: '{"lastname": "From Dynamic"}',
    });
    expect(data).toMatchObject({ firstname: "Ann", lastname: "From Dynamic", fullname: "Ann From Dynamic" });
  });

  it("refuses malformed JSON before sending anything", async () => {
    const error = await actionError("createEntity", { connection: fixture.connection, entityType: "accounts", dynamicValues: '{"name": ' });
    expect(error.message).toMatch(/^Dynamic Values: is not valid JSON/);
    expect(fixture.emulator.takeRequests()).toHaveLength(0);
  });

  it.each(["accounts?$top=1", "../x", "accounts(1)", "", "accounts/$ref"])(
    "refuses the entity set name %p before sending anything",
    async (entityType) => {
      const error = await actionError("createEntity", { connection: fixture.connection, entityType, dynamicValues: { name: "x" } });
      expect(error.message).toMatch(/^Entity Type: /);
      expect(fixture.emulator.takeRequests()).toHaveLength(0);
    },
  );

  it("reports Dataverse's refusal of an unknown column with its code", async () => {
    const error = await actionError("createEntity", {
      connection: fixture.connection,
      entityType: "accounts",
      dynamicValues: { Name: "x" },
    });
    expect(error.message).toContain(
      "Dataverse answered 400 for POST accounts: Could not find a property named 'Name' on type 'Microsoft.Dynamics.CRM.account'.",
    );
    expect(error).toMatchObject({ status: 400, code: "0x0" });
    expect((error as { requestId?: string }).requestId).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe("getEntity", () => {
  it("gets a record by GUID in any form, with $select and $expand", async () => {
    const { emulator, connection } = fixture;
    const data = await runAction("getEntity", {
      connection,
      entityType: "accounts",
      entityId: `{${SEED.accounts.contoso.toUpperCase()}}`,
      fieldNames: ["name", "revenue"],
      expandPropertyNames: ["primarycontactid($select=fullname)"],
    });
    expect(data).toMatchObject({
      accountid: SEED.accounts.contoso,
      name: "Contoso Ltd",
      revenue: 5000000,
      primarycontactid: { fullname: "Maria Campbell" },
    });
    expect(Object.keys(data)).not.toContain("address1_city");
    expectSameShape(data, examples("getEntity"));
    const [request] = emulator.takeRequests();
    expect(request).toMatchObject({
      method: "GET",
      path: `accounts(${SEED.accounts.contoso})`,
      query: { $select: "name,revenue", $expand: "primarycontactid($select=fullname)" },
    });
    expect(request.headers["if-none-match"]).toBe("null");
  });

  it("gets a record by alternate key, escaping quotes in the value", async () => {
    const { connection } = fixture;
    const byNumber = await runAction("getEntity", { connection, entityType: "accounts", entityId: "accountnumber='A-1002'" });
    expect(byNumber.name).toBe("Fabrikam Inc");
    await runAction("createEntity", {
      connection,
      entityType: "accounts",
      dynamicValues: { name: "Quote Co", accountnumber: "O'Neil, Ltd" },
    });
    const quoted = await runAction("getEntity", { connection, entityType: "accounts", entityId: "accountnumber='O'Neil, Ltd'" });
    expect(quoted.name).toBe("Quote Co");
    const [, , request] = fixture.emulator.takeRequests();
    expect(request.path).toBe("accounts(accountnumber='O''Neil, Ltd')");
  });

  it("keeps a bare number key's digits as written, so the right record is updated", async () => {
    const { emulator, connection } = fixture;
    for (const accountnumber of ["007", "7", "12345678901234567890", "12345678901234567000"]) {
      await runAction("createEntity", {
        connection,
        entityType: "accounts",
        dynamicValues: { name: `Number ${accountnumber}`, accountnumber },
      });
    }
    emulator.takeRequests();
    const padded = await runAction("updateEntity", {
      connection,
      entityType: "accounts",
      entityId: "accountnumber=007",
      dynamicValues: { telephone1: "007" },
    });
    expect(padded).toMatchObject({ name: "Number 007", telephone1: "007" });
    const long = await runAction("getEntity", { connection, entityType: "accounts", entityId: "accountnumber=12345678901234567890" });
    expect(long.name).toBe("Number 12345678901234567890");
    expect(emulator.takeRequests().map((request) => request.path)).toEqual([
      "accounts(accountnumber=007)",
      "accounts(accountnumber=12345678901234567890)",
    ]);
  });

  it("says which record was not found", async () => {
    const missing = "00000000-0000-0000-0000-0000000000aa";
    const error = await actionError("getEntity", { connection: fixture.connection, entityType: "accounts", entityId: missing });
    expect(error.message).toMatch(new RegExp(`^Record not found: accounts\\(${missing}\\)`));
    expect(error).toMatchObject({ status: 404, code: "0x80040217" });
  });

  it.each(["not-a-guid", "12345", "{1234}", "'quoted'"])("refuses the entity id %p before sending anything", async (entityId) => {
    const error = await actionError("getEntity", { connection: fixture.connection, entityType: "accounts", entityId });
    expect(error.message).toMatch(/^Entity ID: .*(GUID|alternate key)/);
    expect(fixture.emulator.takeRequests()).toHaveLength(0);
  });

  it("refuses field names that would change the URL", async () => {
    const error = await actionError("getEntity", {
      connection: fixture.connection,
      entityType: "accounts",
      entityId: SEED.accounts.contoso,
      fieldNames: ["name&$top=1"],
    });
    expect(error.message).toMatch(/^Field Name: 'name&\$top=1' is not a valid Dataverse column name/);
    expect(fixture.emulator.takeRequests()).toHaveLength(0);
  });
});

describe("updateEntity and upsertEntity", () => {
  it("updates with If-Match: * and never creates", async () => {
    const { emulator, connection } = fixture;
    const data = await runAction("updateEntity", {
      connection,
      entityType: "accounts",
      entityId: SEED.accounts.litware,
      fieldValues: [{ key: "telephone1", value: "+1 206 555 0199" }],
    });
    expect(data).toMatchObject({ "@component.id": SEED.accounts.litware, telephone1: "+1 206 555 0199", name: "Litware, Inc." });
    expectSameShape(data, examples("updateEntity"));
    const [request] = emulator.takeRequests();
    expect(request).toMatchObject({ method: "PATCH", path: `accounts(${SEED.accounts.litware})` });
    expect(request.headers["if-match"]).toBe("*");
    expect(request.headers["if-none-match"]).toBeUndefined();

    const missing = "00000000-0000-0000-0000-0000000000bb";
    const error = await actionError("updateEntity", {
      connection,
      entityType: "accounts",
      entityId: missing,
      dynamicValues: { name: "ghost" },
    });
    expect(error.message).toMatch(/^Record not found: accounts\(/);
    const lookup = await actionError("getEntity", { connection, entityType: "accounts", entityId: missing });
    expect(lookup.message).toMatch(/^Record not found/);
  });

  it("upserts: creates when the key matches nothing, updates when it does, and says which", async () => {
    const { emulator, connection } = fixture;
    const created = await runAction("upsertEntity", {
      connection,
      entityType: "accounts",
      entityId: "accountnumber='UP-1'",
      dynamicValues: { name: "Upserted" },
    });
    expect(created).toMatchObject({ "@component.created": true, name: "Upserted", accountnumber: "UP-1" });
    expectSameShape(created, examples("upsertEntity"));
    const updated = await runAction("upsertEntity", {
      connection,
      entityType: "accounts",
      entityId: "accountnumber='UP-1'",
      dynamicValues: { name: "Upserted again" },
    });
    expect(updated).toMatchObject({ "@component.created": false, "@component.id": created["@component.id"], name: "Upserted again" });
    const requests = emulator.takeRequests();
    expect(
      requests.map((request) => [request.method, request.path, request.headers["if-match"], request.headers["if-none-match"]]),
    ).toEqual([
      ["PATCH", "accounts(accountnumber='UP-1')", undefined, undefined],
      ["PATCH", "accounts(accountnumber='UP-1')", undefined, undefined],
    ]);
  });

  it("keeps a quoted alternate key value that looks like a GUID as text", async () => {
    const { emulator, connection } = fixture;
    const text = "{25A17064-1AE7-E611-80F4-E0071B661F01}";
    const created = await runAction("upsertEntity", {
      connection,
      entityType: "accounts",
      entityId: `accountnumber='${text}'`,
      dynamicValues: { name: "GUID-shaped number" },
    });
    expect(created).toMatchObject({ "@component.created": true, name: "GUID-shaped number", accountnumber: text });
    const [request] = emulator.takeRequests();
    expect(request.path).toBe(`accounts(accountnumber='${text}')`);
  });

  it("refuses an alternate key that repeats a column before sending anything", async () => {
    const error = await actionError("upsertEntity", {
      connection: fixture.connection,
      entityType: "accounts",
      entityId: "accountnumber='R-1',accountnumber='R-2'",
      dynamicValues: { name: "Twice" },
    });
    expect(error.message).toBe("Entity ID: the alternate key column 'accountnumber' is given twice: give each column of the key once.");
    expect(fixture.emulator.takeRequests()).toHaveLength(0);
  });

  it("reports an upsert answered 204 as a success whose outcome is not known, with the id from OData-EntityId", async () => {
    const { emulator, connection } = fixture;
    const id = "00000000-0000-0000-0000-0000000000cc";
    emulator.inject({
      method: "PATCH",
      path: "accounts(accountnumber='UP-204')",
      status: 204,
      headers: { "OData-EntityId": `${emulator.apiRoot}accounts(${id})` },
    });
    const data = await runAction("upsertEntity", {
      connection,
      entityType: "accounts",
      entityId: "accountnumber='UP-204'",
      dynamicValues: { name: "No content" },
    });
    expect(data).toEqual({ "@component.id": id, "@component.created": null });
    expectSameShape(data, examples("upsertEntity"));
    const byGuid = SEED.accounts.litware;
    emulator.inject({ method: "PATCH", path: `accounts(${byGuid})`, status: 204 });
    const updated = await runAction("upsertEntity", {
      connection,
      entityType: "accounts",
      entityId: byGuid,
      dynamicValues: { name: "Litware, Inc." },
    });
    expect(updated).toEqual({ "@component.id": byGuid, "@component.created": null });
  });

  it("requires at least one field", async () => {
    const error = await actionError("updateEntity", {
      connection: fixture.connection,
      entityType: "accounts",
      entityId: SEED.accounts.litware,
    });
    expect(error.message).toMatch(/^Field Value: no fields were given/);
  });
});

describe("deleteEntity", () => {
  it("deletes and returns the deleted id; a second delete is not found", async () => {
    const { connection } = fixture;
    const { "@component.id": id } = await runAction("createEntity", {
      connection,
      entityType: "leads",
      dynamicValues: { subject: "Delete me", lastname: "Temp" },
    });
    const data = await runAction("deleteEntity", { connection, entityType: "leads", entityId: id });
    expect(data).toEqual({ id, deleted: true, alreadyGone: false });
    expectSameShape(data, examples("deleteEntity"));
    const again = await actionError("deleteEntity", { connection, entityType: "leads", entityId: id });
    expect(again).toMatchObject({ status: 404 });
  });
});

describe("queryEntities", () => {
  it("queries with $select, $filter, $orderby, $expand and a page size, to the last page", async () => {
    const { emulator, connection } = fixture;
    const params = {
      connection,
      entityType: "accounts",
      fieldNames: ["name", "address1_city"],
      filterExpression: "address1_city eq 'Redmond' or revenue gt 500000",
      orderByFieldNames: ["name desc"],
      expandPropertyNames: ["primarycontactid($select=fullname)"],
      recordsPerPage: "2",
      includeCount: true,
    };
    const first = await runAction("queryEntities", params);
    expect(first.value.map((record: { name: string }) => record.name)).toEqual(["Northwind Traders", "Litware, Inc."]);
    expect(first.count).toBe(5);
    expect(first["@odata.nextLink"]).toContain("$skiptoken=");
    expect(first.oDataNextLink).toBe(first["@odata.nextLink"]);
    expectSameShape(first, examples("queryEntities"));
    const second = await runAction("queryEntities", { ...params, nextPageId: first.oDataNextLink });
    expect(second.value.map((record: { name: string }) => record.name)).toEqual(["Fabrikam Inc", "Contoso Ltd"]);
    const third = await runAction("queryEntities", { ...params, nextPageId: second["@odata.nextLink"] });
    expect(third.value.map((record: { name: string }) => record.name)).toEqual(["Adventure Works"]);
    expect(third["@odata.nextLink"]).toBeUndefined();
    expect(third).not.toHaveProperty("oDataNextLink");
    expectSameShape(third, examples("queryEntities"), LAST_PAGE);

    const [request, next] = emulator.takeRequests();
    expect(request).toMatchObject({
      method: "GET",
      path: "accounts",
      query: {
        $select: "name,address1_city",
        $filter: "address1_city eq 'Redmond' or revenue gt 500000",
        $orderby: "name desc",
        $expand: "primarycontactid($select=fullname)",
        $count: "true",
      },
    });
    expect(request.headers.prefer).toBe("odata.maxpagesize=2");
    expect(next.headers.prefer).toBe("odata.maxpagesize=2");
    expect(next.query.$skiptoken).toMatch(/^<cookie pagenumber="2" pagingcookie="%253ccookie/);
  });

  it("accepts a bare skip token as the next page id", async () => {
    const { connection } = fixture;
    const params = { connection, entityType: "contacts", orderByFieldNames: ["lastname"], recordsPerPage: "2" };
    const first = await runAction("queryEntities", params);
    const skipToken = new URL(first["@odata.nextLink"]).searchParams.get("$skiptoken");
    const second = await runAction("queryEntities", { ...params, nextPageId: skipToken });
    expect(second.value[0].lastname > first.value[1].lastname).toBe(true);
  });

  it("fetches all pages when asked", async () => {
    const data = await runAction("queryEntities", { connection: fixture.connection, entityType: "contacts", fetchAll: true });
    expect(data.value.length).toBeGreaterThanOrEqual(4);
    expect(data["@odata.nextLink"]).toBeUndefined();
  });

  it("stops with an error when an empty page still links to a next page", async () => {
    const { emulator, connection } = fixture;
    const nextLink = `${emulator.apiRoot}accounts?$select=name&$skiptoken=empty`;
    emulator.inject({ method: "GET", path: "accounts", status: 200, body: { value: [], "@odata.nextLink": nextLink } });
    const error = await actionError("queryEntities", { connection, entityType: "accounts", fetchAll: true });
    expect(error.message).toMatch(/linked to a next page after page 1 but returned no records on it/);
    expect(emulator.takeRequests()).toHaveLength(1);
  });

  it("stops with an error when a next page link repeats", async () => {
    const { emulator, connection } = fixture;
    const nextLink = `${emulator.apiRoot}accounts?$select=name`;
    emulator.inject({
      method: "GET",
      path: "accounts",
      status: 200,
      body: { value: [{ name: "Loop" }], "@odata.nextLink": nextLink },
      times: 2,
    });
    const error = await actionError("queryEntities", { connection, entityType: "accounts", fetchAll: true });
    expect(error.message).toMatch(/gave the same next page link twice, after page 2/);
    expect(emulator.takeRequests()).toHaveLength(2);
  });

  it.each([["0"], ["5001"], ["ten"], ["2.5"]])("refuses %p records per page", async (recordsPerPage) => {
    const error = await actionError("queryEntities", { connection: fixture.connection, entityType: "accounts", recordsPerPage });
    expect(error.message).toMatch(/^Records Per Page: .* must be a whole number from 1 to 5000/);
  });

  it("refuses a next page link to another host without sending the token there", async () => {
    const error = await actionError("queryEntities", {
      connection: fixture.connection,
      entityType: "accounts",
      nextPageId: "https://attacker.example.com/api/data/v9.2/accounts?$skiptoken=x",
    });
    expect(error.message).toMatch(/^Next Page Id: links to https:\/\/attacker\.example\.com, not to this connection's/);
    expect(fixture.emulator.takeRequests()).toHaveLength(0);
  });
});

describe("one request per single-record action", () => {
  it.each([
    ["createEntity", { entityType: "leads", dynamicValues: { lastname: "Single" } }],
    ["getEntity", { entityType: "accounts", entityId: SEED.accounts.contoso }],
    ["updateEntity", { entityType: "accounts", entityId: SEED.accounts.contoso, dynamicValues: { telephone1: "1" } }],
    ["upsertEntity", { entityType: "accounts", entityId: "accountnumber='ONE-1'", dynamicValues: { name: "One" } }],
    ["deleteEntity", { entityType: "accounts", entityId: "accountnumber='ONE-1'" }],
  ])("%s sends exactly one request, with no pre-flight", async (key, params) => {
    await runAction(key, { connection: fixture.connection, ...params });
    expect(fixture.emulator.takeRequests()).toHaveLength(1);
  });
});
