/**
 * The `RemoteExecutionContext` Dataverse posts to a webhook (reference §9), built from a
 * change event: WCF-style JSON with `{key, value}` arrays, `__type` markers on entities,
 * references, option sets and money, `/Date(ms)/` dates, the Target as the operation sent it
 * (an update: only the changed columns, the key, modifiedon and modifiedby; a delete: a
 * reference), and the pre/post images registered for the step.
 */
import { randomUUID } from "node:crypto";
import { SEED } from "./seed";
import { isLookupType, propertyName, type AttributeDefinition, type TableDefinition } from "./schema";
import type { ChangeEvent, Store, StoredRecord } from "./store";
import { tableNamed } from "./webhookTables";

const CONTRACTS = "http://schemas.microsoft.com/xrm/2011/Contracts";

const toWcfDate = (iso: string): string => `/Date(${Date.parse(iso)})/`;

const entityReference = (store: Store, attribute: AttributeDefinition, id: string) => {
  const target = (attribute.targets ?? [])
    .map((name) => store.byLogicalName(name))
    .find((candidate) => candidate && store.find(candidate, id));
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
    (attribute) =>
      (!columns || columns.includes(attribute.logicalName)) &&
      record[propertyName(attribute)] !== null &&
      record[propertyName(attribute)] !== undefined,
  );
  const id = String(record[tableDefinition.primaryIdAttribute]);
  return {
    __type: `Entity:${CONTRACTS}`,
    Attributes: attributes.map((attribute) => ({
      key: attribute.logicalName,
      value: wcfValue(store, attribute, record[propertyName(attribute)]),
    })),
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
export const changedColumns = (event: ChangeEvent): string[] => event.changed.map((name) => /^_(.+)_value$/.exec(name)?.[1] ?? name);

/** An update's Target: the changed columns, the key, and the columns Dataverse sets on every update. */
const targetOf = (store: Store, event: ChangeEvent) => {
  if (event.message === "Delete") {
    return {
      __type: `EntityReference:${CONTRACTS}`,
      Id: event.id,
      KeyAttributes: [],
      LogicalName: event.table.logicalName,
      Name: null,
      RowVersion: null,
    };
  }
  if (event.message === "Create") return wcfEntity(store, event.table, event.record);
  const entity = wcfEntity(store, event.table, event.record, [...changedColumns(event), event.table.primaryIdAttribute, "modifiedon"]);
  const modifiedBy = {
    key: "modifiedby",
    value: {
      __type: `EntityReference:${CONTRACTS}`,
      Id: event.callerId,
      KeyAttributes: [],
      LogicalName: "systemuser",
      Name: null,
      RowVersion: null,
    },
  };
  return { ...entity, Attributes: [...entity.Attributes, modifiedBy] };
};

const imagesOf = (store: Store, event: ChangeEvent, stepId: string) => {
  const images = store
    .list(tableNamed(store, "sdkmessageprocessingstepimage"))
    .filter((image) => image._sdkmessageprocessingstepid_value === stepId);
  const build = (record: StoredRecord | undefined, types: number[]) =>
    record
      ? images
          .filter((image) => types.includes(image.imagetype as number))
          .map((image) => ({
            key: String(image.entityalias),
            value: wcfEntity(
              store,
              event.table,
              record,
              typeof image.attributes === "string" && image.attributes ? image.attributes.split(",").map((name) => name.trim()) : undefined,
            ),
          }))
      : [];
  // No pre-image exists before a create, and no post-image after a delete.
  return {
    PreEntityImages: event.message === "Create" ? [] : build(event.before, [0, 2]),
    PostEntityImages: event.message === "Delete" ? [] : build(event.record, [1, 2]),
  };
};

export const executionContext = (store: Store, event: ChangeEvent, step: StoredRecord, organizationName: string) => {
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
    OwningExtension: {
      Id: step.sdkmessageprocessingstepid,
      KeyAttributes: [],
      LogicalName: "sdkmessageprocessingstep",
      Name: step.name,
      RowVersion: null,
    },
    // The core operation this asynchronous step followed.
    ParentContext: { ...shared, Mode: 0, OwningExtension: null, ParentContext: null, PostEntityImages: [], PreEntityImages: [], Stage: 30 },
    ...imagesOf(store, event, String(step.sdkmessageprocessingstepid)),
    Stage: 40,
  };
};
