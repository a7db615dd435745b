/** The emulator itself, spoken to with plain fetch: it must answer as the reference says Dataverse does. */
import { SEED } from "./seed";
import { startEmulator, type Emulator } from "./server";

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.stop());

const call = async (
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: unknown; token?: string | null } = {},
) => {
  const headers: Record<string, string> = { Accept: "application/json", "OData-Version": "4.0", ...options.headers };
  if (options.token !== null) headers.Authorization = `Bearer ${options.token ?? emulator.accessToken}`;
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(`${emulator.apiRoot}${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
};

const names = (body: { value: { name?: string; fullname?: string }[] }) => body.value.map((row) => row.name ?? row.fullname);

it("answers 401 without a bearer token it issued", async () => {
  expect((await call("GET", "accounts", { token: null })).status).toBe(401);
  expect((await call("GET", "accounts", { token: "forged" })).status).toBe(401);
});

it("answers unknown segments and properties with Dataverse's codes", async () => {
  expect(await call("GET", "Account")).toMatchObject({
    status: 404,
    body: { error: { code: "0x8006088a", message: "Resource not found for the segment 'Account'." } },
  });
  expect(await call("GET", "accounts?$select=Name")).toMatchObject({
    status: 400,
    body: { error: { code: "0x0", message: "Could not find a property named 'Name' on type 'Microsoft.Dynamics.CRM.account'." } },
  });
  expect((await call("GET", "accounts?$skip=1")).status).toBe(400);
  expect((await call("PATCH", "accounts", { body: {} })).status).toBe(405);
});

it("creates with 204 and OData-EntityId, or 201 with a representation and no OData-EntityId", async () => {
  const plain = await call("POST", "accounts", { body: { name: "Plain" } });
  expect(plain.status).toBe(204);
  expect(plain.headers.get("odata-entityid")).toMatch(
    new RegExp(`^${emulator.apiRoot.replace(/[.]/g, "\\.")}accounts\\([0-9a-f-]{36}\\)$`),
  );
  const represented = await call("POST", "accounts?$select=name", {
    body: { name: "Represented" },
    headers: { Prefer: "return=representation" },
  });
  expect(represented.status).toBe(201);
  expect(represented.headers.get("odata-entityid")).toBeNull();
  expect(represented.headers.get("preference-applied")).toBe("return=representation");
  expect(Object.keys(represented.body).sort()).toEqual(["@odata.context", "@odata.etag", "accountid", "name"]);
  expect(represented.headers.get("content-type")).toMatch(/^application\/json; odata\.metadata=minimal/);
});

it("applies the conditional-write rules", async () => {
  const path = `accounts(${SEED.accounts.northwind})`;
  const current = await call("GET", path);
  const etag = current.headers.get("etag") as string;
  expect(etag).toBe(current.body["@odata.etag"]);
  expect((await call("GET", path, { headers: { "If-None-Match": etag } })).status).toBe(304);
  expect((await call("PATCH", path, { body: { name: "Northwind" }, headers: { "If-Match": 'W/"1"' } })).status).toBe(412);
  expect((await call("PATCH", path, { body: { name: "Northwind" }, headers: { "If-None-Match": "*" } })).status).toBe(412);
  const updated = await call("PATCH", path, { body: { name: "Northwind Traders" }, headers: { "If-Match": etag } });
  expect(updated.status).toBe(204);
  expect((await call("GET", path)).body["@odata.etag"]).not.toBe(etag);
  const missing = await call("PATCH", "accounts(00000000-0000-0000-0000-0000000000cc)", {
    body: { name: "x" },
    headers: { "If-Match": "*" },
  });
  expect(missing).toMatchObject({ status: 404, body: { error: { code: "0x80040217" } } });
});

it("type-checks bodies as Dataverse's deserializer does", async () => {
  expect(await call("POST", "accounts", { body: { revenue: "100" } })).toMatchObject({
    status: 400,
    body: { error: { message: "Cannot convert the literal '100' to the expected type 'Edm.Decimal'." } },
  });
  expect((await call("POST", "accounts", { body: { industrycode: 99 } })).body.error.message).toMatch(/outside the valid range/);
  expect((await call("POST", "accounts", { body: { name: "x".repeat(161) } })).body.error.code).toBe("0x80044331");
  expect(
    (await call("POST", "contacts", { body: { "parentcustomerid_account@odata.bind": "/accounts(00000000-0000-0000-0000-0000000000dd)" } }))
      .status,
  ).toBe(404);
});

it.each([
  ["name eq 'contoso ltd'", ["Contoso Ltd"]],
  ["not (address1_city eq 'Redmond') and revenue ge 2500000", ["Fabrikam Inc", "Northwind Traders"]],
  ["startswith(name,'A') or endswith(name,'Inc.')", ["Adventure Works", "Litware, Inc."]],
  ["contains(name,'WIND')", ["Northwind Traders"]],
  [`_parentaccountid_value eq ${SEED.accounts.contoso}`, ["Litware, Inc."]],
  ["_parentaccountid_value ne null and revenue lt 200000", ["Litware, Inc."]],
  ["createdon gt 2026-10-08T00:00:00Z", ["Litware, Inc.", "Northwind Traders"]],
])("filters %s", async (filter, expected) => {
  const { body } = await call("GET", `accounts?$select=name&$orderby=name&$filter=${encodeURIComponent(filter)}&$top=50`);
  const createdByEarlierTests = ["Plain", "Represented"];
  expect(names(body).filter((name) => !createdByEarlierTests.includes(name as string))).toEqual(expected);
});

it("pages with odata.maxpagesize, ignoring $top, until no next link comes back", async () => {
  let url = "contacts?$select=fullname&$orderby=lastname&$top=1";
  const seen: string[] = [];
  for (let page = 0; page < 10 && url; page += 1) {
    const { body } = await call("GET", url, { headers: { Prefer: "odata.maxpagesize=3" } });
    seen.push(...names(body).map(String));
    url = body["@odata.nextLink"] ? body["@odata.nextLink"].slice(emulator.apiRoot.length) : "";
  }
  expect(seen).toEqual(["Nancy Anderson", "Maria Campbell", "Yvonne McKay", "James O'Brien"]);
});
