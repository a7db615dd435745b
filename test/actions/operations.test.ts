import component from "../../src";
import { functionCall, functionLiteral, operationPath } from "../../src/client";
import { SEED } from "../emulator/seed";
import { actionError, expectSameShape, runAction, useEmulator } from "../support";

const fixture = useEmulator();
const examples = (key: string) => (component.actions[key].examplePayload as { data: unknown }).data;
const OPPORTUNITY = "000000b0-0000-4000-8000-000000000001";
const LEAD = "00001ead-0000-4000-8000-000000000002";

describe("function parameters", () => {
  it.each([
    ["Contoso", "'Contoso'"],
    ["O'Brien's", "'O''Brien''s'"],
    [42, "42"],
    [1.5, "1.5"],
    [true, "true"],
    [null, "null"],
    ["25A17064-1AE7-E611-80F4-E0071B661F01", "25a17064-1ae7-e611-80f4-e0071b661f01"],
    ["2026-11-23T10:00:00Z", "2026-11-23T10:00:00Z"],
    ["Microsoft.Dynamics.CRM.EndpointAccessType'Default'", "Microsoft.Dynamics.CRM.EndpointAccessType'Default'"],
    ["Microsoft.Dynamics.CRM.EndpointAccessType'Default' or 1=1", "'Microsoft.Dynamics.CRM.EndpointAccessType''Default'' or 1=1'"],
    [{ "@odata.id": "contacts(emailaddress1='a@b.c')" }, "{'@odata.id':'contacts(emailaddress1=''a@b.c'')'}"],
    [{ Name: "x", Count: 2 }, '{"Name":"x","Count":2}'],
  ])("%p is written %s", (value, literal) => {
    expect(functionLiteral(value)).toBe(literal);
  });

  it("passes every parameter as an alias", () => {
    expect(functionCall({ Target: { "@odata.id": "accounts(1)" }, FieldName: "revenue" })).toEqual({
      call: "(Target=@p1,FieldName=@p2)",
      query: { "@p1": "{'@odata.id':'accounts(1)'}", "@p2": "'revenue'" },
    });
    expect(functionCall({})).toEqual({ call: "()", query: {} });
  });

  it("adds the namespace to bound operations only", () => {
    const key = { kind: "id" as const, id: SEED.users.admin };
    expect(operationPath("WinOpportunity", { kind: "unbound" })).toBe("WinOpportunity");
    expect(operationPath("RetrieveUserPrivileges", { kind: "record", entitySetName: "systemusers", key })).toBe(
      `systemusers(${SEED.users.admin})/Microsoft.Dynamics.CRM.RetrieveUserPrivileges`,
    );
    expect(operationPath("Microsoft.Dynamics.CRM.ExportTranslation", { kind: "collection", entitySetName: "solutions" })).toBe(
      "solutions/Microsoft.Dynamics.CRM.ExportTranslation",
    );
  });
});

