import component from "../../src";
import { mergeAttributeDefinition } from "../../src/client";
import { defineAttribute, defineTable, type TableDefinition } from "../emulator/schema";
import { actionError, expectSameShape, harness, runAction, useEmulator } from "../support";

const fixture = useEmulator();
const examples = (key: string) => (component.actions[key].examplePayload as { data: unknown }).data;
const table = (logicalName: string): TableDefinition => fixture.emulator.store.byLogicalName(logicalName) as TableDefinition;
const labelOf = (value: unknown): string | undefined => (value as { UserLocalizedLabel?: { Label?: string } }).UserLocalizedLabel?.Label;

/** Money body as on the documentation page: the Create Attribute default. */
const defaultBody = () =>
  JSON.parse(component.actions.createAttribute.inputs.find((input) => input.key === "attributeBody")?.default as string);

beforeAll(() => {
  const { store } = fixture.emulator;
  store.addTable(
    defineTable({
      logicalName: "new_project",
      entitySetName: "new_projects",
      primaryIdAttribute: "new_projectid",
      primaryNameAttribute: "new_name",
      displayName: "Project",
      displayCollectionName: "Projects",
      objectTypeCode: 10001,
      isCustomEntity: true,
      attributes: [defineAttribute("new_name", "String", "Name", { maxLength: 100, isCustom: true })],
    }),
  );
  store.addTable(
    defineTable({
      logicalName: "activityparty",
      entitySetName: "activityparties",
      primaryIdAttribute: "activitypartyid",
      primaryNameAttribute: "partyidname",
      displayName: "Activity Party",
      displayCollectionName: "Activity Parties",
      objectTypeCode: 135,
      isChildEntity: true,
      attributes: [],
    }),
  );
});

describe("getEntitiesMetaData", () => {
  const run = (params: Record<string, unknown> = {}) => runAction("getEntitiesMetaData", { connection: fixture.connection, ...params });
  const names = (data: { logicalName: string }[]) => data.map((entityType) => entityType.logicalName);

  it("lists every table as Prismatic's component does, with its columns, sorted by display name", async () => {
    const data = await run();
    expect(names(data)).toEqual([
      "account",
      "activityparty",
      "contact",
      "lead",
      "annotation",
      "opportunity",
      "new_project",
      "sdkmessage",
      "sdkmessagefilter",
      "sdkmessageprocessingstep",
      "sdkmessageprocessingstepimage",
      "serviceendpoint",
      "systemuser",
    ]);
    const account = table("account");
    expect(data[0]).toEqual({
      object: { key: account.metadataId, label: "Account" },
      fields: expect.arrayContaining([
        { key: "accountid", label: "Account" },
        { key: "name", label: "Account Name" },
      ]),
      logicalName: "account",
      schemaName: "Account",
      entitySetName: "accounts",
      displayName: "Account",
      isCustomEntity: false,
      isChildEntity: false,
      metadataId: table("account").metadataId,
      defaultSelected: false,
    });
    expectSameShape(data, examples("getEntitiesMetaData"));
    expect(data[0].fields.map((field: { key: string }) => field.key)).toEqual(
      account.attributes.map((attribute) => attribute.logicalName).sort(),
    );
    // One request for the tables, then one per table for its columns: metadata has no request for many tables' columns.
    const requests = fixture.emulator.takeRequests();
    expect(requests).toHaveLength(1 + data.length);
    expect(requests[0]).toMatchObject({
      method: "GET",
      path: "EntityDefinitions",
      query: { $select: "LogicalName,SchemaName,EntitySetName,DisplayName,IsCustomEntity,IsChildEntity" },
    });
    expect(requests.slice(1).map((request) => request.path)).toEqual(
      expect.arrayContaining([`EntityDefinitions(${account.metadataId})/Attributes`]),
    );
  });

  it("matches names or labels without regard to case, keeps custom tables, and marks the default selection", async () => {
    const data = await run({ recordTypeFilter: ["ACCOUNT", "Contacts", "lEaD"], defaultSelectedRecordTypes: ["contacts", "Lead"] });
    expect(names(data)).toEqual(["account", "contact", "lead", "new_project"]);
    expect(
      data
        .filter((entityType: { defaultSelected: boolean }) => entityType.defaultSelected)
        .map((entityType: { logicalName: string }) => entityType.logicalName),
    ).toEqual(["contact", "lead"]);
  });

  it("leaves custom tables out of a filter when Include All Custom Entity Types is off", async () => {
    const data = await run({ recordTypeFilter: ["account"], includeAllCustomRecordTypes: false });
    expect(names(data)).toEqual(["account"]);
  });

  it("asks Dataverse for top-level tables only, regardless of the name filter", async () => {
    const data = await run({
      recordTypeFilter: ["Activity Party", "account"],
      includeAllCustomRecordTypes: false,
      includeOnlyTopLevelRecordTypes: true,
    });
    expect(names(data)).toEqual(["account"]);
    const [request] = fixture.emulator.takeRequests();
    expect(request.query.$filter).toBe("IsChildEntity eq false");
  });
});

