/**
 * Webhooks (reference §9): the registration tables `serviceendpoints`, `sdkmessages`,
 * `sdkmessagefilters`, `sdkmessageprocessingsteps` and `sdkmessageprocessingstepimages`,
 * and delivery. After a create, update or delete with an enabled step registered for it,
 * the emulator POSTs a `RemoteExecutionContext` (WCF-style JSON: `{key, value}` arrays,
 * `__type` markers, `/Date(ms)/` dates, the Target as sent, pre/post images when an image is
 * registered) to the endpoint's URL with Dynamics' headers and the endpoint's authentication
 * (WebhookKey as `?code=`, HttpHeader and HttpQueryString from the `<settings>` document).
 * `authvalue` is write-only, as in Dataverse: it reads back as null, with `isauthvalueset`.
 * Simplifications: every step is delivered asynchronously after the write's response,
 * whatever its mode; a failed delivery is retried once on 502/503/504 and otherwise dropped
 * (no system job is recorded); any port is accepted; messages over 256 KB are not cut down.
 */
import { randomUUID } from "crypto";
import { SEED } from "./seed";
import { defineAttribute, defineTable, isLookupType, propertyName, type AttributeDefinition, type TableDefinition } from "./schema";
import type { ChangeEvent, Store, StoredRecord } from "./store";

