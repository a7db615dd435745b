/**
 * A flow built on Prismatic's own Microsoft Dynamics 365 component must switch to this one
 * without edits. The target is written down as data in the shared reference
 * (prismatic-ms-dynamics-surface.json, copied to test/fixtures): every connection, action, trigger and data source,
 * their input keys, and the shape of what each really returns. This checks every one of them
 * against the component, and runs each through the harness against the emulator: its real
 * output must have every key of the old output with the same JSON type.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import component from "../src";
import { exampleRemoteExecutionContext } from "../src/triggers/examples";
import { SEED } from "./emulator/seed";
import { harness, runAction, useEmulator } from "./support";
import { payloadFor } from "./triggers/support";

/** A copy of the shared reference, kept with the tests so a clean clone checks itself. */
const SURFACE_FILE = join(__dirname, "fixtures", "prismatic-ms-dynamics-surface.json");

interface SurfaceInput {
  key: string;
  type: string;
}
interface SurfaceEntry {
  key: string;
  inputs: SurfaceInput[];
  output: unknown;
  laterInputs?: Record<string, { added: SurfaceInput[] }>;
}
interface Surface {
  connections: SurfaceEntry[];
  actions: SurfaceEntry[];
  triggers: SurfaceEntry[];
  dataSources: SurfaceEntry[];
}

const surface = JSON.parse(readFileSync(SURFACE_FILE, "utf8")) as Surface;

/** Inputs added after the primary commit; the structured Pagination objects are not offered (their inputs are, top level). */
const inputKeysOf = (entry: SurfaceEntry): string[] => [
  ...entry.inputs.map((input) => input.key),
  ...Object.values(entry.laterInputs ?? {}).flatMap((later) =>
    later.added.filter((input) => input.type !== "structuredObject").map((input) => input.key),
  ),
];

const ours = {
  actions: component.actions as Record<string, { inputs: { key: string; comments?: string }[] }>,
  triggers: component.triggers as Record<string, { inputs: { key: string; comments?: string }[] }>,
  dataSources: component.dataSources as Record<string, { inputs: { key: string; comments?: string }[] }>,
};

describe.each([
  ["action", surface.actions, ours.actions],
  ["trigger", surface.triggers, ours.triggers],
  ["data source", surface.dataSources, ours.dataSources],
] as const)("every %s of Prismatic's component", (_kind, entries, offered) => {
  it.each(entries.map((entry) => [entry.key, entry] as const))("%s exists with every input key", (key, entry) => {
    expect(offered[key]).toBeDefined();
    const keys = offered[key].inputs.map((input) => input.key);
    expect(inputKeysOf(entry).filter((inputKey) => !keys.includes(inputKey))).toEqual([]);
  });
});

it.each(surface.connections.map((connection) => [connection.key, connection] as const))(
  "connection %s exists with every input key",
  (key, connection) => {
    const found = component.connections.find((candidate) => candidate.key === key);
    expect(found).toBeDefined();
    const keys = (found?.inputs ?? []).map((input) => input.key);
    expect(inputKeysOf(connection).filter((inputKey) => !keys.includes(inputKey))).toEqual([]);
  },
);

it("gives every input of every action, trigger and data source a comment", () => {
  const uncommented = Object.entries({ ...ours.actions, ...ours.triggers, ...ours.dataSources }).flatMap(([key, definition]) =>
    definition.inputs.filter((input) => !input.comments?.trim()).map((input) => `${key}.${input.key}`),
  );
  expect(uncommented).toEqual([]);
});

// ---- Real outputs against the old skeletons ----------------------------------------------

const kindOf = (value: unknown): string => (value === null ? "null" : Array.isArray(value) ? "array" : typeof value);

/** A Dataverse record in a skeleton: the example is an account, whose columns depend on the table and the query. */
const isRecordSkeleton = (skeleton: Record<string, unknown>): boolean => "@odata.etag" in skeleton;

/**
 * Parts of a payload that are Prismatic's or Dynamics' own and are passed through as they came
 * (the example shows one particular request): only their presence and kind are compared.
 */
const PASSED_THROUGH = new Set(
  [
    "headers",
    "queryParameters",
    "rawBody",
    "webhookUrls",
    "webhookApiKeys",
    "customer",
    "instance",
    "user",
    "integration",
    "flow",
    "bodyData",
    "inputParameters",
  ].map((key) => `payload.${key}`),
);