describe("getEntityMetaData", () => {
  it("gets a table by logical name with one request", async () => {
    const data = await runAction("getEntityMetaData", { connection: fixture.connection, entityType: "account" });
    expect(data.result).toMatchObject({
      LogicalName: "account",
      EntitySetName: "accounts",
      PrimaryIdAttribute: "accountid",
      MetadataId: table("account").metadataId,
    });
    expect(labelOf(data.result.DisplayName)).toBe("Account");
    expectSameShape(data, examples("getEntityMetaData"));
    const requests = fixture.emulator.takeRequests();
    expect(requests.map((request) => `${request.method} ${request.path}`)).toEqual(["GET EntityDefinitions(LogicalName='account')"]);
  });

  it("finds a table by entity set name when Use Logical Name for Lookup is off", async () => {
    const data = await runAction("getEntityMetaData", { connection: fixture.connection, entityType: "opportunities", lookupField: false });
    expect(data.result).toMatchObject({ LogicalName: "opportunity", EntitySetName: "opportunities" });
    const [request] = fixture.emulator.takeRequests();
    expect(request).toMatchObject({ path: "EntityDefinitions", query: { $filter: "EntitySetName eq 'opportunities'" } });
  });

  it("takes a MetadataId, as the Select Entity data source gives it", async () => {
    const data = await runAction("getEntityMetaData", {
      connection: fixture.connection,
      entityType: table("contact").metadataId.toUpperCase(),
    });
    expect(data.result.LogicalName).toBe("contact");
    expect(fixture.emulator.takeRequests()[0].path).toBe(`EntityDefinitions(${table("contact").metadataId})`);
  });

  it("reports a table that does not exist, either way", async () => {
    const byLogicalName = await actionError("getEntityMetaData", { connection: fixture.connection, entityType: "nosuchtable" });
    expect(byLogicalName).toMatchObject({ status: 404, code: "0x80040217" });
    expect(byLogicalName.message).toContain("EntityDefinitions(LogicalName='nosuchtable')");
    const bySetName = await actionError("getEntityMetaData", {
      connection: fixture.connection,
      entityType: "nosuchtables",
      lookupField: false,
    });
    expect(bySetName.message).toContain("no table has the entity set name 'nosuchtables'");
  });

  it.each(["acc'ount", "", "accounts?$select=x"])("refuses the name %p before sending anything", async (entityType) => {
    const error = await actionError("getEntityMetaData", { connection: fixture.connection, entityType });
    expect(error.message).toMatch(/^Entity Type: /);
    expect(fixture.emulator.takeRequests()).toHaveLength(0);
  });
});

