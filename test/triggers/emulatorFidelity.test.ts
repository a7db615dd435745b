/** The emulator's change tracking and webhook tables, spoken to with plain fetch: they must answer as the reference says. */
import { SEED } from "../emulator/seed";
import { startEmulator, type Emulator } from "../emulator/server";
import { SDK_MESSAGES } from "../emulator/webhooks";
import { startListener } from "./support";

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.stop());

const call = async (method: string, url: string, options: { prefer?: string; body?: unknown } = {}) => {
  const headers: Record<string, string> = { Accept: "application/json", Authorization: `Bearer ${emulator.accessToken}` };
  if (options.prefer) headers.Prefer = options.prefer;
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(url.startsWith("http") ? url : `${emulator.apiRoot}${url}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
};

describe("emulator: change tracking", () => {
  it("pages the initial set and puts the delta link on the last page only", async () => {
    const first = await call("GET", "contacts?$select=fullname", { prefer: "odata.track-changes,odata.maxpagesize=3" });
    expect(first.status).toBe(200);
    expect(first.headers.get("preference-applied")).toBe("odata.track-changes");
    expect(first.body.value).toHaveLength(3);
    expect(first.body["@odata.deltaLink"]).toBeUndefined();
    const last = await call("GET", first.body["@odata.nextLink"], { prefer: "odata.track-changes,odata.maxpagesize=3" });
    expect(last.body.value).toHaveLength(1);
    expect(last.body["@odata.nextLink"]).toBeUndefined();
    expect(last.body["@odata.deltaLink"]).toMatch(
      /contacts\?\$select=fullname&\$deltatoken=\d+%21\d{2}%2F\d{2}%2F\d{4}%20\d{2}%3A\d{2}%3A\d{2}$/,
    );
  });

  it("returns changes since the token under a $delta context, upserts first, then deletions", async () => {
    const initial = await call("GET", "contacts?$select=fullname", { prefer: "odata.track-changes" });
    await call("DELETE", `contacts(${SEED.contacts.nancy})`);
    await call("PATCH", `contacts(${SEED.contacts.maria})`, { body: { firstname: "Mary" } });
    const delta = await call("GET", initial.body["@odata.deltaLink"], { prefer: "odata.track-changes" });
    expect(delta.body["@odata.context"]).toBe(`${emulator.apiRoot}$metadata#contacts(fullname)/$delta`);
    expect(delta.body.value).toEqual([
      expect.objectContaining({ contactid: SEED.contacts.maria, fullname: "Mary Campbell" }),
      { "@odata.context": `${emulator.apiRoot}$metadata#contacts/$deletedEntity`, id: SEED.contacts.nancy, reason: "deleted" },
    ]);
    const unchanged = await call("GET", delta.body["@odata.deltaLink"], { prefer: "odata.track-changes" });
    expect(unchanged.body.value).toEqual([]);
    expect(unchanged.body["@odata.deltaLink"]).toBeDefined();
  });

  it("refuses $filter, and tokens that expired or were never issued", async () => {
    expect(await call("GET", "contacts?$filter=firstname eq 'A'", { prefer: "odata.track-changes" })).toMatchObject({
      status: 400,
      body: { error: { message: 'The "$filter" query parameter isn\'t supported when Change Tracking is enabled.' } },
    });
    const { body } = await call("GET", "contacts", { prefer: "odata.track-changes" });
    emulator.store.now = () => new Date(Date.now() + 8 * 24 * 60 * 60 * 1000);
    try {
      expect(await call("GET", body["@odata.deltaLink"], { prefer: "odata.track-changes" })).toMatchObject({
        status: 400,
        body: { error: { code: "0x80044352" } },
      });
    } finally {
      emulator.store.now = () => new Date();
    }
    expect((await call("GET", "contacts?$deltatoken=nonsense", { prefer: "odata.track-changes" })).status).toBe(400);
  });

  it("keeps createdon and moves modifiedon on every write", async () => {
    emulator.store.now = () => new Date("2026-11-22T12:00:00Z");
    try {
      await call("PATCH", `contacts(${SEED.contacts.james})`, { body: { jobtitle: "CEO" } });
      const { body } = await call("GET", `contacts(${SEED.contacts.james})?$select=createdon,modifiedon`);
      expect(body).toMatchObject({ createdon: "2026-10-11T09:00:00Z", modifiedon: "2026-11-22T12:00:00Z" });
    } finally {
      emulator.store.now = () => new Date();
    }
  });
});

