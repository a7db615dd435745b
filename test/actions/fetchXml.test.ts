import { XMLParser } from "fast-xml-parser";
import component from "../../src";
import { SEED } from "../emulator/seed";
import type { TableDefinition } from "../emulator/schema";
import { actionError, expectSameShape, LAST_PAGE, runAction, useEmulator, type ShapeOptions } from "../support";

const fixture = useEmulator();
const example = (component.actions.fetchXml.examplePayload as { data: unknown }).data;
/** Dataverse sends the counts only when the query and the annotations ask for them. */
const COUNTS = ["totalRecordCount", "totalRecordCountLimitExceeded"];
const UNCOUNTED: ShapeOptions = { optional: COUNTS };
const UNCOUNTED_LAST_PAGE: ShapeOptions = { optional: [...(LAST_PAGE.optional ?? []), ...COUNTS] };

const fetchAttributes = (fetchXml: string): Record<string, string> =>
  new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "", parseAttributeValue: false }).parse(fetchXml).fetch;

const names = (records: { name?: string }[]) => records.map((record) => record.name);

const ACCOUNTS_BY_CITY = `<fetch count="2">
  <entity name="account">
    <attribute name="name" />
    <attribute name="address1_city" />
    <order attribute="address1_city" />
  </entity>
</fetch>`;