describe("queryAttributes", () => {
  const query = (params: Record<string, unknown>) =>
    runAction("queryAttributes", { connection: fixture.connection, entityId: "account", ...params });

  it("lists a table's columns with their types and stable MetadataIds", async () => {
    const data = await query({ entityId: table("account").metadataId });
    const account = table("account");
    expect(data.value.map((attribute: { LogicalName: string }) => attribute.LogicalName)).toEqual(
      account.attributes.map((attribute) => attribute.logicalName),
    );
    expect(data.value.map((attribute: { MetadataId: string }) => attribute.MetadataId)).toEqual(
      account.attributes.map((attribute) => attribute.metadataId),
    );
    expect(data.value.find((attribute: { LogicalName: string }) => attribute.LogicalName === "name")).toMatchObject({
      "@odata.type": "#Microsoft.Dynamics.CRM.StringAttributeMetadata",
      AttributeType: "String",
      MaxLength: 160,
      IsPrimaryName: true,
    });
    expect(fixture.emulator.takeRequests()[0]).toMatchObject({
      method: "GET",
      path: `EntityDefinitions(${account.metadataId})/Attributes`,
      query: {},
    });
  });

  it("sends $select and $filter, with an enum literal and a managed property path", async () => {
    const money = await query({
      fieldNames: ["LogicalName", "AttributeType"],
      filterExpression: "AttributeType eq Microsoft.Dynamics.CRM.AttributeTypeCode'Money'",
    });
    expect(money.value).toEqual([
      {
        "@odata.type": "#Microsoft.Dynamics.CRM.MoneyAttributeMetadata",
        LogicalName: "revenue",
        AttributeType: "Money",
        MetadataId: expect.any(String),
      },
    ]);
    const required = await query({
      fieldNames: ["LogicalName"],
      filterExpression: "RequiredLevel/Value eq Microsoft.Dynamics.CRM.AttributeRequiredLevel'SystemRequired'",
    });
    expect(required.value.map((attribute: { LogicalName: string }) => attribute.LogicalName)).toEqual(["accountid"]);
    const [request] = fixture.emulator.takeRequests();
    expect(request).toMatchObject({
      path: "EntityDefinitions(LogicalName='account')/Attributes",
      query: { $select: "LogicalName,AttributeType", $filter: "AttributeType eq Microsoft.Dynamics.CRM.AttributeTypeCode'Money'" },
    });
  });

  it("casts to a type and expands the choices of a choice column", async () => {
    const data = await query({ attributeType: "Picklist" });
    expect(data.value.map((attribute: { LogicalName: string }) => attribute.LogicalName)).toEqual(["industrycode"]);
    expect(
      data.value[0].OptionSet.Options.map((option: { Value: number; Label: unknown }) => [option.Value, labelOf(option.Label)]),
    ).toEqual([
      [1, "Accounting"],
      [7, "Consulting"],
      [33, "Software"],
    ]);
    expectSameShape(data, examples("queryAttributes"));
    const [request] = fixture.emulator.takeRequests();
    expect(request.path).toBe("EntityDefinitions(LogicalName='account')/Attributes/Microsoft.Dynamics.CRM.PicklistAttributeMetadata");
    expect(request.query).toEqual({ $expand: "OptionSet" });
  });

  it("selects a derived type's properties after a cast; Dataverse refuses them without one", async () => {
    const data = await query({
      attributeType: "Microsoft.Dynamics.CRM.StringAttributeMetadata",
      fieldNames: ["LogicalName", "MaxLength"],
      filterExpression: "MaxLength gt 90",
    });
    expect(data.value.map((attribute: { LogicalName: string; MaxLength: number }) => [attribute.LogicalName, attribute.MaxLength])).toEqual(
      [
        ["name", 160],
        ["emailaddress1", 100],
        ["new_contract_name", 255],
        ["entityimage_url", 200],
      ],
    );
    const error = await actionError("queryAttributes", { connection: fixture.connection, entityId: "account", fieldNames: ["MaxLength"] });
    expect(error.message).toContain("Could not find a property named 'MaxLength' on type 'Microsoft.Dynamics.CRM.AttributeMetadata'");
  });

  it("passes Dataverse's refusal of a label in a filter through", async () => {
    const error = await actionError("queryAttributes", {
      connection: fixture.connection,
      entityId: "account",
      filterExpression: "DisplayName eq 'Industry'",
    });
    expect(error).toMatchObject({ status: 400 });
    expect(error.message).toContain("Label values cannot be used in a $filter: 'DisplayName'");
  });

  it.each(["Enum", "Foo", "PicklistAttribute"])("refuses the attribute type %p before sending anything", async (attributeType) => {
    const error = await actionError("queryAttributes", { connection: fixture.connection, entityId: "account", attributeType });
    expect(error.message).toMatch(/^Attribute Type: '.*' is not an attribute metadata type/);
    expect(fixture.emulator.takeRequests()).toHaveLength(0);
  });

  it("reports a table that does not exist", async () => {
    const error = await actionError("queryAttributes", { connection: fixture.connection, entityId: "nosuchtable" });
    expect(error).toMatchObject({ status: 404 });
  });
});

describe("getAttribute", () => {
  it("gets one column by logical name, cast with its choices, in one request", async () => {
    const data = await runAction("getAttribute", {
      connection: fixture.connection,
      entityId: "lead",
      attributeId: "leadqualitycode",
      attributeType: "picklist",
    });
    expect(data).toMatchObject({
      LogicalName: "leadqualitycode",
      AttributeType: "Picklist",
      MetadataId: table("lead").attributes.find((a) => a.logicalName === "leadqualitycode")?.metadataId,
    });
    expect(data.OptionSet.Options).toHaveLength(3);
    expectSameShape(data, examples("getAttribute"));
    const requests = fixture.emulator.takeRequests();
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({
      method: "GET",
      path: "EntityDefinitions(LogicalName='lead')/Attributes(LogicalName='leadqualitycode')/Microsoft.Dynamics.CRM.PicklistAttributeMetadata",
      query: { $expand: "OptionSet" },
    });
  });

  it("gets a column by MetadataId with $select", async () => {
    const revenue = table("account").attributes.find((attribute) => attribute.logicalName === "revenue");
    const data = await runAction("getAttribute", {
      connection: fixture.connection,
      entityId: "account",
      attributeId: revenue?.metadataId,
      fieldNames: ["LogicalName", "AttributeType"],
    });
    expect(data).toMatchObject({ LogicalName: "revenue", AttributeType: "Money", MetadataId: revenue?.metadataId });
    expect(data.MaxValue).toBeUndefined();
  });

  it("reports a column that does not exist", async () => {
    const error = await actionError("getAttribute", { connection: fixture.connection, entityId: "account", attributeId: "nosuchcolumn" });
    expect(error).toMatchObject({ status: 404 });
    expect(error.message).toContain("Attributes(LogicalName='nosuchcolumn')");
  });
});

