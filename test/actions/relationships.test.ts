import component from "../../src";
import { setLinkPageSize } from "../emulator/relationships";
import { SEED } from "../emulator/seed";
import { actionError, expectSameShape, runAction, useEmulator } from "../support";

const fixture = useEmulator();
const examples = (key: string) => (component.actions[key].examplePayload as { data: unknown }).data;
const LEAD = "00001ead-0000-4000-8000-000000000001";

const table = (logicalName: string) => fixture.emulator.store.byLogicalName(logicalName)!;
const stored = (logicalName: string, id: string) => fixture.emulator.store.find(table(logicalName), id)!;
const linkIds = async (entityType: string, entityId: string, navigationProperty: string): Promise<string[]> => {
  const data = await runAction("listAssociatedEntities", { connection: fixture.connection, entityType, entityId, navigationProperty });
  return data.links.map((link: { id: string }) => link.id).sort();
};

describe("a 1:N collection-valued navigation property", () => {
  it("associates, lists and disassociates with one request each", async () => {
    const { emulator, connection } = fixture;
    const associated = await runAction("associateEntities", {
      connection,
      entityType: "accounts",
      entityId: SEED.accounts.fabrikam,
      navigationProperty: "contact_customer_accounts",
      relatedEntityType: "contacts",
      relatedEntityId: SEED.contacts.yvonne,
    });
    expect(associated).toEqual({
      entityType: "accounts",
      id: SEED.accounts.fabrikam,
      navigationProperty: "contact_customer_accounts",
      relatedEntityType: "contacts",
      relatedId: SEED.contacts.yvonne,
      associated: true,
    });
    expectSameShape(associated, examples("associateEntities"));
    const [post, ...others] = emulator.takeRequests();
    expect(others).toHaveLength(0);
    expect(`${post.method} ${post.path}`).toBe(`POST accounts(${SEED.accounts.fabrikam})/contact_customer_accounts/$ref`);
    expect(JSON.parse(post.body)).toEqual({ "@odata.id": `${emulator.apiRoot}contacts(${SEED.contacts.yvonne})` });
    expect(stored("contact", SEED.contacts.yvonne)._parentcustomerid_value).toBe(SEED.accounts.fabrikam);

    const listed = await runAction("listAssociatedEntities", {
      connection,
      entityType: "accounts",
      entityId: SEED.accounts.fabrikam,
      navigationProperty: "contact_customer_accounts",
    });
    expect(listed.links).toHaveLength(2);
    expect(listed.links).toContainEqual({
      entityType: "contacts",
      id: SEED.contacts.yvonne,
      url: `${emulator.apiRoot}contacts(${SEED.contacts.yvonne})`,
    });
    expectSameShape(listed, examples("listAssociatedEntities"));
    const [get] = emulator.takeRequests();
    expect(`${get.method} ${get.path}`).toBe(`GET accounts(${SEED.accounts.fabrikam})/contact_customer_accounts/$ref`);

    const removed = await runAction("disassociateEntities", {
      connection,
      entityType: "accounts",
      entityId: SEED.accounts.fabrikam,
      navigationProperty: "contact_customer_accounts",
      relatedEntityId: `{${SEED.contacts.yvonne.toUpperCase()}}`,
    });
    expect(removed).toEqual({
      entityType: "accounts",
      id: SEED.accounts.fabrikam,
      navigationProperty: "contact_customer_accounts",
      relatedId: SEED.contacts.yvonne,
      disassociated: true,
    });
    expectSameShape(removed, examples("disassociateEntities"));
    const [deletion, ...rest] = emulator.takeRequests();
    expect(rest).toHaveLength(0);
    expect(`${deletion.method} ${deletion.path}`).toBe(
      `DELETE accounts(${SEED.accounts.fabrikam})/contact_customer_accounts(${SEED.contacts.yvonne})/$ref`,
    );
    expect(deletion.body).toBe("");
    expect(await linkIds("accounts", SEED.accounts.fabrikam, "contact_customer_accounts")).toEqual([SEED.contacts.james]);
  });

  it("addresses both records by alternate key", async () => {
    const { emulator, connection } = fixture;
    await runAction("associateEntities", {
      connection,
      entityType: "accounts",
      entityId: "accountnumber='A-1005'",
      navigationProperty: "contact_customer_accounts",
      relatedEntityType: "contacts",
      relatedEntityId: "emailaddress1='nancy@litware.com'",
    });
    const [post] = emulator.takeRequests();
    expect(post.path).toBe("accounts(accountnumber='A-1005')/contact_customer_accounts/$ref");
    // The @odata.id is a URL, so the key value in it is percent-encoded like the request's own path.
    expect(JSON.parse(post.body)).toEqual({ "@odata.id": `${emulator.apiRoot}contacts(emailaddress1='nancy%40litware.com')` });
    expect(stored("contact", SEED.contacts.nancy)._parentcustomerid_value).toBe(SEED.accounts.northwind);
  });
});

