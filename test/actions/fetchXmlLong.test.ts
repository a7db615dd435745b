import { XMLParser } from "fast-xml-parser";
import component from "../../src";
import { MAX_DIRECT_URL_LENGTH } from "../../src/client";
import type { TableDefinition } from "../emulator/schema";
import type { RecordedRequest } from "../emulator/server";
import { actionError, expectSameShape, LAST_PAGE, runAction, useEmulator } from "../support";

/** Dataverse sends the counts only when the query and the annotations ask for them. */
const COUNTS = ["totalRecordCount", "totalRecordCountLimitExceeded"];

const fixture = useEmulator();
const example = (component.actions.fetchXml.examplePayload as { data: unknown }).data;

const ROWS = 25;
const subjects = Array.from({ length: ROWS }, (_, row) => `Long ${String(row).padStart(2, "0")}`);

/** An `in` condition naming every seeded subject among `fillers` subjects that match nothing. */
const leadsQuery = (fillers: number, entity = "lead"): string => {
  const values = [...subjects, ...Array.from({ length: fillers }, (_, index) => `No such subject ${index}`)];
  return `<fetch count="10">
    <entity name="${entity}">
      <attribute name="subject" />
      <attribute name="leadqualitycode" />
      <filter><condition attribute="subject" operator="in">${values.map((value) => `<value>${value}</value>`).join("")}</condition></filter>
      <order attribute="subject" />
    </entity>
  </fetch>`;
};

/** About 40 KB once URL-encoded: over Dataverse's 32 KB for a URL of its own, under its 64 KB inside $batch. */
const LONG_QUERY = leadsQuery(1000);
const SHORT_QUERY = leadsQuery(0);

const fetchAttributes = (fetchXml: string): Record<string, string> =>
  new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "", parseAttributeValue: false }).parse(fetchXml).fetch;

/** The one inner request of a `$batch` body: its request line's URL and its headers. */
const innerGet = (request: RecordedRequest): { path: string; fetchXml: string; headers: string } => {
  const match = /\r\nGET (\S+) HTTP\/1\.1\r\n([\s\S]*?)\r\n\r\n/.exec(request.body);
  if (!match) throw new Error(`no GET part in: ${request.body.slice(0, 200)}`);
  const url = new URL(match[1], "http://host");
  return { path: url.pathname, fetchXml: url.searchParams.get("fetchXml") ?? "", headers: match[2] };
};

