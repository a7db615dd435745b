/** Shapes shared by the triggers' example payloads. */
import type { TriggerPayload } from "@prismatic-io/spectral";
import { EXAMPLE_ACCOUNT_ID } from "../actions/examples";

/** The request fields Prismatic puts on every trigger payload. */
export const exampleTriggerPayload: TriggerPayload = {
  headers: {},
  queryParameters: {},
  rawBody: { data: null, contentType: "application/json" },
  body: { data: null, contentType: "application/json" },
  pathFragment: "",
  webhookUrls: { "Flow 1": "https://hooks.prismatic.io/trigger/SW5zdGFuY2VGbG93Q29uZmlnOjE=" },
  // The triggers pass no API key of the flow on.
  webhookApiKeys: {},
  invokeUrl: "https://hooks.prismatic.io/trigger/SW5zdGFuY2VGbG93Q29uZmlnOjE=",
  executionId: "SW5zdGFuY2VFeGVjdXRpb25SZXN1bHQ6MQ==",
  customer: { id: "Q3VzdG9tZXI6MQ==", name: "Contoso", externalId: "contoso" },
  instance: { id: "SW5zdGFuY2U6MQ==", name: "Dynamics sync" },
  user: { id: "", email: "", name: "", externalId: "" },
  integration: { id: "SW50ZWdyYXRpb246MQ==", name: "Dynamics sync", versionSequenceId: "1", externalVersion: "" },
  flow: { id: "Rmxvdzox", name: "Flow 1", stableId: "flow-1" },
  startedAt: "2026-11-02T09:30:01.000Z",
  globalDebug: false,
};

const CONTRACTS = "http://schemas.microsoft.com/xrm/2011/Contracts";

const exampleAccountEntity = (attributes: Record<string, unknown>, rowVersion: string) => ({
  __type: `Entity:${CONTRACTS}`,
  Attributes: Object.entries(attributes).map(([key, value]) => ({ key, value })),
  EntityState: null,
  FormattedValues: [],
  Id: EXAMPLE_ACCOUNT_ID,
  KeyAttributes: [],
  LogicalName: "account",
  RelatedEntities: [],
  RowVersion: rowVersion,
});

const EXAMPLE_USER_ID = "b6f2c3a1-4d5e-4f60-8a7b-9c0d1e2f3a4b";

/** An Update of an account as Dynamics posts it: only the changed columns in Target, with a pre-image. */
export const exampleRemoteExecutionContext = {
  BusinessUnitId: "0f1e2d3c-0000-4000-8000-000000000001",
  CorrelationId: "9e2b7f0c-1a3d-4e5f-8a9b-0c1d2e3f4a5b",
  Depth: 1,
  InitiatingUserId: EXAMPLE_USER_ID,
  InputParameters: [
    {
      key: "Target",
      value: exampleAccountEntity(
        { accountid: EXAMPLE_ACCOUNT_ID, name: "Contoso Pharmaceuticals", modifiedon: "/Date(1793700900000)/" },
        "536531",
      ),
    },
  ],
  IsExecutingOffline: false,
  IsInTransaction: false,
  IsOfflinePlayback: false,
  IsolationMode: 1,
  MessageName: "Update",
  Mode: 1,
  OperationCreatedOn: "/Date(1793700900000)/",
  OperationId: "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
  OrganizationId: "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9",
  OrganizationName: "contoso",
  OutputParameters: [],
  OwningExtension: {
    Id: "5d6e7f80-9a0b-4c1d-8e2f-3a4b5c6d7e8f",
    KeyAttributes: [],
    LogicalName: "sdkmessageprocessingstep",
    Name: "Prismatic: Flow 1: Update of account",
    RowVersion: null,
  },
  ParentContext: null,
  PostEntityImages: [],
  PreEntityImages: [
    {
      key: "PreImage",
      value: exampleAccountEntity(
        {
          name: "Contoso Ltd",
          revenue: { __type: `Money:${CONTRACTS}`, Value: 5000000 },
          industrycode: { __type: `OptionSetValue:${CONTRACTS}`, Value: 33 },
          primarycontactid: {
            __type: `EntityReference:${CONTRACTS}`,
            Id: "25a17064-1ae7-e611-80f4-e0071b661f01",
            KeyAttributes: [],
            LogicalName: "contact",
            Name: "Maria Campbell",
            RowVersion: null,
          },
        },
        "536530",
      ),
    },
  ],
  PrimaryEntityId: EXAMPLE_ACCOUNT_ID,
  PrimaryEntityName: "account",
  RequestId: null,
  SecondaryEntityName: "none",
  SharedVariables: [],
  Stage: 40,
  UserId: EXAMPLE_USER_ID,
};
