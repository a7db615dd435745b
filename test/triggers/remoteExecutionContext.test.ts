import { flattenValue, readRemoteExecutionContext, wcfDateToIso } from "../../src/triggers/remoteExecutionContext";

const CONTRACTS = "http://schemas.microsoft.com/xrm/2011/Contracts";
const ACCOUNT_ID = "6d81597f-0f9f-e711-8122-000d3aa2331c";
const USER_ID = "5e000000-0000-4000-8000-000000000001";

const reference = (logicalName: string, id: string, name: string | null = null) => ({
  __type: `EntityReference:${CONTRACTS}`,
  Id: id,
  KeyAttributes: [],
  LogicalName: logicalName,
  Name: name,
  RowVersion: null,
});

const entity = (logicalName: string, id: string, attributes: Record<string, unknown>) => ({
  __type: `Entity:${CONTRACTS}`,
  Attributes: Object.entries(attributes).map(([key, value]) => ({ key, value })),
  EntityState: null,
  FormattedValues: [],
  Id: id,
  KeyAttributes: [],
  LogicalName: logicalName,
  RelatedEntities: [],
  RowVersion: "1000042",
});

const context = (message: string, extra: Record<string, unknown>) => ({
  BusinessUnitId: "b0000000-0000-4000-8000-000000000001",
  CorrelationId: "9e2b7f0c-1a3d-4e5f-8a9b-0c1d2e3f4a5b",
  Depth: 1,
  InitiatingUserId: USER_ID,
  InputParameters: [],
  IsExecutingOffline: false,
  IsInTransaction: false,
  IsOfflinePlayback: false,
  IsolationMode: 1,
  MessageName: message,
  Mode: 1,
  OperationCreatedOn: "/Date(1506409448000-0700)/",
  OperationId: "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
  OrganizationId: "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9",
  OrganizationName: "contoso",
  OutputParameters: [],
  OwningExtension: reference("sdkmessageprocessingstep", "5d6e7f80-9a0b-4c1d-8e2f-3a4b5c6d7e8f", "Prismatic: Flow 1"),
  ParentContext: null,
  PostEntityImages: [],
  PreEntityImages: [],
  PrimaryEntityId: ACCOUNT_ID,
  PrimaryEntityName: "account",
  RequestId: null,
  SecondaryEntityName: "none",
  SharedVariables: [{ key: "IsAutoTransact", value: true }],
  Stage: 40,
  UserId: USER_ID,
  ...extra,
});