const CONTRACTS = "http://schemas.microsoft.com/xrm/2011/Contracts";
const RETRIED_STATUSES = [502, 503, 504];

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
        options: options([1, "OneWay"], [2, "Queue"], [3, "Rest"], [4, "TwoWay"], [5, "Topic"], [6, "Queue (Persistent)"], [7, "Event Hub"], [8, "Webhook"], [9, "Event Grid"], [10, "Managed Data Lake"]),
      }),
      defineAttribute("authtype", "Picklist", "Specifies mode of authentication with SB", {
        options: options([1, "ACS"], [2, "SAS Key"], [3, "SAS Token"], [4, "Webhook Key"], [5, "Http Header"], [6, "Http Query String"], [7, "Connection String"], [8, "Access Key"]),
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
      defineAttribute("stage", "Picklist", "Execution Stage", { options: options([10, "Pre-validation"], [20, "Pre-operation"], [40, "Post-operation"]) }),
      defineAttribute("mode", "Picklist", "Execution Mode", { options: options([0, "Synchronous"], [1, "Asynchronous"]) }),
      defineAttribute("rank", "Integer", "Execution Order"),
      defineAttribute("supporteddeployment", "Picklist", "Deployment", { options: options([0, "Server Only"], [1, "Microsoft Dynamics 365 Client for Outlook Only"], [2, "Both"]) }),
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

const table = (store: Store, logicalName: string): TableDefinition => {
  const found = store.byLogicalName(logicalName);
  if (!found) throw new Error(`no table ${logicalName}`);
  return found;
};

/** The system's messages, and a filter for each business table they apply to. */
export const seedSdkMessages = (store: Store): void => {
  const businessTables = store.tables.filter((candidate) => !candidate.logicalName.startsWith("sdkmessage") && candidate.logicalName !== "serviceendpoint");
  for (const [name, id] of Object.entries(SDK_MESSAGES)) {
    store.create(table(store, "sdkmessage"), { name }, id);
    for (const businessTable of businessTables) {
      store.create(table(store, "sdkmessagefilter"), {
        name: `${name} of ${businessTable.logicalName}`,
        primaryobjecttypecode: businessTable.logicalName,
        iscustomprocessingstepallowed: true,
        _sdkmessageid_value: id,
      });
    }
  }
};

const toWcfDate = (iso: string): string => `/Date(${Date.parse(iso)})/`;

const unescapeXml = (text: string): string =>
  text.replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");

/** `<settings><setting name="k" value="v" /></settings>` as pairs. */
export const parseAuthSettings = (authvalue: string): [string, string][] =>
  [...authvalue.matchAll(/<setting\s+name="([^"]*)"\s+value="([^"]*)"\s*\/>/g)].map((match) => [unescapeXml(match[1]), unescapeXml(match[2])]);

const entityReference = (store: Store, attribute: AttributeDefinition, id: string) => {
  const target = (attribute.targets ?? []).map((name) => store.byLogicalName(name)).find((candidate) => candidate && store.find(candidate, id));
  const related = target ? store.find(target, id) : undefined;
  return {
    __type: `EntityReference:${CONTRACTS}`,
    Id: id,
    KeyAttributes: [],
    LogicalName: target?.logicalName ?? attribute.targets?.[0] ?? "",
    Name: (related?.[target?.primaryNameAttribute ?? ""] as string | undefined) ?? null,
    RowVersion: null,
  };
};

const wcfValue = (store: Store, attribute: AttributeDefinition, value: unknown): unknown => {
  if (value === null || value === undefined) return null;
  if (isLookupType(attribute.type)) return entityReference(store, attribute, String(value));
  if (["Picklist", "State", "Status"].includes(attribute.type)) return { __type: `OptionSetValue:${CONTRACTS}`, Value: value };
  if (attribute.type === "Money") return { __type: `Money:${CONTRACTS}`, Value: value };
  if (attribute.type === "DateTime" && typeof value === "string") return toWcfDate(value);
  return value;
};

const formattedValue = (attribute: AttributeDefinition, value: unknown): string | undefined => {
  const option = attribute.options?.find((candidate) => candidate.value === value);
  if (option) return option.label;
  if (attribute.type === "Money" && typeof value === "number") return `$${value.toLocaleString("en-US", { minimumFractionDigits: 2 })}`;
  return undefined;
};

/** An Entity with the given columns (logical names), skipping nulls as Dataverse does. */
const wcfEntity = (store: Store, tableDefinition: TableDefinition, record: StoredRecord, columns?: string[]) => {
  const attributes = tableDefinition.attributes.filter(
    (attribute) => (!columns || columns.includes(attribute.logicalName)) && record[propertyName(attribute)] !== null && record[propertyName(attribute)] !== undefined,
  );
  const id = String(record[tableDefinition.primaryIdAttribute]);
  return {
    __type: `Entity:${CONTRACTS}`,
    Attributes: attributes.map((attribute) => ({ key: attribute.logicalName, value: wcfValue(store, attribute, record[propertyName(attribute)]) })),
    EntityState: null,
    FormattedValues: attributes
      .map((attribute) => ({ key: attribute.logicalName, value: formattedValue(attribute, record[propertyName(attribute)]) }))
      .filter((item) => item.value !== undefined),
    Id: id,
    KeyAttributes: [],
    LogicalName: tableDefinition.logicalName,
    RelatedEntities: [],
    RowVersion: record.versionnumber === undefined ? null : String(record.versionnumber),
  };
};

/** Logical names of the columns a write set: `_parentcustomerid_value` is `parentcustomerid`. */
const changedColumns = (event: ChangeEvent): string[] => event.changed.map((name) => /^_(.+)_value$/.exec(name)?.[1] ?? name);

/** An update's Target: the changed columns, the key, and the columns Dataverse sets on every update. */
const targetOf = (store: Store, event: ChangeEvent) => {
  if (event.message === "Delete") {
    return { __type: `EntityReference:${CONTRACTS}`, Id: event.id, KeyAttributes: [], LogicalName: event.table.logicalName, Name: null, RowVersion: null };
  }
  if (event.message === "Create") return wcfEntity(store, event.table, event.record);
  const entity = wcfEntity(store, event.table, event.record, [...changedColumns(event), event.table.primaryIdAttribute, "modifiedon"]);
  const modifiedBy = { key: "modifiedby", value: { __type: `EntityReference:${CONTRACTS}`, Id: event.callerId, KeyAttributes: [], LogicalName: "systemuser", Name: null, RowVersion: null } };
  return { ...entity, Attributes: [...entity.Attributes, modifiedBy] };
};

const imagesOf = (store: Store, event: ChangeEvent, stepId: string) => {
  const images = store.list(table(store, "sdkmessageprocessingstepimage")).filter((image) => image._sdkmessageprocessingstepid_value === stepId);
  const build = (record: StoredRecord | undefined, types: number[]) =>
    record
      ? images
          .filter((image) => types.includes(image.imagetype as number))
          .map((image) => ({
            key: String(image.entityalias),
            value: wcfEntity(store, event.table, record, typeof image.attributes === "string" && image.attributes ? image.attributes.split(",").map((name) => name.trim()) : undefined),
          }))
      : [];
  // No pre-image exists before a create, and no post-image after a delete.
  return {
    PreEntityImages: event.message === "Create" ? [] : build(event.before, [0, 2]),
    PostEntityImages: event.message === "Delete" ? [] : build(event.record, [1, 2]),
  };
};

const executionContext = (store: Store, event: ChangeEvent, step: StoredRecord, organizationName: string) => {
  const now = toWcfDate(store.now().toISOString());
  const shared = {
    BusinessUnitId: SEED.businessUnitId,
    CorrelationId: randomUUID(),
    Depth: 1,
    InitiatingUserId: event.callerId,
    InputParameters: [{ key: "Target", value: targetOf(store, event) }],
    IsExecutingOffline: false,
    IsInTransaction: false,
    IsOfflinePlayback: false,
    IsolationMode: 1,
    MessageName: event.message,
    OperationCreatedOn: now,
    OperationId: randomUUID(),
    OrganizationId: SEED.organizationId,
    OrganizationName: organizationName,
    OutputParameters: event.message === "Create" ? [{ key: "id", value: event.id }] : [],
    PrimaryEntityId: event.id,
    PrimaryEntityName: event.table.logicalName,
    RequestId: null,
    SecondaryEntityName: "none",
    SharedVariables: [],
    UserId: event.callerId,
  };
  return {
    ...shared,
    Mode: 1,
    OwningExtension: { Id: step.sdkmessageprocessingstepid, KeyAttributes: [], LogicalName: "sdkmessageprocessingstep", Name: step.name, RowVersion: null },
    // The core operation this asynchronous step followed.
    ParentContext: { ...shared, Mode: 0, OwningExtension: null, ParentContext: null, PostEntityImages: [], PreEntityImages: [], Stage: 30 },
    ...imagesOf(store, event, String(step.sdkmessageprocessingstepid)),
    Stage: 40,
  };
};

const stepsFor = (store: Store, event: ChangeEvent): StoredRecord[] => {
  const filters = store.list(table(store, "sdkmessagefilter"));
  const changed = changedColumns(event);
  return store.list(table(store, "sdkmessageprocessingstep")).filter((step) => {
    const filter = filters.find((candidate) => candidate.sdkmessagefilterid === step._sdkmessagefilterid_value);
    if (step.statecode !== 0 || step._sdkmessageid_value !== SDK_MESSAGES[event.message]) return false;
    if (!filter || filter.primaryobjecttypecode !== event.table.logicalName) return false;
    const filtering = typeof step.filteringattributes === "string" && step.filteringattributes ? step.filteringattributes.split(",").map((name) => name.trim()) : [];
    return event.message !== "Update" || !filtering.length || filtering.some((name) => changed.includes(name));
  });
};

interface Delivery {
  url: string;
  headers: Record<string, string>;
  body: string;
}

const withQuery = (url: string, pairs: [string, string][]): string =>
  pairs.length ? `${url}${url.includes("?") ? "&" : "?"}${pairs.map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`).join("&")}` : url;

const deliveryFor = (endpoint: StoredRecord, secret: string | undefined, event: ChangeEvent, context: object, organizationHost: string): Delivery => {
  const headers: Record<string, string> = {
    "Content-Type": "application/json",
    "x-request-id": randomUUID(),
    "x-ms-dynamics-organization": organizationHost,
    "x-ms-dynamics-entity-name": event.table.logicalName,
    "x-ms-dynamics-request-name": event.message,
    "x-ms-correlation-request-id": (context as { CorrelationId: string }).CorrelationId,
  };
  let url = String(endpoint.url);
  if (endpoint.authtype === 4 && secret) url = withQuery(url, [["code", secret]]);
  if (endpoint.authtype === 5 && secret) parseAuthSettings(secret).forEach(([name, value]) => (headers[name] = value));
  if (endpoint.authtype === 6 && secret) url = withQuery(url, parseAuthSettings(secret));
  return { url, headers, body: JSON.stringify(context) };
};

const send = async (delivery: Delivery): Promise<void> => {
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      const response = await fetch(delivery.url, { method: "POST", headers: delivery.headers, body: delivery.body });
      await response.arrayBuffer();
      if (!RETRIED_STATUSES.includes(response.status)) return;
    } catch {
      return;
    }
  }
};

/** Keeps the write-only authvalue out of the record, so no read returns it. */
const hideAuthValue = (store: Store, event: ChangeEvent, secrets: Map<string, string>): void => {
  if (event.table.logicalName !== "serviceendpoint" || event.message === "Delete") return;
  const stored = store.find(event.table, event.id);
  if (stored && typeof stored.authvalue === "string") {
    secrets.set(event.id, stored.authvalue);
    stored.authvalue = null;
    stored.isauthvalueset = true;
  }
};

/** Starts delivering change events to registered webhooks; returns a function that waits for deliveries under way and stops. */
export const startWebhookDelivery = (store: Store, origin = "http://127.0.0.1"): (() => Promise<void>) => {
  const secrets = new Map<string, string>();
  const pending = new Set<Promise<void>>();
  const organizationHost = new URL(origin).host;
  const stopListening = store.onChange((event) => {
    hideAuthValue(store, event, secrets);
    for (const step of stepsFor(store, event)) {
      const endpoint = store.find(table(store, "serviceendpoint"), String(step._eventhandler_value));
      if (!endpoint) continue;
      const delivery = deliveryFor(endpoint, secrets.get(String(endpoint.serviceendpointid)), event, executionContext(store, event, step, "emulator"), organizationHost);
      // Asynchronous steps run after the write has answered.
      const work: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
        .then(() => send(delivery))
        .finally(() => pending.delete(work));
      pending.add(work);
    }
  });
  return async () => {
    stopListening();
    await Promise.all([...pending]);
  };
};