describe("createAttribute", () => {
  it("creates the documented Money column in a solution, and records can use it at once", async () => {
    const { emulator, connection } = fixture;
    const data = await runAction("createAttribute", {
      connection,
      entityId: "account",
      attributeBody: JSON.stringify(defaultBody()),
      solutionUniqueName: "mysolution",
    });
    const created = table("account").attributes.find((attribute) => attribute.logicalName === "new_balance");
    expect(data).toBe(created?.metadataId);
    expectSameShape(data, examples("createAttribute"));
    const [request] = emulator.takeRequests();
    expect(request).toMatchObject({ method: "POST", path: "EntityDefinitions(LogicalName='account')/Attributes" });
    expect(request.headers["mscrm.solutionuniquename"]).toBe("mysolution");
    expect(JSON.parse(request.body)).toEqual(defaultBody());

    const record = await runAction("createEntity", {
      connection,
      entityType: "accounts",
      dynamicValues: { name: "Balance Co", new_balance: 125.5 },
    });
    expect(record.new_balance).toBe(125.5);
    const definition = await runAction("getAttribute", {
      connection,
      entityId: "account",
      attributeId: "new_balance",
      attributeType: "Money",
    });
    expect(definition).toMatchObject({ SchemaName: "new_Balance", PrecisionSource: 2, IsCustomAttribute: true });
    expect(labelOf(definition.DisplayName)).toBe("Balance");
  });

  it("sends no solution header when none is given", async () => {
    await runAction("createAttribute", {
      connection: fixture.connection,
      entityId: "contact",
      attributeBody: {
        ...defaultBody(),
        SchemaName: "new_Score",
        "@odata.type": "Microsoft.Dynamics.CRM.IntegerAttributeMetadata",
        AttributeType: "Integer",
      },
    });
    const [request] = fixture.emulator.takeRequests();
    expect(request.headers["mscrm.solutionuniquename"]).toBeUndefined();
  });

  it("reports Dataverse's refusal of a name that exists", async () => {
    const error = await actionError("createAttribute", {
      connection: fixture.connection,
      entityId: "account",
      attributeBody: { ...defaultBody(), SchemaName: "new_balance" },
    });
    expect(error).toMatchObject({ status: 400 });
    expect(error.message).toContain("already exists");
  });

  it.each([
    ['{"SchemaName": ', /^Attribute Body: is not valid JSON/],
    ["[]", /^Attribute Body: must be a JSON object/],
    ['{"SchemaName": "new_X"}', /^Attribute Body: needs an '@odata.type'/],
    [
      '{"@odata.type": "Microsoft.Dynamics.CRM.MoneyColumn"}',
      /^Attribute Body: 'Microsoft.Dynamics.CRM.MoneyColumn' is not an attribute metadata type/,
    ],
    ['{"@odata.type": "Microsoft.Dynamics.CRM.EnumAttributeMetadata"}', /abstract/],
    ['{"@odata.type": "Money"}', /^Attribute Body: '@odata.type' must be written "Microsoft.Dynamics.CRM.MoneyAttributeMetadata"/],
  ])("refuses the body %p before sending anything", async (attributeBody, message) => {
    const error = await actionError("createAttribute", { connection: fixture.connection, entityId: "account", attributeBody });
    expect(error.message).toMatch(message);
    expect(fixture.emulator.takeRequests()).toHaveLength(0);
  });
});

