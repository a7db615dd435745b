import { XMLParser } from "fast-xml-parser";
import { createDataverseClient, FETCH_ALL_LIMIT, parseFetchXml, runFetchXmlAll, SIMPLE_PAGING_LIMIT } from "../../src/client";
import { fetchXmlFetchAllLimits } from "../../src/inputs/fetchXml";
import type { TableDefinition } from "../emulator/schema";
import { runAction, useEmulator } from "../support";

const fixture = useEmulator();

const fetchAttributes = (fetchXml: string): Record<string, string> =>
  new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "", parseAttributeValue: false }).parse(fetchXml).fetch;

/** Ordered on a column of the parent account: Dataverse pages such a query without a paging cookie. */
const byParentAccount = (count: number, company: string) => `<fetch count="${count}">
  <entity name="lead">
    <attribute name="subject" />
    <filter><condition attribute="companyname" operator="eq" value="${company}" /></filter>
    <link-entity name="account" from="accountid" to="parentaccountid" link-type="outer"><order attribute="name" /></link-entity>
  </entity>
</fetch>`;

const SMALL = 7;
// Simple paging's reach is a parameter: 20 rows here stand for Dataverse's 50,000, so the test needs only 21.
const REACH = 20;
const LARGE = REACH + 1;

beforeAll(() => {
  const leads = fixture.emulator.store.byLogicalName("lead") as TableDefinition;
  for (let row = 0; row < SMALL; row += 1) {
    fixture.emulator.store.create(leads, { subject: `Small ${row}`, lastname: `S${row}`, companyname: "Small Co" });
  }
  for (let row = 0; row < LARGE; row += 1) {
    fixture.emulator.store.create(leads, { subject: `Large ${row}`, lastname: `L${row}`, companyname: "Large Co" });
  }
});

describe("fetchXml: Fetch All when Dataverse returns no paging cookie", () => {
  it("pages by page number alone below 50,000 rows: none lost, none repeated", async () => {
    const { emulator, connection } = fixture;
    const data = await runAction("fetchXml", { connection, entityType: "leads", xmlQuery: byParentAccount(2, "Small Co"), fetchAll: true });
    expect(data).toMatchObject({ pageNumber: 4, moreRecords: false });
    const subjects = data.value.map((record: { subject: string }) => record.subject);
    expect(new Set(subjects)).toEqual(new Set(Array.from({ length: SMALL }, (_, row) => `Small ${row}`)));
    expect(subjects).toHaveLength(SMALL);
    const sent = emulator.takeRequests().map((request) => fetchAttributes(request.query.fetchXml));
    expect(sent.map((attributes) => attributes.page)).toEqual(["1", "2", "3", "4"]);
    expect(sent.map((attributes) => attributes["paging-cookie"])).toEqual([undefined, undefined, undefined, undefined]);
  });

  it("stops with an input error before the page that would pass simple paging's reach, rather than truncate", async () => {
    const { emulator, connection } = fixture;
    const request = { query: parseFetchXml(byParentAccount(5, "Large Co"), "XML Query") };
    const limits = { maxRecords: FETCH_ALL_LIMIT, ...fetchXmlFetchAllLimits, simplePagingRows: REACH };
    const error = await runFetchXmlAll(createDataverseClient(connection), "leads", request, limits).catch((caught: Error) => caught);
    expect((error as Error).message).toMatch(
      /^Fetch All: Dataverse returned no paging cookie for this query .* pages only through the first 20 rows, which this query has more than: order by columns of the primary entity only, so Dataverse returns paging cookies, or narrow the filter\.$/,
    );
    const sent = emulator.takeRequests().map((request) => fetchAttributes(request.query.fetchXml).page);
    expect(sent).toEqual(["1", "2", "3", "4"]);
  });

  it("reaches 50,000 rows by default, as Dataverse's simple paging does", () => {
    expect(SIMPLE_PAGING_LIMIT).toBe(50_000);
    expect(fetchXmlFetchAllLimits.pastSimplePaging(SIMPLE_PAGING_LIMIT).message).toContain("pages only through the first 50000 rows");
  });
});
