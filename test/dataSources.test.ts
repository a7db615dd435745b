import component from "../src";
import { harness, useEmulator } from "./support";

const fixture = useEmulator();

const run = async (key: string, params: Record<string, unknown> = {}): Promise<any> =>
  (await harness.dataSource(key, { connection: fixture.connection, ...params })).result;

const example = (key: string) => (component.dataSources[key].examplePayload as { result: unknown[] }).result[0];

const sameKeys = (actual: unknown, expected: unknown): void => {
  expect(Object.keys(actual as object).sort()).toEqual(Object.keys(expected as object).sort());
};

describe("entityTypes", () => {
  it("lists entity set names labelled with display names, in one request", async () => {
    const result = await run("entityTypes");
    expect(result).toEqual([
      { key: "accounts", label: "Account" },
      { key: "contacts", label: "Contact" },
      { key: "leads", label: "Lead" },
      { key: "annotations", label: "Note" },
      { key: "opportunities", label: "Opportunity" },
      { key: "sdkmessages", label: "Sdk Message" },
      { key: "sdkmessagefilters", label: "Sdk Message Filter" },
      { key: "sdkmessageprocessingsteps", label: "Sdk Message Processing Step" },
      { key: "sdkmessageprocessingstepimages", label: "Sdk Message Processing Step Image" },
      { key: "serviceendpoints", label: "Service Endpoint" },
      { key: "systemusers", label: "User" },
    ]);
    sameKeys(result[0], example("entityTypes"));
    const requests = fixture.emulator.takeRequests();
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({
      method: "GET",
      path: "EntityDefinitions",
      query: { $select: "LogicalName,SchemaName,EntitySetName,DisplayName,IsCustomEntity,IsChildEntity" },
    });
  });

  it("is the data source of the record actions' Entity Type", () => {
    for (const key of ["createEntity", "getEntity", "updateEntity", "upsertEntity", "deleteEntity", "queryEntities"]) {
      expect(component.actions[key].inputs.find((input) => input.key === "entityType")?.dataSource).toBe("entityTypes");
    }
  });
});

describe("entities", () => {
  it("lists tables keyed by their MetadataId", async () => {
    const result = await run("entities");
    const account = fixture.emulator.store.byLogicalName("account");
    expect(result).toHaveLength(fixture.emulator.store.tables.length);
    expect(result[0]).toEqual({ key: account?.metadataId, label: "Account (account)" });
    sameKeys(result[0], example("entities"));
  });

  it("feeds every metadata action's table input", () => {
    for (const [key, input] of [
      ["getEntityMetaData", "entityType"],
      ["queryAttributes", "entityId"],
      ["getAttribute", "entityId"],
      ["createAttribute", "entityId"],
      ["updateAttribute", "entityId"],
    ]) {
      expect(component.actions[key].inputs.find((candidate) => candidate.key === input)?.dataSource).toBe("entities");
    }
  });
});

describe("attributes", () => {
  it("lists one table's columns keyed by logical name, in one request", async () => {
    const account = fixture.emulator.store.byLogicalName("account");
    const result = await run("attributes", { entityId: account?.metadataId });
    expect(result.map((item: { key: string }) => item.key).sort()).toEqual(
      account?.attributes.map((attribute) => attribute.logicalName).sort(),
    );
    expect(result).toContainEqual({ key: "name", label: "Account Name (name)" });
    expect(result[0]).toEqual({ key: "accountid", label: "Account (accountid)" });
    sameKeys(result[0], example("attributes"));
    const [request] = fixture.emulator.takeRequests();
    expect(request).toMatchObject({
      path: `EntityDefinitions(${account?.metadataId})/Attributes`,
      query: { $select: "LogicalName,DisplayName,AttributeOf" },
    });
  });

  it("feeds the attribute inputs", () => {
    expect(component.actions.getAttribute.inputs.find((input) => input.key === "attributeId")?.dataSource).toBe("attributes");
    expect(component.actions.updateAttribute.inputs.find((input) => input.key === "attributeId")?.dataSource).toBe("attributes");
  });

  it("refuses a table name that is not one before sending anything", async () => {
    await expect(run("attributes", { entityId: "account's" })).rejects.toThrow(/^Entity ID: /);
    expect(fixture.emulator.takeRequests()).toHaveLength(0);
  });
});

describe("getEntitiesMetaData", () => {
  it("offers the selected tables as objects keyed by MetadataId, with their columns, marking the default selection", async () => {
    const result = await run("getEntitiesMetaData", {
      recordTypeFilter: ["accounts", "Contact"],
      defaultSelectedRecordTypes: ["account"],
      includeAllCustomRecordTypes: false,
    });
    const { store } = fixture.emulator;
    expect(
      result.map(({ object, defaultSelected }: { object: unknown; defaultSelected: boolean }) => ({ object, defaultSelected })),
    ).toEqual([
      { object: { key: store.byLogicalName("account")?.metadataId, label: "Account" }, defaultSelected: true },
      { object: { key: store.byLogicalName("contact")?.metadataId, label: "Contact" }, defaultSelected: false },
    ]);
    expect(result[0].fields).toContainEqual({ key: "name", label: "Account Name" });
    sameKeys(result[0], example("getEntitiesMetaData"));
  });
});