const expectBatchesOnly = (requests: RecordedRequest[], count: number): void => {
  expect(requests.map((request) => [request.method, request.path])).toEqual(Array.from({ length: count }, () => ["POST", "$batch"]));
  for (const request of requests) {
    expect(request.headers["content-type"]).toMatch(/^multipart\/mixed; boundary="batch_/);
  }
};

beforeAll(() => {
  const leads = fixture.emulator.store.byLogicalName("lead") as TableDefinition;
  subjects.forEach((subject, row) =>
    fixture.emulator.store.create(leads, { subject, lastname: `L${row}`, leadqualitycode: (row % 3) + 1 }),
  );
});

describe("fetchXml: a query too long for a URL goes through $batch", () => {
  it("is over the direct limit as a URL, and the emulator refuses it as one", async () => {
    const { emulator } = fixture;
    const url = `${emulator.apiRoot}leads?fetchXml=${encodeURIComponent(LONG_QUERY)}`;
    expect(url.length).toBeGreaterThan(32_768);
    expect(url.length).toBeLessThan(65_536);
    expect(`${emulator.apiRoot}leads?fetchXml=${encodeURIComponent(SHORT_QUERY)}`.length).toBeLessThan(MAX_DIRECT_URL_LENGTH);
    const response = await fetch(url, { headers: { Authorization: `Bearer ${emulator.accessToken}` } });
    expect(response.status).toBe(414);
  });

  it("fetches all pages as GET parts of $batch requests, with the same records as the direct GETs", async () => {
    const { emulator, connection } = fixture;
    const callerObjectId = "a1b2c3d4-0000-4000-8000-00000000a002";
    const params = {
      connection,
      entityType: "leads",
      fetchAll: true,
      impersonateUserId: callerObjectId,
      impersonateBy: "CallerObjectId",
      includeAnnotations: "OData.Community.Display.V1.FormattedValue",
    };
    const data = await runAction("fetchXml", { ...params, xmlQuery: LONG_QUERY });
    // Past page 1 only with the paging annotations, which the emulator sends only when the part's own Prefer asks.
    expect(data.value.map((record: { subject: string }) => record.subject)).toEqual(subjects);
    expect(data).toMatchObject({ pageNumber: 3, moreRecords: false });
    expectSameShape(data, example, { optional: [...(LAST_PAGE.optional ?? []), ...COUNTS] });

    const requests = emulator.takeRequests();
    expectBatchesOnly(requests, 3);
    const parts = requests.map(innerGet);
    expect(parts.map((part) => part.path)).toEqual(["/api/data/v9.2/leads", "/api/data/v9.2/leads", "/api/data/v9.2/leads"]);
    expect(parts.map((part) => fetchAttributes(part.fetchXml).page)).toEqual(["1", "2", "3"]);
    expect(fetchAttributes(parts[1].fetchXml)["paging-cookie"]).toMatch(/^<cookie page="1"><subject last="Long 09" first="Long 00" \/>/);
    expect(fetchAttributes(parts[2].fetchXml)["paging-cookie"]).toMatch(/^<cookie page="2"><subject last="Long 19" first="Long 10" \/>/);
    for (const [index, part] of parts.entries()) {
      expect(part.headers).toContain(
        'Prefer: odata.include-annotations="Microsoft.Dynamics.CRM.fetchxmlpagingcookie,Microsoft.Dynamics.CRM.morerecords,OData.Community.Display.V1.FormattedValue"',
      );
      expect(part.headers).toContain(`CallerObjectId: ${callerObjectId}`);
      expect(requests[index].headers.callerobjectid).toBe(callerObjectId);
    }

    const direct = await runAction("fetchXml", { ...params, xmlQuery: SHORT_QUERY });
    expect(data).toEqual(direct);
  });

  it("returns one page and a next page id that leads on, as the direct GET does", async () => {
    const { emulator, connection } = fixture;
    const first = await runAction("fetchXml", { connection, entityType: "leads", xmlQuery: LONG_QUERY });
    expect(first).toMatchObject({ pageNumber: 1, moreRecords: true });
    expect(first.nextPageId).toMatch(/^<cookie page="1"><subject last="Long 09" first="Long 00" \/><leadid last="\{/);
    expectSameShape(first, example, { optional: COUNTS });
    const second = await runAction("fetchXml", { connection, entityType: "leads", xmlQuery: LONG_QUERY, nextPageId: first.nextPageId });
    expect(second.value.map((record: { subject: string }) => record.subject)).toEqual(subjects.slice(10, 20));
    expect(second).toMatchObject({ pageNumber: 2, moreRecords: true });
    expectBatchesOnly(emulator.takeRequests(), 2);

    const direct = await runAction("fetchXml", { connection, entityType: "leads", xmlQuery: SHORT_QUERY });
    expect(first).toEqual(direct);
  });

  it("sends a short query as one plain GET, exactly as before", async () => {
    const { emulator, connection } = fixture;
    const data = await runAction("fetchXml", { connection, entityType: "leads", xmlQuery: SHORT_QUERY });
    expect(data.value).toHaveLength(10);
    const requests = emulator.takeRequests();
    expect(requests.map((request) => [request.method, request.path])).toEqual([["GET", "leads"]]);
    expect(fetchAttributes(requests[0].query.fetchXml)).toMatchObject({ count: "10", page: "1" });
    expect(requests[0].body).toBe("");
  });

  it("reports a failed part as the direct GET's error: same status, code and message", async () => {
    const { emulator, connection } = fixture;
    const direct = await actionError("fetchXml", { connection, entityType: "contacts", xmlQuery: leadsQuery(0) });
    const batched = await actionError("fetchXml", { connection, entityType: "contacts", xmlQuery: LONG_QUERY });
    expect(batched).toMatchObject({ status: 400, code: "0x80060888", method: "GET" });
    expect(batched).toMatchObject({
      status: (direct as any).status,
      code: (direct as any).code,
      dataverseMessage: (direct as any).dataverseMessage,
    });
    expect(batched.message).toMatch(
      /^Dataverse answered 400 for GET contacts: The entity name 'lead' in the FetchXML does not match the entity set 'contacts'\. \(code 0x80060888, request id [0-9a-f-]+\)$/,
    );
    expect(emulator.takeRequests().map((request) => [request.method, request.path])).toEqual([
      ["GET", "contacts"],
      ["POST", "$batch"],
    ]);
  });

  it("says so when $batch answers with something other than multipart", async () => {
    const { emulator, connection } = fixture;
    emulator.inject({ path: "$batch", status: 200, headers: { "Content-Type": "application/json" }, body: JSON.stringify({ value: [] }) });
    const error = await actionError("fetchXml", { connection, entityType: "leads", xmlQuery: LONG_QUERY });
    expect(error.message).toMatch(
      /^Dataverse answered 200 for POST \$batch: the \$batch response could not be read: it was application\/json, not multipart\/mixed: \{"value":\[\]\}/,
    );
    emulator.inject({
      path: "$batch",
      status: 400,
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ error: { code: "0x80048d0b", message: "The batch could not be read." } }),
    });
    const refusal = await actionError("fetchXml", { connection, entityType: "leads", xmlQuery: LONG_QUERY });
    expect(refusal).toMatchObject({ status: 400, code: "0x80048d0b", dataverseMessage: "The batch could not be read." });
    expectBatchesOnly(emulator.takeRequests(), 2);
  });

  it("retries a gateway fault on its $batch, which only reads, as it would a GET", async () => {
    const { emulator, connection } = fixture;
    emulator.inject({ path: "$batch", status: 503, headers: { "Retry-After": "0" }, body: "<html>Service Unavailable</html>" });
    const data = await runAction("fetchXml", { connection, entityType: "leads", xmlQuery: LONG_QUERY });
    expect(data.value).toHaveLength(10);
    expectBatchesOnly(emulator.takeRequests(), 2);
  });

  it("refuses a query too long even for $batch before any request", async () => {
    const { emulator, connection } = fixture;
    const error = await actionError("fetchXml", { connection, entityType: "leads", xmlQuery: leadsQuery(2000) });
    expect(error.message).toMatch(
      /^XML Query: is \d+ characters long as a URL .*more than the 65536 Dataverse accepts even inside \$batch/,
    );
    expect(emulator.takeRequests()).toHaveLength(0);
  });
});
