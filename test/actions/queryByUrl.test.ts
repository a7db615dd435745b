/** Query Entities by URL: the query sent as given, paged and shaped like Query Entities, and what it refuses. */
import component from "../../src";
import { parseODataQuery } from "../../src/inputs/odataQuery";
import { SEED } from "../emulator/seed";
import { actionError, expectSameShape, runAction, useEmulator } from "../support";

const fixture = useEmulator();
const example = (component.actions.queryEntitiesByUrl.examplePayload as { data: unknown }).data;
const LAST_PAGE = { optional: ["@odata.nextLink", "oDataNextLink", "count"] };

const query = (odataQuery: string, params: Record<string, unknown> = {}) =>
  runAction("queryEntitiesByUrl", { connection: fixture.connection, odataQuery, ...params });

describe("queryEntitiesByUrl", () => {
  it("sends the entity set and its options as given, pages like Query Entities and counts when asked", async () => {
    const first = await query("accounts?$select=name&$filter=statecode eq 0&$orderby=name&$count=true", { recordsPerPage: "2" });
    const [request] = fixture.emulator.takeRequests();
    expect(request.path).toBe("accounts");
    expect(request.query).toEqual({ $select: "name", $filter: "statecode eq 0", $orderby: "name", $count: "true" });
    expect(request.headers.prefer).toBe("odata.maxpagesize=2");
    expect(first.value.map((record: { name: string }) => record.name)).toEqual(["Adventure Works", "Contoso Ltd"]);
    expect(first["@odata.nextLink"]).toContain("$skiptoken=");
    expect(first.oDataNextLink).toBe(first["@odata.nextLink"]);
    expect(first.count).toBe(5);
    expectSameShape(first, example);

    const second = await query("accounts?$select=name&$filter=statecode eq 0&$orderby=name&$count=true", {
      recordsPerPage: "2",
      nextPageId: first["@odata.nextLink"],
    });
    expect(second.value.map((record: { name: string }) => record.name)).toEqual(["Fabrikam Inc", "Litware, Inc."]);
  });

  it("fetches all pages into one list, with no next link, and expands", async () => {
    const data = await query("accounts?$select=name&$expand=primarycontactid($select=fullname)", { fetchAll: true, recordsPerPage: "2" });
    expect(data.value).toHaveLength(5);
    expect(data.value.find((record: { name: string }) => record.name === "Contoso Ltd").primarycontactid.fullname).toBe("Maria Campbell");
    expect(data).not.toHaveProperty("@odata.nextLink");
    expectSameShape(data, example, LAST_PAGE);
  });

  it("sends Top as $top with no page size, and refuses a second $top", async () => {
    const data = await query("contacts?$select=fullname&$orderby=fullname", { top: "3" });
    const [request] = fixture.emulator.takeRequests();
    expect(request.query.$top).toBe("3");
    expect(request.headers.prefer).toBeUndefined();
    expect(data.value).toHaveLength(3);
    const error = await actionError("queryEntitiesByUrl", { connection: fixture.connection, odataQuery: "contacts?$top=2", top: "3" });
    expect(error.message).toMatch(/^Top: /);
    expect(fixture.emulator.takeRequests()).toHaveLength(0);
  });

  it("fetches every page of a fetchXml query with Fetch All, following its paging cookie", async () => {
    const xml = "<fetch count='2'><entity name='account'><attribute name='name' /><order attribute='name' /></entity></fetch>";
    const data = await query(`accounts?fetchXml=${encodeURIComponent(xml)}`, { fetchAll: true });
    expect(data.value.map((record: { name: string }) => record.name)).toEqual([
      "Adventure Works",
      "Contoso Ltd",
      "Fabrikam Inc",
      "Litware, Inc.",
      "Northwind Traders",
    ]);
    expect(data).not.toHaveProperty("@odata.nextLink");
    expectSameShape(data, example, LAST_PAGE);
    const requests = fixture.emulator.takeRequests();
    expect(requests).toHaveLength(3);
    expect(requests.map((request) => request.headers.prefer)).toEqual(Array(3).fill(expect.stringContaining("morerecords")));
  });

  it("aggregates and groups with $apply", async () => {
    const totals = await query(
      "accounts?$apply=aggregate(revenue with sum as total,address1_city with countdistinct as cities,$count as n)",
    );
    expect(totals.value).toEqual([{ total: 11520000, cities: 4, n: 5 }]);
    const byCity = await query("accounts?$apply=filter(revenue gt 100000)/groupby((address1_city),aggregate(revenue with max as top))");
    expect(byCity.value).toEqual([
      { address1_city: "Bothell", top: 800000 },
      { address1_city: "Redmond", top: 5000000 },
      { address1_city: "Seattle", top: 2500000 },
      { address1_city: "Tacoma", top: 3100000 },
    ]);
    const error = (await actionError("queryEntitiesByUrl", {
      connection: fixture.connection,
      odataQuery: "accounts?$apply=compute(revenue mul 2 as double)",
    })) as Error & { status?: number };
    expect(error.status).toBe(400);
  });

  it("takes the request options: impersonation and formatted values", async () => {
    const data = await query(`contacts?$select=fullname,_parentcustomerid_value&$filter=contactid eq ${SEED.contacts.maria}`, {
      impersonateUserId: SEED.users.sales,
      includeFormattedValues: true,
    });
    const [request] = fixture.emulator.takeRequests();
    expect(request.headers.mscrmcallerid).toBe(SEED.users.sales);
    expect(request.headers.prefer).toMatch(
      /^odata\.maxpagesize=100,odata\.include-annotations="OData\.Community\.Display\.V1\.FormattedValue,/,
    );
    expect(data.value[0]["_parentcustomerid_value@OData.Community.Display.V1.FormattedValue"]).toBe("Contoso Ltd");
  });

  it.each([
    "https://evil.example.com/api/data/v9.2/accounts",
    "//evil.example.com/accounts",
    "/api/data/v9.2/accounts",
    "../accounts",
    "accounts/../../x",
    "accounts(00000acc-0000-4000-8000-000000000001)/contact_customer_accounts",
    "accounts?$select=name?$top=1",
    "accounts?$skip=2",
    "accounts?$select=name&$select=name",
    "accounts?$top=0",
    "accounts?$count=yes",
    "accounts?savedQuery=default",
    "accounts?$filter=",
    "accounts#x",
    "",
  ])("refuses %j before any request, naming OData Query", async (odataQuery) => {
    const error = await actionError("queryEntitiesByUrl", { connection: fixture.connection, odataQuery });
    expect(error.message).toMatch(/^OData Query: /);
    expect(fixture.emulator.takeRequests()).toHaveLength(0);
  });

  it("reads options, decoded, with parameter aliases and views", () => {
    expect(
      parseODataQuery("accounts?$filter=Microsoft.Dynamics.CRM.LastXHours(PropertyName=@p1,PropertyValue=@p2)&@p1='modifiedon'&@p2=12"),
    ).toEqual({
      entitySetName: "accounts",
      queryOptions: {
        $filter: "Microsoft.Dynamics.CRM.LastXHours(PropertyName=@p1,PropertyValue=@p2)",
        "@p1": "'modifiedon'",
        "@p2": "12",
      },
    });
    expect(parseODataQuery("accounts?savedQuery=00000000-0000-0000-00AA-000010001001&$select=name%2Caccountid").queryOptions).toEqual({
      savedQuery: "00000000-0000-0000-00AA-000010001001",
      $select: "name,accountid",
    });
  });
});