describe("fetchXml: one page at a time", () => {
  it("returns a page with the paging annotations asked for, and a next page id that round-trips", async () => {
    const { emulator, connection } = fixture;
    const params = { connection, entityType: "accounts", xmlQuery: ACCOUNTS_BY_CITY };
    const first = await runAction("fetchXml", params);
    expect(first).toMatchObject({ pageNumber: 1, moreRecords: true });
    expect(names(first.value)).toEqual(["Adventure Works", "Contoso Ltd"]);
    expect(first.nextPageId).toMatch(
      /^<cookie page="1"><address1_city last="Redmond" first="Bothell" \/><accountid last="\{00000ACC-0000-4000-8000-000000000001\}"/,
    );
    expectSameShape(first, example, UNCOUNTED);

    // Prismatic's component gives the cookie as PagingInfo.cookie; flows pass that back as Next Page ID.
    expect(first.PagingInfo).toEqual({ cookie: first.nextPageId, page: 1, nextPage: 2 });
    const second = await runAction("fetchXml", { ...params, nextPageId: first.PagingInfo.cookie });
    expect(second).toMatchObject({ pageNumber: 2, moreRecords: true, PagingInfo: { page: 2, nextPage: 3 } });
    expect(names(second.value)).toEqual(["Litware, Inc.", "Fabrikam Inc"]);
    const third = await runAction("fetchXml", { ...params, nextPageId: second.nextPageId, pageNumber: "3" });
    expect(third).toEqual({ value: [expect.objectContaining({ name: "Northwind Traders" })], pageNumber: 3, moreRecords: false });
    expectSameShape(third, example, UNCOUNTED_LAST_PAGE);

    const requests = emulator.takeRequests();
    expect(requests.map((request) => [request.method, request.path])).toEqual([
      ["GET", "accounts"],
      ["GET", "accounts"],
      ["GET", "accounts"],
    ]);
    expect(requests[0].headers.prefer).toBe(
      'odata.include-annotations="Microsoft.Dynamics.CRM.fetchxmlpagingcookie,Microsoft.Dynamics.CRM.morerecords"',
    );
    expect(requests[0].headers.callerobjectid).toBeUndefined();
    expect(fetchAttributes(requests[0].query.fetchXml)).toMatchObject({ count: "2", page: "1" });
    expect(fetchAttributes(requests[0].query.fetchXml)["paging-cookie"]).toBeUndefined();
    expect(fetchAttributes(requests[1].query.fetchXml)).toMatchObject({ count: "2", page: "2", "paging-cookie": first.nextPageId });
    expect(fetchAttributes(requests[2].query.fetchXml)).toMatchObject({ page: "3", "paging-cookie": second.nextPageId });
  });

  it("leaves null columns out and filters with nested and/or filters", async () => {
    const data = await runAction("fetchXml", {
      connection: fixture.connection,
      entityType: "accounts",
      xmlQuery: `<fetch>
        <entity name="account">
          <attribute name="name" /><attribute name="parentaccountid" /><attribute name="revenue" />
          <filter type="or">
            <condition attribute="name" operator="like" value="%works" />
            <filter type="and">
              <condition attribute="address1_city" operator="eq" value="Redmond" />
              <condition attribute="revenue" operator="lt" value="1000000" />
            </filter>
          </filter>
          <order attribute="name" />
        </entity>
      </fetch>`,
    });
    expect(data.value).toEqual([
      { "@odata.etag": expect.any(String), accountid: SEED.accounts.adventureWorks, name: "Adventure Works", revenue: 800000 },
      {
        "@odata.etag": expect.any(String),
        accountid: SEED.accounts.litware,
        name: "Litware, Inc.",
        revenue: 120000,
        _parentaccountid_value: SEED.accounts.contoso,
      },
    ]);
    expect(data).toMatchObject({ pageNumber: 1, moreRecords: false });
    expect(data.nextPageId).toBeUndefined();
  });

  it("merges the annotations asked for with the paging ones, keeps *, and impersonates with CallerObjectId", async () => {
    const { emulator, connection } = fixture;
    const callerObjectId = "A1B2C3D4-0000-4000-8000-00000000A002";
    const data = await runAction("fetchXml", {
      connection,
      entityType: "accounts",
      xmlQuery:
        '<fetch><entity name="account"><attribute name="name" /><attribute name="parentaccountid" /><filter><condition attribute="parentaccountid" operator="not-null" /></filter></entity></fetch>',
      includeAnnotations: "OData.Community.Display.V1.FormattedValue",
      impersonateUserId: `{${callerObjectId}}`,
      impersonateBy: "CallerObjectId",
    });
    expect(data.value[0]["_parentaccountid_value@OData.Community.Display.V1.FormattedValue"]).toBe("Contoso Ltd");
    await runAction("fetchXml", { connection, entityType: "accounts", xmlQuery: ACCOUNTS_BY_CITY, includeAnnotations: "*" });
    const [request, star] = emulator.takeRequests();
    expect(request.headers.prefer).toBe(
      'odata.include-annotations="Microsoft.Dynamics.CRM.fetchxmlpagingcookie,Microsoft.Dynamics.CRM.morerecords,OData.Community.Display.V1.FormattedValue"',
    );
    expect(request.headers.callerobjectid).toBe(callerObjectId.toLowerCase());
    expect(star.headers.prefer).toBe('odata.include-annotations="*"');
  });

  it("returns the total record count and whether it hit its limit when the query and the annotations ask for them", async () => {
    const { emulator, connection } = fixture;
    const xmlQuery = ACCOUNTS_BY_CITY.replace('count="2"', 'count="2" returntotalrecordcount="true"');
    const star = await runAction("fetchXml", { connection, entityType: "accounts", xmlQuery, includeAnnotations: "*" });
    expect(star).toMatchObject({ pageNumber: 1, moreRecords: true, totalRecordCount: 5, totalRecordCountLimitExceeded: false });
    expectSameShape(star, example);
    const named = await runAction("fetchXml", {
      connection,
      entityType: "accounts",
      xmlQuery,
      includeAnnotations: "Microsoft.Dynamics.CRM.totalrecordcount",
    });
    expect(named.totalRecordCount).toBe(5);
    expect(named).not.toHaveProperty("totalRecordCountLimitExceeded");
    expectSameShape(named, example, { optional: ["totalRecordCountLimitExceeded"] });
    const unasked = await runAction("fetchXml", { connection, entityType: "accounts", xmlQuery });
    expect(unasked).not.toHaveProperty("totalRecordCount");
    const [, request] = emulator.takeRequests();
    expect(request.headers.prefer).toBe(
      'odata.include-annotations="Microsoft.Dynamics.CRM.fetchxmlpagingcookie,Microsoft.Dynamics.CRM.morerecords,Microsoft.Dynamics.CRM.totalrecordcount"',
    );
  });

  it("asks for a page by number without a cookie (simple paging)", async () => {
    const data = await runAction("fetchXml", {
      connection: fixture.connection,
      entityType: "accounts",
      xmlQuery: ACCOUNTS_BY_CITY,
      pageNumber: "2",
    });
    expect(data).toMatchObject({ pageNumber: 2, moreRecords: true });
    expect(names(data.value)).toEqual(["Litware, Inc.", "Fabrikam Inc"]);
    const [request] = fixture.emulator.takeRequests();
    expect(fetchAttributes(request.query.fetchXml)["paging-cookie"]).toBeUndefined();
  });

  it("keeps the query's own page when no page input is given, and takes Dataverse's whole annotation as a next page id", async () => {
    const { emulator, connection } = fixture;
    const ownPage = await runAction("fetchXml", {
      connection,
      entityType: "accounts",
      xmlQuery: ACCOUNTS_BY_CITY.replace('count="2"', 'count="2" page="2"'),
    });
    expect(ownPage.pageNumber).toBe(2);
    expect(names(ownPage.value)).toEqual(["Litware, Inc.", "Fabrikam Inc"]);
    const annotation = `<cookie pagenumber="3" pagingcookie="${encodeURIComponent(encodeURIComponent(ownPage.nextPageId))}" istracking="False" />`;
    const third = await runAction("fetchXml", { connection, entityType: "accounts", xmlQuery: ACCOUNTS_BY_CITY, nextPageId: annotation });
    expect(third).toMatchObject({ pageNumber: 3, moreRecords: false, value: [expect.objectContaining({ name: "Northwind Traders" })] });
    const [, request] = emulator.takeRequests();
    expect(fetchAttributes(request.query.fetchXml)).toMatchObject({ page: "3", "paging-cookie": ownPage.nextPageId });
  });

  it("takes a next page id copied XML-escaped out of a paging-cookie attribute", async () => {
    const { emulator, connection } = fixture;
    const first = await runAction("fetchXml", { connection, entityType: "accounts", xmlQuery: ACCOUNTS_BY_CITY });
    const escaped = first.nextPageId.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
    const second = await runAction("fetchXml", { connection, entityType: "accounts", xmlQuery: ACCOUNTS_BY_CITY, nextPageId: escaped });
    expect(second).toMatchObject({ pageNumber: 2, moreRecords: true });
    expect(names(second.value)).toEqual(["Litware, Inc.", "Fabrikam Inc"]);
    const [, request] = emulator.takeRequests();
    expect(fetchAttributes(request.query.fetchXml)).toMatchObject({ page: "2", "paging-cookie": first.nextPageId });
  });

  it("refuses a page number that does not follow the next page id", async () => {
    const { connection } = fixture;
    const first = await runAction("fetchXml", { connection, entityType: "accounts", xmlQuery: ACCOUNTS_BY_CITY });
    fixture.emulator.takeRequests();
    const error = await actionError("fetchXml", {
      connection,
      entityType: "accounts",
      xmlQuery: ACCOUNTS_BY_CITY,
      nextPageId: first.nextPageId,
      pageNumber: "1",
    });
    expect(error.message).toBe("Page Number: 1 does not follow the Next Page Id, which ends page 1: give 2, or leave Page Number empty.");
    expect(fixture.emulator.takeRequests()).toHaveLength(0);
  });

  it.each([
    ['<fetch><entity name="account"></fetch>', /^XML Query: is not valid XML: Expected closing tag 'entity'/],
    ['<fetch count="5001"><entity name="account" /></fetch>', /^XML Query: <fetch count="5001"> must be a whole number from 1 to 5000/],
  ])("refuses the query %p before any request", async (xmlQuery, message) => {
    const error = await actionError("fetchXml", { connection: fixture.connection, entityType: "accounts", xmlQuery });
    expect(error.message).toMatch(message);
    expect(fixture.emulator.takeRequests()).toHaveLength(0);
  });

  it.each([
    ["impersonateUserId", "dan@contoso.com", /^Impersonate User Id: 'dan@contoso.com' is not a GUID/],
    ["includeAnnotations", 'x"; evil', /^Include Annotations: 'x"; evil' is not an annotation name/],
    ["pageNumber", "0", /^Page Number: '0' must be a whole number/],
    ["nextPageId", "page-2", /^Next Page Id: is not a FetchXML paging cookie/],
    ["nextPageId", '<cookie page="1">', /^Next Page Id: is not valid XML: Unclosed tag 'cookie'/],
  ])("refuses %s %p before any request", async (input, value, message) => {
    const error = await actionError("fetchXml", {
      connection: fixture.connection,
      entityType: "accounts",
      xmlQuery: ACCOUNTS_BY_CITY,
      [input]: value,
    });
    expect(error.message).toMatch(message);
    expect(fixture.emulator.takeRequests()).toHaveLength(0);
  });

  it("reports Dataverse's refusal of the query", async () => {
    const error = await actionError("fetchXml", { connection: fixture.connection, entityType: "contacts", xmlQuery: ACCOUNTS_BY_CITY });
    expect(error).toMatchObject({ status: 400 });
    expect(error.message).toMatch(/^Dataverse answered 400 for GET contacts: The entity name 'account'/);
  });
});

