import { XMLParser } from "fast-xml-parser";
import type { TableDefinition } from "../emulator/schema";
import { actionError, runAction, useEmulator } from "../support";

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
// One row past what simple paging reaches, so Fetch All would need page 11 of 5000.
const LARGE = 50_001;

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

  it("stops with an input error before the page that would pass 50,000 rows, rather than truncate", async () => {
    const { emulator, connection } = fixture;
    const error = await actionError("fetchXml", {
      connection,
      entityType: "leads",
      xmlQuery: byParentAccount(5000, "Large Co"),
      fetchAll: true,
    });
    expect(error.message).toMatch(
      /^Fetch All: Dataverse returned no paging cookie for this query .* pages only through the first 50000 rows, which this query has more than: order by columns of the primary entity only, so Dataverse returns paging cookies, or narrow the filter\.$/,
    );
    const sent = emulator.takeRequests().map((request) => fetchAttributes(request.query.fetchXml).page);
    expect(sent).toEqual(["1", "2", "3", "4", "5", "6", "7", "8", "9", "10"]);
    // Ten pages of 5000 through the emulator take several seconds.
  }, 90_000);
});