/** Every key of the skeleton, with the same JSON type, wherever the skeleton has one. */
const missingFrom = (actual: unknown, skeleton: unknown, path: string, inCollection = false): string[] => {
  // A null in our output matches any type: Dataverse sends null for an empty column or label.
  if (actual === null) return [];
  if (typeof skeleton === "string") {
    const allowed = skeleton.split("|");
    return allowed.includes(kindOf(actual)) ? [] : [`${path}: ${kindOf(actual)} instead of ${skeleton}`];
  }
  if (Array.isArray(skeleton)) {
    if (!Array.isArray(actual)) return [`${path}: ${kindOf(actual)} instead of array`];
    if (!skeleton.length || !actual.length) return [];
    return missingFrom(actual[0], skeleton[0], `${path}[0]`, true);
  }
  if (kindOf(actual) !== "object") return [`${path}: ${kindOf(actual)} instead of object`];
  if (PASSED_THROUGH.has(path)) return [];
  const value = actual as Record<string, unknown>;
  const shape = skeleton as Record<string, unknown>;
  const keys = Object.keys(shape);
  if (keys.length === 1 && /^<.+>$/.test(keys[0])) {
    return Object.entries(value).flatMap(([key, item]) => missingFrom(item, shape[keys[0]], `${path}.${key}`));
  }
  const record = isRecordSkeleton(shape);
  return keys.flatMap((key) => {
    if (!(key in value) || value[key] === undefined) {
      // A record's other columns depend on the query; its etag and primary key always come, its context only on its own.
      const required = !record || key === "@odata.etag" || key === "accountid" || (key === "@odata.context" && !inCollection);
      return required ? [`${path}.${key}: missing`] : [];
    }
    return missingFrom(value[key], shape[key], `${path}.${key}`);
  });
};

/**
 * Where the old skeleton is not what really comes back. The surface file's own notes say which
 * real outputs differ from its examples; Dataverse itself sends IsValidForQueue as a managed
 * property ({ Value, CanBeChanged, … }), not the boolean the old example shows.
 */
const realOutput = (key: string, skeleton: unknown): unknown => {
  if (key === "createAttribute") return "string";
  if (key === "getEntityMetaData") {
    const { result } = skeleton as { result: Record<string, unknown> };
    return { result: { ...result, IsValidForQueue: "object|boolean" } };
  }
  return skeleton;
};

/** The old output is a bare `true` or an array of mixed items; ours reports more, as the README's migration notes say. */
const RICHER: Record<string, (data: any) => void> = {
  deleteEntity: (data) => expect(data).toEqual({ id: expect.any(String), deleted: true, alreadyGone: expect.any(Boolean) }),
  updateAttribute: (data) => expect(data).toMatchObject({ id: expect.any(String), definition: expect.any(Object) }),
  batchEntityActions: (data) => expect(data).toMatchObject({ results: expect.any(Array), summary: expect.any(Object) }),
};

const fixture = useEmulator();

const ACCOUNT_ROWS = '<fetch count="2"><entity name="account"><attribute name="name" /><attribute name="revenue" /></entity></fetch>';

/** Inputs that make each action do what its old example shows, against the emulator's seed. */
const scenarios = (): Record<string, () => Promise<unknown>> => {
  const { store } = fixture.emulator;
  const account = store.byLogicalName("account");
  const nameColumn = account?.attributes.find((attribute) => attribute.logicalName === "name");
  const connection = fixture.connection;
  const run = (key: string, params: Record<string, unknown>) => () => runAction(key, { connection, ...params });
  const created = async () =>
    (await runAction("createEntity", { connection, entityType: "accounts", dynamicValues: { name: "Compat" } }))["@component.id"];
  return {
    // The old example is a String column; MaxLength belongs to that type only.
    queryAttributes: run("queryAttributes", { entityId: "account", attributeType: "String" }),
    getAttribute: run("getAttribute", { entityId: account?.metadataId, attributeType: nameColumn?.metadataId }),
    createAttribute: run("createAttribute", {
      entityId: "account",
      attributeBody: JSON.stringify({
        "@odata.type": "Microsoft.Dynamics.CRM.MoneyAttributeMetadata",
        SchemaName: "new_CompatBalance",
        DisplayName: { LocalizedLabels: [{ Label: "Compat Balance", LanguageCode: 1033 }] },
        RequiredLevel: { Value: "None" },
      }),
    }),
    updateAttribute: run("updateAttribute", { entityId: "account", attributeId: "name", attributeBody: { MaxLength: 200 } }),
    listAttributesAction: run("listAttributesAction", { entityId: "account" }),
    queryEntities: run("queryEntities", { entityType: "accounts", recordsPerPage: "2" }),
    getEntity: run("getEntity", { entityType: "accounts", entityId: SEED.accounts.contoso }),
    createEntity: run("createEntity", { entityType: "accounts", fieldValues: [{ key: "name", value: "Compat Created" }] }),
    updateEntity: async () =>
      runAction("updateEntity", {
        connection,
        entityType: "accounts",
        entityId: await created(),
        dynamicValues: { name: "Compat Updated" },
      }),
    deleteEntity: async () => runAction("deleteEntity", { connection, entityType: "accounts", entityId: await created() }),
    upsertEntity: run("upsertEntity", {
      entityType: "accounts",
      entityId: "accountnumber='COMPAT-1'",
      dynamicValues: { name: "Compat Upserted" },
    }),
    getEntitiesMetaData: run("getEntitiesMetaData", { recordTypeFilter: ["account"], includeAllCustomRecordTypes: false }),
    getEntityMetaData: run("getEntityMetaData", { entityType: "account" }),
    batchEntityActions: run("batchEntityActions", {
      actions: JSON.stringify([{ collection: "accounts", action: "create", returnRepresentation: true, data: { name: "Compat Batch" } }]),
    }),
    listEntities: run("listEntities", {}),
    listEntitiesAction: run("listEntitiesAction", {}),
    getCurrentUser: run("getCurrentUser", {}),
    fetchXml: run("fetchXml", { entityType: "accounts", xmlQuery: ACCOUNT_ROWS }),
    rawRequest: run("rawRequest", { url: `/accounts(${SEED.accounts.contoso})?$select=name`, method: "GET", responseType: "json" }),
    rawRequestV2: run("rawRequestV2", {
      url: `/api/data/v9.2/accounts(${SEED.accounts.contoso})?$select=name`,
      method: "GET",
      responseType: "json",
    }),
  };
};

