/** Functions, actions and `$ref` links in the emulator, spoken to with plain fetch: the forms our client never sends. */
import { SEED } from "./seed";
import { startEmulator, type Emulator } from "./server";

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.stop());

const call = async (method: string, path: string, body?: unknown) => {
  const headers: Record<string, string> = {
    Accept: "application/json",
    "OData-Version": "4.0",
    Authorization: `Bearer ${emulator.accessToken}`,
  };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(`${emulator.apiRoot}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
};

it("answers a bound operation without its namespace with 400, as Dataverse does", async () => {
  expect(await call("GET", `systemusers(${SEED.users.admin})/RetrieveUserPrivileges()`)).toMatchObject({
    status: 400,
    body: { error: { message: "Request message has unresolved parameters." } },
  });
});

it("reads inline function parameters as well as aliases", async () => {
  const inline = await call(
    "GET",
    `CalculateRollupField(Target={'@odata.id':'accounts(${SEED.accounts.fabrikam})'},FieldName='numberofemployees')`,
  );
  expect(inline).toMatchObject({ status: 200, body: { Entity: { accountid: SEED.accounts.fabrikam, numberofemployees: 450 } } });
  expect((await call("GET", "RetrieveCurrentOrganization(AccessType=@p1)")).status).toBe(400);
  expect((await call("GET", "RetrieveCurrentOrganization(AccessType=@p1)?@p1='Default'")).status).toBe(400);
});

it("answers an action called with GET with 404", async () => {
  expect(await call("GET", "WinOpportunity()")).toMatchObject({ status: 404, body: { error: { code: "0x8006088a" } } });
});

it("removes a collection member named by $id, and refuses a removal naming none", async () => {
  const account = `accounts(${SEED.accounts.adventureWorks})`;
  expect((await call("DELETE", `${account}/contact_customer_accounts/$ref`)).status).toBe(400);
  const removal = await call(
    "DELETE",
    `${account}/contact_customer_accounts/$ref?$id=${encodeURIComponent(`${emulator.apiRoot}contacts(${SEED.contacts.yvonne})`)}`,
  );
  expect(removal.status).toBe(204);
  expect((await call("GET", `${account}/contact_customer_accounts/$ref`)).body.value).toEqual([]);
});