describe("fetchXml: top and aggregate queries are not paged", () => {
  it("sends a top query as it is, once, even with Fetch All", async () => {
    const { emulator, connection } = fixture;
    const xmlQuery =
      '<fetch top="2"><entity name="account"><attribute name="name" /><order attribute="revenue" descending="true" /></entity></fetch>';
    const data = await runAction("fetchXml", { connection, entityType: "accounts", xmlQuery, fetchAll: true });
    expect(data).toEqual({
      value: [expect.objectContaining({ name: "Contoso Ltd" }), expect.objectContaining({ name: "Northwind Traders" })],
      pageNumber: 1,
      moreRecords: false,
    });
    const requests = emulator.takeRequests();
    expect(requests).toHaveLength(1);
    expect(fetchAttributes(requests[0].query.fetchXml)).toEqual({ top: "2", entity: expect.anything() });
  });

  it("sends an aggregate query as it is", async () => {
    const xmlQuery = `<fetch aggregate="true"><entity name="account">
      <attribute name="address1_city" alias="city" groupby="true" />
      <attribute name="revenue" alias="total" aggregate="sum" />
      <attribute name="accountid" alias="accounts" aggregate="count" />
      <order alias="city" />
    </entity></fetch>`;
    const data = await runAction("fetchXml", { connection: fixture.connection, entityType: "accounts", xmlQuery, fetchAll: true });
    expect(data.value).toEqual([
      { city: "Bothell", total: 800000, accounts: 1 },
      { city: "Redmond", total: 5120000, accounts: 2 },
      { city: "Seattle", total: 2500000, accounts: 1 },
      { city: "Tacoma", total: 3100000, accounts: 1 },
    ]);
    const [request] = fixture.emulator.takeRequests();
    expect(fetchAttributes(request.query.fetchXml).page).toBeUndefined();
  });

  it("refuses a page input for a top query before any request", async () => {
    const error = await actionError("fetchXml", {
      connection: fixture.connection,
      entityType: "accounts",
      xmlQuery: '<fetch top="2"><entity name="account" /></fetch>',
      pageNumber: "2",
    });
    expect(error.message).toMatch(/^Page Number: a query with top or an aggregate returns one result and cannot be paged/);
    expect(fixture.emulator.takeRequests()).toHaveLength(0);
  });
});