describe("reading a RemoteExecutionContext", () => {
  it("turns WCF dates into ISO 8601, with or without an offset (the milliseconds are UTC)", () => {
    expect(wcfDateToIso("/Date(1506384247000)/")).toBe("2017-09-26T00:04:07.000Z");
    expect(wcfDateToIso("/Date(1506384247000-0700)/")).toBe("2017-09-26T00:04:07.000Z");
    expect(wcfDateToIso("/Date(-1000)/")).toBe("1969-12-31T23:59:59.000Z");
    expect(wcfDateToIso("2017-09-26")).toBeUndefined();
  });

  it("flattens typed values: references, option sets, money, nested entities and collections", () => {
    expect(flattenValue(reference("contact", "c1", "Maria"))).toEqual({ id: "c1", logicalName: "contact", name: "Maria" });
    expect(flattenValue({ __type: `OptionSetValue:${CONTRACTS}`, Value: 33 })).toBe(33);
    expect(flattenValue({ __type: `Money:${CONTRACTS}`, Value: 12.5 })).toBe(12.5);
    expect(flattenValue(entity("contact", "c1", { firstname: "Maria" }))).toEqual({ firstname: "Maria" });
    expect(flattenValue({ __type: `EntityCollection:${CONTRACTS}`, Entities: [entity("contact", "c1", { firstname: "Maria" })] })).toEqual([
      { firstname: "Maria" },
    ]);
    expect(flattenValue("plain text")).toBe("plain text");
    expect(flattenValue(null)).toBeNull();
  });

  it("reads a Create: the whole new record in Target and a post-image", () => {
    const created = context("Create", {
      InputParameters: [
        {
          key: "Target",
          value: entity("account", ACCOUNT_ID, {
            accountid: ACCOUNT_ID,
            name: "Contoso",
            revenue: { __type: `Money:${CONTRACTS}`, Value: 5000000 },
            industrycode: { __type: `OptionSetValue:${CONTRACTS}`, Value: 33 },
            primarycontactid: reference("contact", "c0000000-0000-4000-8000-000000000001", "Maria Campbell"),
            createdon: "/Date(1506384247000)/",
            creditonhold: false,
          }),
        },
      ],
      OutputParameters: [{ key: "id", value: ACCOUNT_ID }],
      PostEntityImages: [
        {
          key: "PostImage",
          value: entity("account", ACCOUNT_ID, { name: "Contoso", statecode: { __type: `OptionSetValue:${CONTRACTS}`, Value: 0 } }),
        },
      ],
    });
    expect(readRemoteExecutionContext(created)).toEqual({
      messageName: "Create",
      entityName: "account",
      entityId: ACCOUNT_ID,
      organizationName: "contoso",
      userId: USER_ID,
      initiatingUserId: USER_ID,
      correlationId: "9e2b7f0c-1a3d-4e5f-8a9b-0c1d2e3f4a5b",
      depth: 1,
      stage: 40,
      mode: 1,
      operationCreatedOn: "2017-09-26T07:04:08.000Z",
      target: {
        accountid: ACCOUNT_ID,
        name: "Contoso",
        revenue: 5000000,
        industrycode: 33,
        primarycontactid: { id: "c0000000-0000-4000-8000-000000000001", logicalName: "contact", name: "Maria Campbell" },
        createdon: "2017-09-26T00:04:07.000Z",
        creditonhold: false,
      },
      preImage: null,
      postImage: { name: "Contoso", statecode: 0 },
    });
  });

  it("reads an Update: only the changed columns in Target, the full record in the images", () => {
    const updated = context("Update", {
      InputParameters: [
        {
          key: "Target",
          value: entity("account", ACCOUNT_ID, {
            name: "Contoso Pharmaceuticals",
            accountid: ACCOUNT_ID,
            modifiedon: "/Date(1506409448000)/",
            modifiedby: reference("systemuser", USER_ID),
          }),
        },
      ],
      PreEntityImages: [
        {
          key: "PreImage",
          value: entity("account", ACCOUNT_ID, { name: "Contoso", revenue: { __type: `Money:${CONTRACTS}`, Value: 10 } }),
        },
      ],
      PostEntityImages: [
        {
          key: "PostImage",
          value: entity("account", ACCOUNT_ID, { name: "Contoso Pharmaceuticals", revenue: { __type: `Money:${CONTRACTS}`, Value: 10 } }),
        },
      ],
    });
    const event = readRemoteExecutionContext(updated);
    expect(event.target).toEqual({
      name: "Contoso Pharmaceuticals",
      accountid: ACCOUNT_ID,
      modifiedon: "2017-09-26T07:04:08.000Z",
      modifiedby: { id: USER_ID, logicalName: "systemuser", name: null },
    });
    expect(event.preImage).toEqual({ name: "Contoso", revenue: 10 });
    expect(event.postImage).toEqual({ name: "Contoso Pharmaceuticals", revenue: 10 });
  });

  it("reads a Delete: Target is a reference, and only a pre-image can exist", () => {
    const deleted = context("Delete", {
      InputParameters: [{ key: "Target", value: reference("account", ACCOUNT_ID) }],
      PreEntityImages: [{ key: "PreImage", value: entity("account", ACCOUNT_ID, { name: "Contoso" }) }],
    });
    const event = readRemoteExecutionContext(deleted);
    expect(event.messageName).toBe("Delete");
    expect(event.target).toEqual({ id: ACCOUNT_ID, logicalName: "account", name: null });
    expect(event.preImage).toEqual({ name: "Contoso" });
    expect(event.postImage).toBeNull();
  });

  it("keeps what a cut-down message still has when its parameters and images are stripped", () => {
    const truncated = context("Update", {
      InputParameters: undefined,
      PreEntityImages: undefined,
      PostEntityImages: undefined,
      ParentContext: undefined,
    });
    const event = readRemoteExecutionContext(truncated);
    expect([event.entityName, event.entityId, event.target, event.preImage, event.postImage]).toEqual([
      "account",
      ACCOUNT_ID,
      null,
      null,
      null,
    ]);
  });

  it("keeps a WCF date JavaScript cannot hold as it came, instead of throwing", () => {
    const huge = "/Date(99999999999999999)/";
    expect(wcfDateToIso(huge)).toBeUndefined();
    expect(flattenValue(huge)).toBe(huge);
    const event = readRemoteExecutionContext(
      context("Update", {
        OperationCreatedOn: huge,
        InputParameters: [{ key: "Target", value: entity("account", ACCOUNT_ID, { modifiedon: huge }) }],
      }),
    );
    expect(event.operationCreatedOn).toBe(huge);
    expect(event.target).toEqual({ modifiedon: huge });
  });

  it("reads odd shapes without throwing: nulls, missing markers, malformed items, objects where arrays belong, deep nesting", () => {
    let deep: unknown = "bottom";
    for (let level = 0; level < 100_000; level += 1) deep = [deep];
    const odd = context("Update", {
      InputParameters: [
        null,
        5,
        { value: "no key" },
        {
          key: "Target",
          value: {
            Attributes: [null, { key: "name", value: null }, { key: "gone" }, { key: 7, value: "x" }, { key: "deep", value: deep }],
          },
        },
      ],
      PreEntityImages: { key: "PreImage", value: entity("account", ACCOUNT_ID, { name: "x" }) },
      PostEntityImages: [
        { key: "PostImage", value: null },
        { key: "PostImage2", value: { __type: `Entity:${CONTRACTS}`, Attributes: "not an array" } },
      ],
      OperationCreatedOn: null,
      Depth: "1",
    });
    const event = readRemoteExecutionContext(odd);
    expect(event).toMatchObject({ operationCreatedOn: null, depth: null, preImage: null, postImage: {} });
    expect(Object.keys(event.target as object).sort()).toEqual(["deep", "gone", "name"]);
    expect(event.target).toMatchObject({ name: null, gone: null });
    expect(flattenValue({ __type: `EntityCollection:${CONTRACTS}`, Entities: { not: "an array" } })).toEqual([]);
    expect(flattenValue({ __type: `EntityReference:${CONTRACTS}`, Id: { odd: true }, LogicalName: null })).toEqual({
      id: "",
      logicalName: "",
      name: null,
    });
    expect(flattenValue({ __type: 42, Value: [null, { __type: null }] })).toEqual({ Value: [null, {}] });
  });
});