describe("emulator: webhook tables", () => {
  it("never reads a service endpoint's authvalue back", async () => {
    const created = await call("POST", "serviceendpoints", {
      prefer: "return=representation",
      body: { name: "Hook", url: "https://hooks.example.com/x", contract: 8, authtype: 4, authvalue: "secret" },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ authvalue: null, isauthvalueset: true, contract: 8 });
    const listed = await call("GET", "serviceendpoints?$filter=contract eq 8&$select=url,authvalue");
    expect(JSON.stringify(listed.body)).not.toContain("secret");
  });

  it("has the Create, Update and Delete messages and a filter for each of them on each table", async () => {
    const messages = await call("GET", "sdkmessages?$select=name");
    const webhookMessages = messages.body.value.filter((row: { name: string }) => ["Create", "Update", "Delete"].includes(row.name));
    expect(webhookMessages.map((row: { name: string }) => row.name).sort()).toEqual(["Create", "Delete", "Update"]);
    const filters = await call("GET", "sdkmessagefilters?$filter=primaryobjecttypecode eq 'account'&$select=_sdkmessageid_value");
    const ids = webhookMessages.map((row: { sdkmessageid: string }) => row.sdkmessageid);
    expect(filters.body.value.filter((row: { _sdkmessageid_value: string }) => ids.includes(row._sdkmessageid_value))).toHaveLength(3);
  });

  it("delivers with HttpQueryString settings as query parameters, and honours a step's filtering attributes", async () => {
    const listener = await startListener();
    try {
      const endpoint = await call("POST", "serviceendpoints", {
        prefer: "return=representation",
        body: {
          name: "Query hook",
          url: `${listener.url}?existing=1`,
          contract: 8,
          authtype: 6,
          authvalue: '<settings><setting name="token" value="a&amp;b" /></settings>',
        },
      });
      const filter = await call(
        "GET",
        `sdkmessagefilters?$filter=primaryobjecttypecode eq 'lead' and _sdkmessageid_value eq ${SDK_MESSAGES.Update}&$select=sdkmessagefilterid`,
      );
      const step = await call("POST", "sdkmessageprocessingsteps", {
        body: {
          name: "Lead updates",
          stage: 40,
          mode: 1,
          rank: 1,
          supporteddeployment: 0,
          filteringattributes: "subject",
          "eventhandler_serviceendpoint@odata.bind": `/serviceendpoints(${endpoint.body.serviceendpointid})`,
          "sdkmessageid@odata.bind": `/sdkmessages(${SDK_MESSAGES.Update})`,
          "sdkmessagefilterid@odata.bind": `/sdkmessagefilters(${filter.body.value[0].sdkmessagefilterid})`,
        },
      });
      expect(step.status).toBe(204);
      const lead = "00001ead-0000-4000-8000-000000000002";
      await call("PATCH", `leads(${lead})`, { body: { companyname: "Not watched" } });
      await call("PATCH", `leads(${lead})`, { body: { subject: "Watched" } });
      const delivered = await listener.next();
      expect(delivered.query).toEqual({ existing: "1", token: "a&b" });
      expect(delivered.headers).toMatchObject({ "x-ms-dynamics-request-name": "Update", "x-ms-dynamics-entity-name": "lead" });
      const context = JSON.parse(delivered.body.toString());
      expect(context).toMatchObject({
        MessageName: "Update",
        PrimaryEntityId: lead,
        PrimaryEntityName: "lead",
        Stage: 40,
        Mode: 1,
        SecondaryEntityName: "none",
      });
      expect(context.InputParameters[0].value.Attributes.map((item: { key: string }) => item.key).sort()).toEqual([
        "leadid",
        "modifiedby",
        "modifiedon",
        "subject",
      ]);
    } finally {
      await listener.stop();
    }
  });
});