describe("fetchXml: Fetch All", () => {
  const ROWS = 12_345;
  const tableOf = (logicalName: string): TableDefinition => fixture.emulator.store.byLogicalName(logicalName) as TableDefinition;

  beforeAll(() => {
    // Seeded straight into the store: 12,345 leads whose ratings repeat, so most order values are shared.
    const leads = tableOf("lead");
    for (let row = 0; row < ROWS; row += 1) {
      fixture.emulator.store.create(leads, {
        subject: `Bulk ${row}`,
        lastname: `L${row}`,
        leadqualitycode: (row % 3) + 1,
        companyname: "Bulk Co",
      });
    }
  });

  it("follows the paging cookie over 12,345 rows ordered on a column with duplicate values: none lost, none repeated", async () => {
    const { emulator, connection } = fixture;
    const xmlQuery = `<?xml version="1.0"?>
      <!-- every bulk lead, by rating -->
      <fetch count="5000">
        <entity name="lead">
          <attribute name="subject" />
          <attribute name="leadqualitycode" />
          <filter><condition attribute="companyname" operator="eq" value="Bulk Co" /></filter>
          <order attribute="leadqualitycode" descending="true" />
        </entity>
      </fetch>`;
    // Fetch All starts from the first page whatever Page Number and Next Page Id say.
    const data = await runAction("fetchXml", { connection, entityType: "leads", xmlQuery, fetchAll: true, pageNumber: "7" });
    expect(data.value).toHaveLength(ROWS);
    const subjects = new Set(data.value.map((record: { subject: string }) => record.subject));
    expect(subjects.size).toBe(ROWS);
    const ratings = data.value.map((record: { leadqualitycode: number }) => record.leadqualitycode);
    expect(ratings).toEqual([...ratings].sort((a, b) => b - a));
    expect(data).toMatchObject({ pageNumber: 3, moreRecords: false });
    expect(data.nextPageId).toBeUndefined();
    expectSameShape(data, example, UNCOUNTED_LAST_PAGE);

    const requests = emulator.takeRequests();
    expect(requests.map((request) => fetchAttributes(request.query.fetchXml).page)).toEqual(["1", "2", "3"]);
    const [, second, third] = requests.map((request) => fetchAttributes(request.query.fetchXml));
    expect(second).toMatchObject({
      count: "5000",
      "paging-cookie": expect.stringMatching(/^<cookie page="1"><leadqualitycode last="2" first="3" \/><leadid last="\{/),
    });
    expect(third["paging-cookie"]).toMatch(/^<cookie page="2"><leadqualitycode last="1" first="2" \/>/);
  });

  it("keeps the first page's count, capped at 5000 with the limit exceeded, over every page", async () => {
    const xmlQuery = `<fetch returntotalrecordcount="true"><entity name="lead"><attribute name="subject" /><filter><condition attribute="companyname" operator="eq" value="Bulk Co" /></filter></entity></fetch>`;
    const includeAnnotations = "Microsoft.Dynamics.CRM.totalrecordcount,Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded";
    const data = await runAction("fetchXml", {
      connection: fixture.connection,
      entityType: "leads",
      xmlQuery,
      includeAnnotations,
      fetchAll: true,
    });
    expect(data.value).toHaveLength(ROWS);
    expect(data).toMatchObject({ pageNumber: 3, moreRecords: false, totalRecordCount: 5000, totalRecordCountLimitExceeded: true });
    expectSameShape(data, example, LAST_PAGE);
  });

  it("pages with 5000 when the query gives no count", async () => {
    const xmlQuery = '<fetch><entity name="lead"><attribute name="subject" /></entity></fetch>';
    const data = await runAction("fetchXml", { connection: fixture.connection, entityType: "leads", xmlQuery, fetchAll: true });
    expect(data.value.length).toBe(ROWS + 4);
    expect(fixture.emulator.takeRequests().map((request) => fetchAttributes(request.query.fetchXml).count)).toEqual([
      "5000",
      "5000",
      "5000",
    ]);
  });

  it("stops with an error past 100,000 records rather than truncate", async () => {
    const { emulator, connection } = fixture;
    emulator.inject({
      path: "leads",
      times: 21,
      status: 200,
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(fakePage()),
    });
    const error = await actionError("fetchXml", {
      connection,
      entityType: "leads",
      xmlQuery: '<fetch><entity name="lead" /></fetch>',
      fetchAll: true,
    });
    expect(error.message).toMatch(/^Fetch All: the query returns more than 100000 records, the most one step may hold/);
    expect(emulator.takeRequests()).toHaveLength(21);
  });
});

/** A page of 5000 records that always says more follow, to drive Fetch All into its cap. */
const fakePage = () => ({
  value: Array.from({ length: 5000 }, (_, index) => ({ leadid: `00000000-0000-4000-8000-${String(index).padStart(12, "0")}` })),
  "@Microsoft.Dynamics.CRM.fetchxmlpagingcookie": `<cookie pagenumber="2" pagingcookie="${encodeURIComponent(encodeURIComponent('<cookie page="1"><leadid last="{X}" first="{Y}" /></cookie>'))}" istracking="False" />`,
  "@Microsoft.Dynamics.CRM.morerecords": true,
});