describe("an N:N relationship", () => {
  it("links records both ways and refuses a second, identical association without retrying it", async () => {
    const { emulator, connection } = fixture;
    const params = {
      connection,
      entityType: "accounts",
      entityId: SEED.accounts.contoso,
      navigationProperty: "accountleads_association",
      relatedEntityType: "leads",
      relatedEntityId: LEAD,
    };
    await runAction("associateEntities", params);
    expect(await linkIds("leads", LEAD, "accountleads_association")).toEqual([SEED.accounts.contoso]);
    expect(await linkIds("accounts", SEED.accounts.contoso, "accountleads_association")).toEqual([LEAD]);
    emulator.takeRequests();

    const error = await actionError("associateEntities", params);
    expect(error).toMatchObject({ status: 412, code: "0x80040237" });
    expect(error.message).toContain("Cannot insert duplicate key.");
    expect(emulator.takeRequests()).toHaveLength(1);

    const removed = await runAction("disassociateEntities", {
      connection,
      entityType: "leads",
      entityId: LEAD,
      navigationProperty: "accountleads_association",
      relatedEntityId: SEED.accounts.contoso,
    });
    expect(removed.relatedId).toBe(SEED.accounts.contoso);
    expect(await linkIds("accounts", SEED.accounts.contoso, "accountleads_association")).toEqual([]);
  });
});

describe("a single-valued navigation property", () => {
  it("sets the lookup with PUT and clears it with DELETE", async () => {
    const { emulator, connection } = fixture;
    const opportunity = "000000b0-0000-4000-8000-000000000003";
    await runAction("associateEntities", {
      connection,
      entityType: "opportunities",
      entityId: opportunity,
      navigationProperty: "customerid_account",
      navigationKind: "single",
      relatedEntityType: "accounts",
      relatedEntityId: SEED.accounts.litware,
    });
    const [put] = emulator.takeRequests();
    expect(`${put.method} ${put.path}`).toBe(`PUT opportunities(${opportunity})/customerid_account/$ref`);
    expect(JSON.parse(put.body)).toEqual({ "@odata.id": `${emulator.apiRoot}accounts(${SEED.accounts.litware})` });
    expect(await linkIds("opportunities", opportunity, "customerid_account")).toEqual([SEED.accounts.litware]);

    const cleared = await runAction("disassociateEntities", {
      connection,
      entityType: "opportunities",
      entityId: opportunity,
      navigationProperty: "customerid_account",
    });
    // relatedId is there and null (a cleared lookup), which the shape check alone would let pass as anything.
    expect(cleared).toEqual({
      entityType: "opportunities",
      id: opportunity,
      navigationProperty: "customerid_account",
      relatedId: null,
      disassociated: true,
    });
    expect("relatedId" in cleared).toBe(true);
    expectSameShape(cleared, examples("disassociateEntities"));
    const [, deletion] = emulator.takeRequests();
    expect(`${deletion.method} ${deletion.path}`).toBe(`DELETE opportunities(${opportunity})/customerid_account/$ref`);
    expect(stored("opportunity", opportunity)._customerid_value).toBeNull();
    expect(await linkIds("opportunities", opportunity, "customerid_account")).toEqual([]);
  });
});