describe("executeFunction", () => {
  it("calls an unbound function without parameters and returns its body", async () => {
    const data = await runAction("executeFunction", { connection: fixture.connection, functionName: "RetrieveVersion" });
    expect(data).toEqual({
      result: {
        "@odata.context": `${fixture.emulator.apiRoot}$metadata#Microsoft.Dynamics.CRM.RetrieveVersionResponse`,
        Version: "9.2.24094.00193",
      },
    });
    expectSameShape(data, examples("executeFunction"));
    const [request, ...rest] = fixture.emulator.takeRequests();
    expect(rest).toHaveLength(0);
    expect(`${request.method} ${request.path}`).toBe("GET RetrieveVersion()");
    expect(request.query).toEqual({});
  });

  it("passes an enum literal through an alias", async () => {
    const data = await runAction("executeFunction", {
      connection: fixture.connection,
      functionName: "RetrieveCurrentOrganization",
      operationParameters: JSON.stringify({ AccessType: "Microsoft.Dynamics.CRM.EndpointAccessType'Default'" }),
    });
    expect(data.result.Detail).toMatchObject({
      OrganizationId: SEED.organizationId,
      Endpoints: { Keys: ["WebApplication", "OrganizationService", "OrganizationDataService"] },
    });
    const [request] = fixture.emulator.takeRequests();
    expect(request.path).toBe("RetrieveCurrentOrganization(AccessType=@p1)");
    expect(request.query).toEqual({ "@p1": "Microsoft.Dynamics.CRM.EndpointAccessType'Default'" });
  });

  it("passes a record reference and a string", async () => {
    const data = await runAction("executeFunction", {
      connection: fixture.connection,
      functionName: "CalculateRollupField",
      operationParameters: { Target: { "@odata.id": `accounts(${SEED.accounts.contoso})` }, FieldName: "revenue" },
    });
    expect(data.result.Entity).toEqual({
      "@odata.type": "#Microsoft.Dynamics.CRM.account",
      accountid: SEED.accounts.contoso,
      revenue: 5000000,
    });
    const [request] = fixture.emulator.takeRequests();
    expect(request.path).toBe("CalculateRollupField(Target=@p1,FieldName=@p2)");
    expect(request.query).toEqual({ "@p1": `{'@odata.id':'accounts(${SEED.accounts.contoso})'}`, "@p2": "'revenue'" });
  });

  it("doubles quotes inside a string, so Dataverse reads the text unchanged", async () => {
    const error = await actionError("executeFunction", {
      connection: fixture.connection,
      functionName: "CalculateRollupField",
      operationParameters: { Target: { "@odata.id": `accounts(${SEED.accounts.contoso})` }, FieldName: "it's','x" },
    });
    expect(error).toMatchObject({ status: 400 });
    expect(error.message).toContain("The attribute 'it's','x' does not exist on entity 'account'.");
    const [request] = fixture.emulator.takeRequests();
    expect(request.query["@p2"]).toBe("'it''s'',''x'");
  });

  it("calls a function bound to a record with its namespace", async () => {
    const data = await runAction("executeFunction", {
      connection: fixture.connection,
      functionName: "RetrieveUserPrivileges",
      boundEntityType: "systemusers",
      boundEntityId: SEED.users.admin,
    });
    expect(data.result.RolePrivileges[0]).toMatchObject({ PrivilegeName: "prvReadAccount", Depth: "Global" });
    const [request] = fixture.emulator.takeRequests();
    expect(`${request.method} ${request.path}`).toBe(
      `GET systemusers(${SEED.users.admin})/Microsoft.Dynamics.CRM.RetrieveUserPrivileges()`,
    );
  });

  it("repeats a function after a gateway fault, as it only reads", async () => {
    fixture.emulator.inject({ method: "GET", path: "RetrieveVersion", status: 503, headers: { "Retry-After": "0" } });
    const data = await runAction("executeFunction", { connection: fixture.connection, functionName: "RetrieveVersion" });
    expect(data.result.Version).toBe("9.2.24094.00193");
    expect(fixture.emulator.takeRequests()).toHaveLength(2);
  });

  it("reports an unknown function as not found", async () => {
    const error = await actionError("executeFunction", { connection: fixture.connection, functionName: "NoSuchFunction" });
    expect(error).toMatchObject({ status: 404, code: "0x8006088a" });
    expect(error.message).toContain("Resource not found for the segment 'NoSuchFunction'");
  });
});