describe("updateAttribute", () => {
  it("merges a partial body onto the current definition and PUTs it with MergeLabels", async () => {
    const { emulator, connection } = fixture;
    const data = await runAction("updateAttribute", {
      connection,
      entityId: "account",
      attributeId: "name",
      attributeBody: {
        DisplayName: { LocalizedLabels: [{ Label: "Company Name", LanguageCode: 1033 }] },
        RequiredLevel: { Value: "ApplicationRequired" },
      },
    });
    expect(data.id).toBe(table("account").attributes.find((attribute) => attribute.logicalName === "name")?.metadataId);
    const [get, put] = emulator.takeRequests();
    expect(`${get.method} ${get.path}`).toBe("GET EntityDefinitions(LogicalName='account')/Attributes(LogicalName='name')");
    expect(`${put.method} ${put.path}`).toBe("PUT EntityDefinitions(LogicalName='account')/Attributes(LogicalName='name')");
    expect(put.headers["mscrm.mergelabels"]).toBe("true");
    const sent = JSON.parse(put.body);
    expect(sent["@odata.context"]).toBeUndefined();
    expect(sent).toMatchObject({ "@odata.type": "#Microsoft.Dynamics.CRM.StringAttributeMetadata", MaxLength: 160, IsPrimaryName: true });
    expect(sent.RequiredLevel).toEqual({
      Value: "ApplicationRequired",
      CanBeChanged: true,
      ManagedPropertyLogicalName: "canmodifyrequirementlevelsettings",
    });
    expect(sent).toEqual(data.definition);

    const after = await runAction("getAttribute", { connection, entityId: "account", attributeId: "name", attributeType: "String" });
    expect(labelOf(after.DisplayName)).toBe("Company Name");
    expect(after).toMatchObject({
      MaxLength: 160,
      FormatName: { Value: "Text" },
      IsPrimaryName: true,
      RequiredLevel: { Value: "ApplicationRequired" },
    });
  });

  it("keeps the labels of other languages and the untouched properties of a created column", async () => {
    const { connection } = fixture;
    const body = defaultBody();
    body.SchemaName = "new_Limit";
    body.DisplayName.LocalizedLabels.push({ Label: "Limite", LanguageCode: 1036 });
    await runAction("createAttribute", { connection, entityId: "account", attributeBody: body });
    const data = await runAction("updateAttribute", {
      connection,
      entityId: "account",
      attributeBody: { SchemaName: "new_Limit", DisplayName: { LocalizedLabels: [{ Label: "Credit Limit", LanguageCode: 1033 }] } },
    });
    expectSameShape(data, examples("updateAttribute"));
    const after = await runAction("getAttribute", { connection, entityId: "account", attributeId: "new_limit", attributeType: "Money" });
    expect(
      after.DisplayName.LocalizedLabels.map((item: { Label: string; LanguageCode: number }) => [item.LanguageCode, item.Label]),
    ).toEqual([
      [1033, "Credit Limit"],
      [1036, "Limite"],
    ]);
    expect(labelOf(after.DisplayName)).toBe("Credit Limit");
    expect(labelOf(after.Description)).toBe("Enter the balance amount");
    expect(after).toMatchObject({ PrecisionSource: 2, SchemaName: "new_Limit", RequiredLevel: { Value: "None" } });
  });

  it("needs a way to name the column", async () => {
    const error = await actionError("updateAttribute", {
      connection: fixture.connection,
      entityId: "account",
      attributeBody: { Description: { LocalizedLabels: [] } },
    });
    expect(error.message).toMatch(/^Attribute ID: is required when Attribute Body has no MetadataId, LogicalName or SchemaName/);
    expect(fixture.emulator.takeRequests()).toHaveLength(0);
  });

  it("refuses malformed JSON and an unknown type before sending anything", async () => {
    const malformed = await actionError("updateAttribute", {
      connection: fixture.connection,
      entityId: "account",
      attributeId: "name",
      attributeBody: "{'DisplayName'",
    });
    expect(malformed.message).toMatch(/^Attribute Body: is not valid JSON/);
    const unknown = await actionError("updateAttribute", {
      connection: fixture.connection,
      entityId: "account",
      attributeId: "name",
      attributeBody: { "@odata.type": "Microsoft.Dynamics.CRM.Text" },
    });
    expect(unknown.message).toMatch(/^Attribute Body: 'Microsoft.Dynamics.CRM.Text' is not an attribute metadata type/);
    expect(fixture.emulator.takeRequests()).toHaveLength(0);
  });

  it.each([
    ["MetadataId", () => table("account").attributes.find((attribute) => attribute.logicalName === "accountnumber")?.metadataId],
    ["LogicalName", () => "accountnumber"],
    ["SchemaName", () => "AccountNumber"],
  ])("refuses a body whose %s names another column, after the GET and before any PUT", async (property, value) => {
    const error = await actionError("updateAttribute", {
      connection: fixture.connection,
      entityId: "account",
      attributeId: "name",
      attributeBody: { [property]: value(), MaxLength: 200 },
    });
    expect(error.message).toMatch(
      new RegExp(`^Attribute Body: its ${property} "${value()}" names another column than the one being updated, 'name' \\(${property} '`),
    );
    expect(error.message).toMatch(/remove \w+ from Attribute Body, or give the Attribute ID of the column you mean\.$/);
    expect(fixture.emulator.takeRequests().map((request) => `${request.method} ${request.path}`)).toEqual([
      "GET EntityDefinitions(LogicalName='account')/Attributes(LogicalName='name')",
    ]);
    const after = await runAction("getAttribute", {
      connection: fixture.connection,
      entityId: "account",
      attributeId: "name",
      attributeType: "String",
    });
    expect(after.MaxLength).not.toBe(200);
  });

  it("accepts a body that names the same column in another case, and sends the stored identity", async () => {
    const { connection, emulator } = fixture;
    const name = table("account").attributes.find((attribute) => attribute.logicalName === "name");
    await runAction("updateAttribute", {
      connection,
      entityId: "account",
      attributeId: "name",
      attributeBody: { MetadataId: name?.metadataId.toUpperCase(), LogicalName: "name", SchemaName: "NAME", MaxLength: 160 },
    });
    const requests = emulator.takeRequests();
    expect(requests.map((request) => request.method)).toEqual(["GET", "PUT"]);
    const stored = await runAction("getAttribute", { connection, entityId: "account", attributeId: "name", fieldNames: ["SchemaName"] });
    const sent = JSON.parse(requests[1].body);
    expect(sent.MetadataId).toBe(name?.metadataId);
    expect(sent.SchemaName).toBe(stored.SchemaName);
    expect(sent.SchemaName).not.toBe("NAME");
  });

  it("stops at the GET when the column does not exist, sending no PUT", async () => {
    const error = await actionError("updateAttribute", {
      connection: fixture.connection,
      entityId: "account",
      attributeId: "nosuchcolumn",
      attributeBody: { MaxLength: 10 },
    });
    expect(error).toMatchObject({ status: 404 });
    expect(fixture.emulator.takeRequests().map((request) => request.method)).toEqual(["GET"]);
  });
});