describe("a collection with more links than one page holds", () => {
  const account = SEED.accounts.northwind;
  const list = () =>
    runAction("listAssociatedEntities", {
      connection: fixture.connection,
      entityType: "accounts",
      entityId: account,
      navigationProperty: "contact_customer_accounts",
    });
  const refPath = `accounts(${account})/contact_customer_accounts/$ref`;
  const linkTo = (id: string) => ({ "@odata.id": `${fixture.emulator.apiRoot}contacts(${id})` });

  beforeAll(() => {
    for (let row = 0; row < 5; row += 1)
      fixture.emulator.store.create(table("contact"), { lastname: `Paged ${row}`, _parentcustomerid_value: account });
  });
  afterEach(() => setLinkPageSize(fixture.emulator.store, undefined));

  it("follows every next link and lists them all", async () => {
    const expected = fixture.emulator.store
      .list(table("contact"))
      .filter((contact) => contact._parentcustomerid_value === account)
      .map((contact) => contact.contactid);
    setLinkPageSize(fixture.emulator.store, 2);
    const listed = await list();
    expect(listed.links.map((link: { id: string }) => link.id).sort()).toEqual([...expected].sort());
    expect(expected.length).toBeGreaterThanOrEqual(5);
    const requests = fixture.emulator
      .takeRequests()
      .map((request) => `${request.method} ${request.path} ${request.query.$skiptoken ?? ""}`.trim());
    expect(requests).toEqual([
      `GET ${refPath}`,
      ...Array.from({ length: Math.ceil(expected.length / 2) - 1 }, (_, page) => `GET ${refPath} ${(page + 1) * 2}`),
    ]);
  });

  it.each([
    ["an empty page that links on", 1, { value: [] }, "returned no records on it"],
    ["the same next link again and again", 2, { value: [{}] }, "Dataverse gave the same next page link twice"],
  ])("stops on %s", async (_case, times, page, message) => {
    const next = `${fixture.emulator.apiRoot}${refPath}?$skiptoken=2`;
    const value = page.value.map(() => linkTo(SEED.contacts.maria));
    fixture.emulator.inject({ path: /\/\$ref$/, status: 200, times, body: { value, "@odata.nextLink": next } });
    const error = await actionError("listAssociatedEntities", {
      connection: fixture.connection,
      entityType: "accounts",
      entityId: account,
      navigationProperty: "contact_customer_accounts",
    });
    expect(error.message).toContain(message);
    expect(fixture.emulator.takeRequests()).toHaveLength(times);
  });

  it("never follows a next link to another host", async () => {
    fixture.emulator.inject({
      path: /\/\$ref$/,
      status: 200,
      body: { value: [linkTo(SEED.contacts.maria)], "@odata.nextLink": `https://elsewhere.example/api/data/v9.2/${refPath}?$skiptoken=1` },
    });
    const error = await actionError("listAssociatedEntities", {
      connection: fixture.connection,
      entityType: "accounts",
      entityId: account,
      navigationProperty: "contact_customer_accounts",
    });
    expect(error.message).toContain("refused to send the connection's token to https://elsewhere.example");
    expect(fixture.emulator.takeRequests()).toHaveLength(1);
  });
});

it("describes each kind of navigation property with an example of that kind", () => {
  const inputs = component.actions.associateEntities.inputs as { key: string; comments?: string }[];
  const comments = inputs.find((input) => input.key === "navigationProperty")?.comments ?? "";
  expect(comments).toContain("1:N (contact_customer_accounts)");
  expect(comments).toContain("N:N (accountleads_association)");
  expect(comments).toContain("lookup (parentcustomerid_account)");
});

