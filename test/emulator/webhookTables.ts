/**
 * The webhook registration tables (reference §9) as Dataverse names them: `serviceendpoints`,
 * `sdkmessages`, `sdkmessagefilters`, `sdkmessageprocessingsteps` and
 * `sdkmessageprocessingstepimages`, with the option values the reference lists, and the
 * system's Create, Update and Delete messages with a filter for each business table.
 */
import { defineAttribute, defineTable, type TableDefinition } from "./schema";
import type { Store } from "./store";

const options = (...pairs: [number, string][]) => pairs.map(([value, label]) => ({ value, label }));

export const webhookTables = (): TableDefinition[] => [
  defineTable({
    logicalName: "serviceendpoint",
    entitySetName: "serviceendpoints",
    primaryIdAttribute: "serviceendpointid",
    primaryNameAttribute: "name",
    displayName: "Service Endpoint",
    displayCollectionName: "Service Endpoints",
    objectTypeCode: 4618,
    changeTrackingEnabled: false,
    attributes: [
      defineAttribute("name", "String", "Name", { maxLength: 256 }),
      defineAttribute("url", "String", "Url Address", { maxLength: 2000 }),
      defineAttribute("contract", "Picklist", "Contract", {
        options: options(
          [1, "OneWay"],
          [2, "Queue"],
          [3, "Rest"],
          [4, "TwoWay"],
          [5, "Topic"],
          [6, "Queue (Persistent)"],
          [7, "Event Hub"],
          [8, "Webhook"],
          [9, "Event Grid"],
          [10, "Managed Data Lake"],
        ),
      }),
      defineAttribute("authtype", "Picklist", "Specifies mode of authentication with SB", {
        options: options(
          [1, "ACS"],
          [2, "SAS Key"],
          [3, "SAS Token"],
          [4, "Webhook Key"],
          [5, "Http Header"],
          [6, "Http Query String"],
          [7, "Connection String"],
          [8, "Access Key"],
        ),
      }),
      defineAttribute("authvalue", "Memo", "Authentication Value", { maxLength: 2048 }),
      defineAttribute("isauthvalueset", "Boolean", "Is Auth Value Set", { readOnly: true }),
    ],
  }),
  defineTable({
    logicalName: "sdkmessage",
    entitySetName: "sdkmessages",
    primaryIdAttribute: "sdkmessageid",
    primaryNameAttribute: "name",
    displayName: "Sdk Message",
    displayCollectionName: "Sdk Messages",
    objectTypeCode: 4606,
    changeTrackingEnabled: false,
    attributes: [defineAttribute("name", "String", "Name", { maxLength: 256 })],
  }),
  defineTable({
    logicalName: "sdkmessagefilter",
    entitySetName: "sdkmessagefilters",
    primaryIdAttribute: "sdkmessagefilterid",
    primaryNameAttribute: "name",
    displayName: "Sdk Message Filter",
    displayCollectionName: "Sdk Message Filters",
    objectTypeCode: 4607,
    changeTrackingEnabled: false,
    attributes: [
      defineAttribute("name", "String", "Name", { maxLength: 256 }),
      defineAttribute("primaryobjecttypecode", "String", "Primary Object Type Code", { maxLength: 128 }),
      defineAttribute("iscustomprocessingstepallowed", "Boolean", "Custom Processing Step Allowed"),
      defineAttribute("sdkmessageid", "Lookup", "SDK Message ID", { targets: ["sdkmessage"] }),
    ],
    lookups: [{ name: "sdkmessageid", attribute: "sdkmessageid", target: "sdkmessage" }],
  }),
  defineTable({
    logicalName: "sdkmessageprocessingstep",
    entitySetName: "sdkmessageprocessingsteps",
    primaryIdAttribute: "sdkmessageprocessingstepid",
    primaryNameAttribute: "name",
    displayName: "Sdk Message Processing Step",
    displayCollectionName: "Sdk Message Processing Steps",
    objectTypeCode: 4608,
    changeTrackingEnabled: false,
    attributes: [
      defineAttribute("name", "String", "Name", { maxLength: 256 }),
      defineAttribute("stage", "Picklist", "Execution Stage", {
        options: options([10, "Pre-validation"], [20, "Pre-operation"], [40, "Post-operation"]),
      }),
      defineAttribute("mode", "Picklist", "Execution Mode", { options: options([0, "Synchronous"], [1, "Asynchronous"]) }),
      defineAttribute("rank", "Integer", "Execution Order"),
      defineAttribute("supporteddeployment", "Picklist", "Deployment", {
        options: options([0, "Server Only"], [1, "Microsoft Dynamics 365 Client for Outlook Only"], [2, "Both"]),
      }),
      defineAttribute("asyncautodelete", "Boolean", "Asynchronous Automatic Delete"),
      defineAttribute("filteringattributes", "Memo", "Filtering Attributes", { maxLength: 100000 }),
      defineAttribute("eventhandler", "Lookup", "Event Handler", { targets: ["serviceendpoint"] }),
      defineAttribute("sdkmessageid", "Lookup", "SDK Message", { targets: ["sdkmessage"] }),
      defineAttribute("sdkmessagefilterid", "Lookup", "Sdk Message Filter", { targets: ["sdkmessagefilter"] }),
    ],
    lookups: [
      { name: "eventhandler_serviceendpoint", attribute: "eventhandler", target: "serviceendpoint" },
      { name: "sdkmessageid", attribute: "sdkmessageid", target: "sdkmessage" },
      { name: "sdkmessagefilterid", attribute: "sdkmessagefilterid", target: "sdkmessagefilter" },
    ],
  }),
  defineTable({
    logicalName: "sdkmessageprocessingstepimage",
    entitySetName: "sdkmessageprocessingstepimages",
    primaryIdAttribute: "sdkmessageprocessingstepimageid",
    primaryNameAttribute: "name",
    displayName: "Sdk Message Processing Step Image",
    displayCollectionName: "Sdk Message Processing Step Images",
    objectTypeCode: 4615,
    changeTrackingEnabled: false,
    attributes: [
      defineAttribute("name", "String", "Name", { maxLength: 256 }),
      defineAttribute("entityalias", "String", "Entity Alias", { maxLength: 256 }),
      defineAttribute("imagetype", "Picklist", "Image Type", { options: options([0, "PreImage"], [1, "PostImage"], [2, "Both"]) }),
      defineAttribute("messagepropertyname", "String", "Message Property Name", { maxLength: 256 }),
      defineAttribute("attributes", "Memo", "Attributes", { maxLength: 100000 }),
      defineAttribute("sdkmessageprocessingstepid", "Lookup", "SDK Message Processing Step", { targets: ["sdkmessageprocessingstep"] }),
    ],
    lookups: [{ name: "sdkmessageprocessingstepid", attribute: "sdkmessageprocessingstepid", target: "sdkmessageprocessingstep" }],
  }),
];