describe("mergeAttributeDefinition", () => {
  const current = {
    "@odata.context": "x",
    "@odata.type": "#Microsoft.Dynamics.CRM.PicklistAttributeMetadata",
    DisplayName: {
      LocalizedLabels: [
        { Label: "Industry", LanguageCode: 1033, MetadataId: "l1" },
        { Label: "Branche", LanguageCode: 1031, MetadataId: "l2" },
      ],
      UserLocalizedLabel: { Label: "Industry", LanguageCode: 1033, MetadataId: "l1" },
    },
    Targets: ["account", "contact"],
    RequiredLevel: { Value: "None", CanBeChanged: true },
  };

  it("merges labels by language, replaces other arrays, keeps the rest and drops the context", () => {
    const merged = mergeAttributeDefinition(current, {
      DisplayName: {
        LocalizedLabels: [
          { Label: "Sector", LanguageCode: 1033 },
          { Label: "Secteur", LanguageCode: 1036 },
        ],
      },
      Targets: ["account"],
    });
    expect(merged).toEqual({
      "@odata.type": "#Microsoft.Dynamics.CRM.PicklistAttributeMetadata",
      DisplayName: {
        LocalizedLabels: [
          { Label: "Sector", LanguageCode: 1033, MetadataId: "l1" },
          { Label: "Branche", LanguageCode: 1031, MetadataId: "l2" },
          { Label: "Secteur", LanguageCode: 1036 },
        ],
        UserLocalizedLabel: { Label: "Sector", LanguageCode: 1033, MetadataId: "l1" },
      },
      Targets: ["account"],
      RequiredLevel: { Value: "None", CanBeChanged: true },
    });
    expect(current.DisplayName.LocalizedLabels[0].Label).toBe("Industry");
  });
});

describe("requests per metadata action", () => {
  it.each([
    ["getEntityMetaData", 1, { entityType: "lead" }],
    ["getAttribute", 1, { entityId: "lead", attributeId: "subject" }],
    ["queryAttributes", 1, { entityId: "lead" }],
    ["getEntitiesMetaData", 2, { recordTypeFilter: ["lead"], includeAllCustomRecordTypes: false }],
    ["updateAttribute", 2, { entityId: "lead", attributeId: "subject", attributeBody: { MaxLength: 400 } }],
  ])("%s sends %i request(s)", async (key, count, params) => {
    await runAction(key as string, { connection: fixture.connection, ...(params as object) });
    expect(fixture.emulator.takeRequests()).toHaveLength(count as number);
  });
});

describe("the emulator's column PUT", () => {
  const put = (body: unknown, mergeLabels: boolean) =>
    fetch(`${fixture.emulator.apiRoot}EntityDefinitions(LogicalName='contact')/Attributes(LogicalName='jobtitle')`, {
      method: "PUT",
      headers: {
        Authorization: `Bearer ${fixture.emulator.accessToken}`,
        "Content-Type": "application/json",
        ...(mergeLabels ? { "MSCRM.MergeLabels": "true" } : {}),
      },
      body: JSON.stringify(body),
    });
  const jobTitle = () =>
    runAction("getAttribute", { connection: fixture.connection, entityId: "contact", attributeId: "jobtitle", attributeType: "String" });
  const languages = (definition: { DisplayName: { LocalizedLabels: { LanguageCode: number }[] } }) =>
    definition.DisplayName.LocalizedLabels.map((item) => item.LanguageCode);

  it("replaces the definition, keeping other languages' labels only with MergeLabels", async () => {
    const type = "Microsoft.Dynamics.CRM.StringAttributeMetadata";
    const twoLanguages = {
      LocalizedLabels: [
        { Label: "Job Title", LanguageCode: 1033 },
        { Label: "Poste", LanguageCode: 1036 },
      ],
    };
    expect((await put({ "@odata.type": type, MaxLength: 100, DisplayName: twoLanguages }, true)).status).toBe(204);
    expect(languages(await jobTitle())).toEqual([1033, 1036]);

    expect(
      (await put({ "@odata.type": type, MaxLength: 100, DisplayName: { LocalizedLabels: [{ Label: "Title", LanguageCode: 1033 }] } }, true))
        .status,
    ).toBe(204);
    expect(languages(await jobTitle())).toEqual([1036, 1033]);

    expect(
      (await put({ "@odata.type": type, DisplayName: { LocalizedLabels: [{ Label: "Title", LanguageCode: 1033 }] } }, false)).status,
    ).toBe(204);
    const replaced = await jobTitle();
    expect(languages(replaced)).toEqual([1033]);
    expect(replaced).not.toHaveProperty("FormatName");
  });

  it("refuses a PUT of another type and a PATCH", async () => {
    expect((await put({ "@odata.type": "Microsoft.Dynamics.CRM.MemoAttributeMetadata" }, true)).status).toBe(400);
    const patch = await fetch(`${fixture.emulator.apiRoot}EntityDefinitions(LogicalName='contact')/Attributes(LogicalName='jobtitle')`, {
      method: "PATCH",
      headers: { Authorization: `Bearer ${fixture.emulator.accessToken}`, "Content-Type": "application/json" },
      body: "{}",
    });
    expect(patch.status).toBe(405);
  });
});