describe("refusals", () => {
  const base = {
    entityType: "accounts",
    entityId: SEED.accounts.contoso,
    relatedEntityType: "contacts",
    relatedEntityId: SEED.contacts.maria,
  };

  it.each(["contact_customer_accounts/$ref", "x(1)", "", "a b", "../accounts"])(
    "refuses the navigation property %p before sending anything",
    async (navigationProperty) => {
      const error = await actionError("associateEntities", { connection: fixture.connection, ...base, navigationProperty });
      expect(error.message).toMatch(/^Navigation Property: /);
      expect(fixture.emulator.takeRequests()).toHaveLength(0);
    },
  );

  it.each([
    ["relatedEntityType", "contacts?x=1", /^Related Entity Type: /],
    ["relatedEntityId", "not-a-key", /^Related Entity ID: /],
    ["navigationKind", "Single", /^Navigation Property Type: 'Single' is not a navigation property type/],
  ])("refuses a bad %s before sending anything", async (name, value, message) => {
    const error = await actionError("associateEntities", {
      connection: fixture.connection,
      ...base,
      navigationProperty: "contact_customer_accounts",
      [name]: value,
    });
    expect(error.message).toMatch(message);
    expect(fixture.emulator.takeRequests()).toHaveLength(0);
  });

  it("needs a GUID to remove a member of a collection", async () => {
    const error = await actionError("disassociateEntities", {
      connection: fixture.connection,
      entityType: "accounts",
      entityId: SEED.accounts.contoso,
      navigationProperty: "contact_customer_accounts",
      relatedEntityId: "emailaddress1='x'",
    });
    expect(error.message).toMatch(/^Related Entity ID: .* is not a GUID/);
    expect(fixture.emulator.takeRequests()).toHaveLength(0);
  });

  it("reports a missing record as not found", async () => {
    const missing = "acc00000-0000-4000-8000-000000000999";
    const error = await actionError("associateEntities", {
      connection: fixture.connection,
      ...base,
      entityId: missing,
      navigationProperty: "contact_customer_accounts",
    });
    expect(error).toMatchObject({ status: 404, code: "0x80040217" });
    expect(error.message).toMatch(/^Record not found: /);
  });

  it("reports an unknown navigation property and a record of the wrong table as Dataverse does", async () => {
    const unknown = await actionError("listAssociatedEntities", {
      connection: fixture.connection,
      entityType: "accounts",
      entityId: SEED.accounts.contoso,
      navigationProperty: "no_such_relationship",
    });
    expect(unknown).toMatchObject({ status: 404, code: "0x8006088a" });
    const wrongTable = await actionError("associateEntities", {
      connection: fixture.connection,
      ...base,
      relatedEntityType: "leads",
      relatedEntityId: LEAD,
      navigationProperty: "contact_customer_accounts",
    });
    expect(wrongTable).toMatchObject({ status: 400 });
    expect(wrongTable.message).toContain("takes 'contact' records, not 'lead'");
  });

  it.each([
    ["null", "the links answer is not a JSON object"],
    ['{"value":[{"@odata.id":"not a record"}]}', 'the link "not a record" is not a record URL'],
    ['{"value":[{}]}', "the link undefined is not a record URL"],
    ['{"value":[{"@odata.id":"contacts(%E0%A4%A)"}]}', 'the link "contacts(%E0%A4%A)" is not a record URL'],
  ])("stops with a clear error when the links answer is %s", async (body, message) => {
    fixture.emulator.inject({ path: /\/\$ref$/, status: 200, headers: { "Content-Type": "application/json" }, body });
    const error = await actionError("listAssociatedEntities", {
      connection: fixture.connection,
      entityType: "accounts",
      entityId: SEED.accounts.contoso,
      navigationProperty: "contact_customer_accounts",
    });
    expect(error.message).toContain(message);
  });

  it("does not repeat an associate whose answer was lost, and says the outcome is unknown", async () => {
    fixture.emulator.inject({ method: "POST", path: /\/\$ref$/, status: 502, afterHandling: true, headers: { "Retry-After": "0" } });
    const error = await actionError("associateEntities", {
      connection: fixture.connection,
      ...base,
      entityId: SEED.accounts.litware,
      navigationProperty: "contact_customer_accounts",
    });
    expect(error).toMatchObject({ outcomeUnknown: true });
    expect(fixture.emulator.takeRequests()).toHaveLength(1);
    expect(stored("contact", SEED.contacts.maria)._parentcustomerid_value).toBe(SEED.accounts.litware);
  });
});