describe("executeAction", () => {
  it("posts an unbound action's parameters and answers null for 204", async () => {
    const parameters = {
      OpportunityClose: { subject: "Won the fleet deal", "opportunityid@odata.bind": `/opportunities(${OPPORTUNITY})` },
      Status: 3,
    };
    const data = await runAction("executeAction", {
      connection: fixture.connection,
      actionName: "WinOpportunity",
      operationParameters: JSON.stringify(parameters),
    });
    // A 204 has no body: the output is exactly { result: null }, not an empty object or a missing result.
    expect(Object.keys(data)).toEqual(["result"]);
    expect(data.result).toBeNull();
    const [request, ...rest] = fixture.emulator.takeRequests();
    expect(rest).toHaveLength(0);
    expect(`${request.method} ${request.path}`).toBe("POST WinOpportunity");
    expect(JSON.parse(request.body)).toEqual(parameters);
    expect(fixture.emulator.store.find(fixture.emulator.store.byLogicalName("opportunity")!, OPPORTUNITY)).toMatchObject({
      statecode: 1,
      statuscode: 3,
    });
  });

  it("posts an action bound to a record and returns its 200 body", async () => {
    const data = await runAction("executeAction", {
      connection: fixture.connection,
      actionName: "Microsoft.Dynamics.CRM.QualifyLead",
      boundEntityType: "leads",
      boundEntityId: LEAD,
      operationParameters: { CreateAccount: false, CreateContact: false, CreateOpportunity: true, Status: 3 },
    });
    // The output is Dataverse's body as it came: its context annotation and the collection of created records.
    expect(Object.keys(data)).toEqual(["result"]);
    expect(data.result).toEqual({
      "@odata.context": `${fixture.emulator.apiRoot}$metadata#Collection(Microsoft.Dynamics.CRM.crmbaseentity)`,
      value: [{ "@odata.type": "#Microsoft.Dynamics.CRM.opportunity", opportunityid: expect.stringMatching(/^[0-9a-f-]{36}$/) }],
    });
    const [request] = fixture.emulator.takeRequests();
    expect(`${request.method} ${request.path}`).toBe(`POST leads(${LEAD})/Microsoft.Dynamics.CRM.QualifyLead`);
    expect(JSON.parse(request.body)).toEqual({ CreateAccount: false, CreateContact: false, CreateOpportunity: true, Status: 3 });
  });

  it("binds to an entity set when no record is given", async () => {
    const error = await actionError("executeAction", {
      connection: fixture.connection,
      actionName: "ExportTranslation",
      boundEntityType: "accounts",
    });
    expect(error).toMatchObject({ status: 404 });
    const [request] = fixture.emulator.takeRequests();
    expect(`${request.method} ${request.path}`).toBe("POST accounts/Microsoft.Dynamics.CRM.ExportTranslation");
  });

  it("gets Dataverse's 404 when a function is posted as an action, without retrying", async () => {
    const error = await actionError("executeAction", { connection: fixture.connection, actionName: "RetrieveVersion" });
    expect(error).toMatchObject({ status: 404 });
    expect(error.message).toContain("No HTTP resource was found that matches the request URI");
    expect(fixture.emulator.takeRequests()).toHaveLength(1);
  });

  it("never repeats an action whose answer was lost", async () => {
    fixture.emulator.inject({ method: "POST", path: "WinOpportunity", status: 504, afterHandling: true, headers: { "Retry-After": "0" } });
    const parameters = { OpportunityClose: { "opportunityid@odata.bind": `/opportunities(${OPPORTUNITY})` }, Status: 3 };
    const error = await actionError("executeAction", {
      connection: fixture.connection,
      actionName: "WinOpportunity",
      operationParameters: parameters,
    });
    expect(error).toMatchObject({ outcomeUnknown: true });
    expect(error.message).toMatch(/^The outcome of POST WinOpportunity is unknown/);
    expect(fixture.emulator.takeRequests()).toHaveLength(1);
  });

  it("reports a missing bound record as not found", async () => {
    const error = await actionError("executeAction", {
      connection: fixture.connection,
      actionName: "QualifyLead",
      boundEntityType: "leads",
      boundEntityId: "00001ead-0000-4000-8000-000000000999",
      operationParameters: {},
    });
    expect(error).toMatchObject({ status: 404, code: "0x80040217" });
  });
});

describe("refusals before any request", () => {
  it.each(["Win Opportunity", "WinOpportunity()", "../WhoAmI", "Microsoft.Dynamics.CRM.", "WhoAmI?x=1", ""])(
    "refuses the action name %p",
    async (actionName) => {
      const error = await actionError("executeAction", { connection: fixture.connection, actionName });
      expect(error.message).toMatch(/^Action Name: /);
      expect(fixture.emulator.takeRequests()).toHaveLength(0);
    },
  );

  it.each([
    ['{"Status": ', /^Parameters: is not valid JSON/],
    ["[1, 2]", /^Parameters: must be a JSON object/],
    ['{"Bad Name": 1}', /^Parameters: 'Bad Name' is not a parameter name/],
    ['{"A=@p1)/x?": 1}', /^Parameters: .* is not a parameter name/],
  ])("refuses the parameters %p", async (operationParameters, message) => {
    const error = await actionError("executeFunction", {
      connection: fixture.connection,
      functionName: "RetrieveVersion",
      operationParameters,
    });
    expect(error.message).toMatch(message);
    expect(fixture.emulator.takeRequests()).toHaveLength(0);
  });

  it("refuses a bound record without its entity type", async () => {
    const error = await actionError("executeFunction", {
      connection: fixture.connection,
      functionName: "RetrieveUserPrivileges",
      boundEntityId: SEED.users.admin,
    });
    expect(error.message).toMatch(/^Bound Entity ID: is given without a Bound Entity Type/);
    expect(fixture.emulator.takeRequests()).toHaveLength(0);
  });
});