describe("the table pickers' include switches", () => {
  it("leave custom and child tables out when asked, as Prismatic's component does", async () => {
    const labels = async (params: Record<string, unknown>) =>
      ((await harness.dataSource("entities", { connection: fixture.connection, ...params })).result as { label: string }[]).map(
        (item) => item.label,
      );
    expect(await labels({})).toEqual(expect.arrayContaining(["Project (new_project)", "Activity Party (activityparty)"]));
    const narrowed = await labels({ includeCustom: false, includeOnlyTopLevel: true });
    expect(narrowed).not.toContain("Project (new_project)");
    expect(narrowed).not.toContain("Activity Party (activityparty)");
    expect(narrowed).toContain("Account (account)");
    expect(fixture.emulator.takeRequests().map((request) => request.query.$filter)).toEqual([undefined, "IsChildEntity eq false"]);
  });
});

describe("listEntities (List Entity Types)", () => {
  it("returns the service document's entity sets, with Prismatic's paging keys", async () => {
    const data = await runAction("listEntities", { connection: fixture.connection });
    expect(data.entities).toContainEqual({ name: "accounts", kind: "EntitySet", url: "accounts" });
    expect(data).toMatchObject({ totalCount: data.entities.length, nextLink: null, hasMore: false });
    expectSameShape(data, examples("listEntities"));
    const [request] = fixture.emulator.takeRequests();
    expect(request).toMatchObject({ method: "GET", path: "" });
    expect(request.headers.prefer).toBe("odata.maxpagesize=5000");
  });

  it("follows next links with Fetch All, and gives one page with its next link otherwise", async () => {
    const { emulator } = fixture;
    const nextLink = `${emulator.apiRoot}?$skiptoken=2`;
    const first = { value: [{ name: "accounts", kind: "EntitySet", url: "accounts" }], "@odata.nextLink": nextLink };
    emulator.inject({ method: "GET", path: "", status: 200, body: first });
    const page = await runAction("listEntities", { connection: fixture.connection, maxPageSize: "1" });
    expect(page).toEqual({ entities: first.value, totalCount: 1, nextLink, hasMore: true });
    expect(emulator.takeRequests()[0].headers.prefer).toBe("odata.maxpagesize=1");

    emulator.inject({ method: "GET", path: "", status: 200, body: first });
    const all = await runAction("listEntities", { connection: fixture.connection, fetchAll: true });
    expect(all.entities[0]).toEqual(first.value[0]);
    expect(all.entities.length).toBeGreaterThan(1);
    expect(all).toMatchObject({ totalCount: all.entities.length, nextLink: null, hasMore: false });
    expect(emulator.takeRequests()).toHaveLength(2);
  });

  it("refuses a next link to another host before sending anything", async () => {
    const error = await actionError("listEntities", {
      connection: fixture.connection,
      nextLink: "https://attacker.example.com/api/data/v9.2/",
    });
    expect(error.message).toMatch(/refused to send the connection's token/);
    expect(fixture.emulator.takeRequests()).toHaveLength(0);
  });
});

describe("listEntitiesAction (List Entities)", () => {
  it("lists table definitions sorted by schema name, with counts", async () => {
    const data = await runAction("listEntitiesAction", { connection: fixture.connection });
    const account = data.entities.find((entity: { logicalName: string }) => entity.logicalName === "account");
    expect(account).toEqual({
      entityId: table("account").metadataId,
      logicalName: "account",
      schemaName: "Account",
      entitySetName: "accounts",
      displayName: "Account",
      pluralDisplayName: "Accounts",
      isCustomEntity: false,
      isChildEntity: false,
    });
    const schemaNames = data.entities.map((entity: { schemaName: string }) => entity.schemaName);
    expect(schemaNames).toEqual([...schemaNames].sort((a, b) => a.localeCompare(b, "en")));
    expect(data).toMatchObject({ totalCount: data.entities.length, customEntitiesCount: 1, systemEntitiesCount: data.entities.length - 1 });
    expectSameShape(data, examples("listEntitiesAction"));
  });

  it("lets Dataverse leave out custom and child tables, and adds the details when asked", async () => {
    const data = await runAction("listEntitiesAction", {
      connection: fixture.connection,
      includeCustom: false,
      includeOnlyTopLevel: true,
      includeDetails: true,
    });
    const names = data.entities.map((entity: { logicalName: string }) => entity.logicalName);
    expect(names).not.toContain("new_project");
    expect(names).not.toContain("activityparty");
    expect(data.customEntitiesCount).toBe(0);
    expect(data.entities.find((entity: { logicalName: string }) => entity.logicalName === "account")).toMatchObject({
      ownershipType: "UserOwned",
      isActivity: false,
      isValidForAdvancedFind: true,
    });
    const [request] = fixture.emulator.takeRequests();
    expect(request.query.$filter).toBe("IsCustomEntity eq false and IsChildEntity eq false");
  });
});

describe("listAttributesAction (List Attributes)", () => {
  it("lists a table's columns by logical name, with counts by type and the primary columns", async () => {
    const data = await runAction("listAttributesAction", { connection: fixture.connection, entityId: "opportunity" });
    const opportunity = table("opportunity");
    expect(data.entityId).toBe("opportunity");
    expect(data.attributes.map((attribute: { logicalName: string }) => attribute.logicalName)).toEqual(
      opportunity.attributes.map((attribute) => attribute.logicalName).sort(),
    );
    expect(data.attributes.find((attribute: { logicalName: string }) => attribute.logicalName === "name")).toEqual({
      logicalName: "name",
      displayName: "Topic",
      attributeType: "String",
      description: "",
      isCustomAttribute: false,
      isPrimaryId: false,
      isPrimaryName: true,
      requiredLevel: "None",
      isValidForRead: true,
      isValidForCreate: true,
      isValidForUpdate: true,
    });
    const counted = Object.values(data.attributesByType as Record<string, number>).reduce((sum, count) => sum + count, 0);
    expect(counted).toBe(data.totalCount);
    expect(data).toMatchObject({ primaryIdAttribute: "opportunityid", primaryNameAttribute: "name", customAttributesCount: 0 });
    // attributesByType is keyed by the types found, so its shape is checked above, by its counts.
    const example = examples("listAttributesAction") as Record<string, unknown>;
    expectSameShape({ ...data, attributesByType: {} }, { ...example, attributesByType: {} });
  });

  it("casts to a type and adds the details when asked", async () => {
    const data = await runAction("listAttributesAction", {
      connection: fixture.connection,
      entityId: "opportunity",
      attributeType: "Money",
      includeDetails: true,
    });
    expect(data.attributes.map((attribute: { logicalName: string }) => attribute.logicalName)).toEqual(["estimatedvalue"]);
    expect(data.attributesByType).toEqual({ Money: 1 });
    expect(data.attributes[0]).toMatchObject({
      schemaName: "Estimatedvalue",
      isSecured: false,
      isAuditEnabled: { Value: true, CanBeChanged: true, ManagedPropertyLogicalName: "canmodifyauditsettings" },
    });
    expect(data).not.toHaveProperty("primaryIdAttribute");
    const [request] = fixture.emulator.takeRequests();
    expect(request.path).toBe("EntityDefinitions(LogicalName='opportunity')/Attributes/Microsoft.Dynamics.CRM.MoneyAttributeMetadata");
  });
});

describe("getAttribute's Attribute Type as Prismatic's Attribute Key", () => {
  it("reads a MetadataId given as Attribute Type when Attribute ID is blank", async () => {
    const revenue = table("account").attributes.find((attribute) => attribute.logicalName === "revenue");
    const data = await runAction("getAttribute", {
      connection: fixture.connection,
      entityId: table("account").metadataId,
      attributeType: revenue?.metadataId.toUpperCase(),
      fieldNames: ["LogicalName"],
    });
    expect(data).toMatchObject({ LogicalName: "revenue", MetadataId: revenue?.metadataId });
    expect(fixture.emulator.takeRequests()[0].path).toBe(
      `EntityDefinitions(${table("account").metadataId})/Attributes(${revenue?.metadataId})`,
    );
  });

  it("needs one of the two, and refuses both naming the column", async () => {
    const neither = await actionError("getAttribute", { connection: fixture.connection, entityId: "account" });
    expect(neither.message).toMatch(/^Attribute ID: is required/);
    const both = await actionError("getAttribute", {
      connection: fixture.connection,
      entityId: "account",
      attributeId: "name",
      attributeType: table("account").attributes[0].metadataId,
    });
    expect(both.message).toMatch(/^Attribute Type: holds a MetadataId/);
    expect(fixture.emulator.takeRequests()).toHaveLength(0);
  });
});
