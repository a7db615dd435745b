/** The named cases of issue 11's hostile inputs, each refused before any request. */
import { InputError } from "../../src/client";
import { SEED } from "../emulator/seed";
import { actionError, runAction, useEmulator } from "../support";

const fixture = useEmulator();

const refusedBeforeAnyRequest = async (key: string, params: Record<string, unknown>, label: string): Promise<Error> => {
  const error = await actionError(key, { connection: fixture.connection, ...params });
  expect(error).toBeInstanceOf(InputError);
  expect(error.message.startsWith(`${label}:`)).toBe(true);
  expect(fixture.emulator.takeRequests()).toHaveLength(0);
  return error;
};

describe("Query Entities' Next Page Id continues the same query's entity set", () => {
  it.each([
    ["another entity set", "/api/data/v9.2/systemusers?$select=fullname"],
    ["another entity set after ..", "/api/data/v9.2/accounts/../systemusers"],
    ["an encoded slash", "/api/data/v9.2/accounts%2F..%2Fsystemusers"],
    ["a navigation path", `/api/data/v9.2/accounts(${SEED.accounts.contoso})/contact_customer_accounts`],
    ["another API version's root", "/api/data/v9.1/accounts"],
  ])("refuses a link on the connection's host to %s", async (_case, path) => {
    const error = await refusedBeforeAnyRequest(
      "queryEntities",
      { entityType: "accounts", nextPageId: `${fixture.emulator.url}${path}` },
      "Next Page Id",
    );
    expect(error.message).toMatch(/give the Next Page Id a Query Entities step on accounts returned/);
  });

  it("refuses a link with a user name, or to another host, as an input error", async () => {
    await refusedBeforeAnyRequest(
      "queryEntities",
      { entityType: "accounts", nextPageId: fixture.emulator.url.replace("//", "//user:pass@") },
      "Next Page Id",
    );
    await refusedBeforeAnyRequest(
      "queryEntities",
      { entityType: "accounts", nextPageId: "https://evil.example.com/api/data/v9.2/accounts" },
      "Next Page Id",
    );
  });

  it("follows a link that continues the same entity set", async () => {
    const first = await runAction("queryEntities", { connection: fixture.connection, entityType: "accounts", recordsPerPage: "2" });
    const second = await runAction("queryEntities", {
      connection: fixture.connection,
      entityType: "accounts",
      recordsPerPage: "2",
      nextPageId: first["@odata.nextLink"],
    });
    expect(second.value).toHaveLength(2);
    expect(fixture.emulator.takeRequests().map((request) => request.path)).toEqual(["accounts", "accounts"]);
  });
});

describe("prototype names are refused, naming the input", () => {
  it.each(["__proto__", "constructor", "prototype"])("a Field Value named %s", async (key) => {
    const error = await refusedBeforeAnyRequest(
      "createEntity",
      {
        entityType: "accounts",
        fieldValues: [
          { key: "name", value: "x" },
          { key, value: { polluted: true } },
        ],
      },
      "Field Value",
    );
    expect(error.message).toContain(`'${key}'`);
  });

  it.each([
    ['{"name": "x", "__proto__": {"polluted": true}}', ""],
    ['{"name": {"constructor": {"prototype": 1}}}', " (at name)"],
  ])("Dynamic Values %s", async (json, where) => {
    const error = await refusedBeforeAnyRequest("createEntity", { entityType: "accounts", dynamicValues: json }, "Dynamic Values");
    expect(error.message).toContain(where);
  });

  it("batch JSON, at any depth", async () => {
    const actions = '[{"collection": "accounts", "action": "create", "data": {"name": "x", "__proto__": {"name": "y"}}}]';
    const error = await refusedBeforeAnyRequest("batchEntityActions", { actions }, "Batch Actions");
    expect(error.message).toContain("'__proto__' (at [0].data)");
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