describe("a real output has every key of the old output, with the same JSON type", () => {
  it.each(surface.actions.map((action) => [action.key, action] as const))("action %s", async (key, action) => {
    const scenario = scenarios()[key];
    expect(scenario).toBeDefined();
    const data = await scenario();
    if (RICHER[key]) {
      RICHER[key](data);
      return;
    }
    expect(missingFrom(data, realOutput(key, action.output), "data")).toEqual([]);
  });

  it("trigger dynamicsWebhookTrigger", async () => {
    const [trigger] = surface.triggers.filter((entry) => entry.key === "dynamicsWebhookTrigger");
    const body = Buffer.from(JSON.stringify(exampleRemoteExecutionContext));
    const { headers } = (component.triggers.dynamicsWebhookTrigger.examplePayload as { payload: { headers: Record<string, string> } })
      .payload;
    const result = (await harness.trigger("dynamicsWebhookTrigger", payloadFor({ headers, query: {}, body }), {})) as any;
    expect(result.branch).toBe("Event");
    expect(missingFrom(result.payload, trigger.output, "payload")).toEqual([]);
  });

  it("trigger pollChangesTrigger", async () => {
    const [trigger] = surface.triggers.filter((entry) => entry.key === "pollChangesTrigger");
    const params = { connection: fixture.connection, entityType: "accounts", lookBackDate: "2026-10-07", mode: "Modified On" };
    const result = (await harness.trigger("pollChangesTrigger", undefined, params, { instanceState: {} })) as any;
    expect(result.payload.body.data.created.length).toBeGreaterThan(0);
    expect(result.payload.body.data.updated.length).toBeGreaterThan(0);
    expect(missingFrom(result.payload, trigger.output, "payload")).toEqual([]);
  });

  it.each(surface.dataSources.map((dataSource) => [dataSource.key, dataSource] as const))("data source %s", async (key, dataSource) => {
    const params: Record<string, unknown> = key === "attributes" ? { entityId: "account" } : {};
    if (key === "getEntitiesMetaData") params.recordTypeFilter = ["account", "contact"];
    const { result } = await harness.dataSource(key, { connection: fixture.connection, ...params });
    expect(missingFrom(result, dataSource.output, "result")).toEqual([]);
  });
});

it("the comparison catches a renamed key, a changed type and a missing record key", () => {
  const skeleton = { value: [{ "@odata.etag": "string", accountid: "string", name: "string" }], "@odata.nextLink": "string" };
  expect(missingFrom({ value: [{ "@odata.etag": "W/1", accountid: "a" }], "@odata.nextLink": "x" }, skeleton, "data")).toEqual([]);
  expect(missingFrom({ records: [], nextPageId: "x" }, skeleton, "data")).toEqual(["data.value: missing", "data.@odata.nextLink: missing"]);
  expect(missingFrom({ value: [{ "@odata.etag": "W/1", name: "n" }], "@odata.nextLink": 1 }, skeleton, "data")).toEqual([
    "data.value[0].accountid: missing",
    "data.@odata.nextLink: number instead of string",
  ]);
});