export const SDK_MESSAGES = {
  Create: "20bebec9-6fd5-4c2c-9d31-3a8b1d9d0001",
  Update: "20bebec9-6fd5-4c2c-9d31-3a8b1d9d0002",
  Delete: "20bebec9-6fd5-4c2c-9d31-3a8b1d9d0003",
} as const;

export const tableNamed = (store: Store, logicalName: string): TableDefinition => {
  const found = store.byLogicalName(logicalName);
  if (!found) throw new Error(`no table ${logicalName}`);
  return found;
};

/** The system's messages, and a filter for each business table they apply to. */
export const seedSdkMessages = (store: Store): void => {
  const businessTables = store.tables.filter(
    (candidate) => !candidate.logicalName.startsWith("sdkmessage") && candidate.logicalName !== "serviceendpoint",
  );
  for (const [name, id] of Object.entries(SDK_MESSAGES)) {
    store.create(tableNamed(store, "sdkmessage"), { name }, id);
    for (const businessTable of businessTables) {
      store.create(tableNamed(store, "sdkmessagefilter"), {
        name: `${name} of ${businessTable.logicalName}`,
        primaryobjecttypecode: businessTable.logicalName,
        iscustomprocessingstepallowed: true,
        _sdkmessageid_value: id,
      });
    }
  }
};
