/**
 * Reads the `RemoteExecutionContext` Dataverse posts to a webhook. It is WCF-style JSON:
 * collections are arrays of `{key, value}`, typed values carry `__type` markers, and dates
 * are `/Date(ms)/`. Everything here is pure, so the trigger only parses and validates.
 */

export type FlatValue = unknown;
export type FlatRecord = Record<string, FlatValue>;

export interface EntityReferenceValue {
  id: string;
  logicalName: string;
  name: string | null;
}

export interface DynamicsEvent {
  messageName: string | null;
  entityName: string | null;
  entityId: string | null;
  organizationName: string | null;
  userId: string | null;
  initiatingUserId: string | null;
  correlationId: string | null;
  depth: number | null;
  stage: number | null;
  mode: number | null;
  operationCreatedOn: string | null;
  /** The record as the operation sent it: for an update only the changed columns; for a delete a reference. */
  target: FlatRecord | EntityReferenceValue | null;
  /** The first registered pre-image, when the step has one. */
  preImage: FlatRecord | null;
  /** The first registered post-image, when the step has one. */
  postImage: FlatRecord | null;
}

interface KeyValue {
  key: string;
  value?: unknown;
}

/** `/Date(1506384247000)/` or `/Date(1506384247000-0700)/`: the milliseconds are UTC; the offset only says where it was written. */
const WCF_DATE = /^\/Date\((-?\d+)([+-]\d{4})?\)\/$/;

/** Undefined for anything but a WCF date JavaScript can hold (±8.64e15 ms), so an odd value is kept as it came. */
export const wcfDateToIso = (value: string): string | undefined => {
  const match = WCF_DATE.exec(value);
  const date = match ? new Date(Number(match[1])) : undefined;
  return date && Number.isFinite(date.getTime()) ? date.toISOString() : undefined;
};

/** Deeper than any context Dynamics sends; past it a value is kept as it came rather than risk the stack. */
const MAX_DEPTH = 64;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

const isKeyValue = (item: unknown): item is KeyValue => isObject(item) && typeof item.key === "string";

/** The well-formed `{key, value}` items of what should be such an array; anything else has none. */
const keyValues = (value: unknown): KeyValue[] => (Array.isArray(value) ? value.filter(isKeyValue) : []);

/** `Entity:http://schemas.microsoft.com/xrm/2011/Contracts` → `Entity`. */
const typeName = (value: Record<string, unknown>): string | undefined =>
  typeof value.__type === "string" ? value.__type.split(":")[0] : undefined;

const toReference = (value: Record<string, unknown>): EntityReferenceValue => ({
  id: typeof value.Id === "string" ? value.Id : "",
  logicalName: typeof value.LogicalName === "string" ? value.LogicalName : "",
  name: typeof value.Name === "string" ? value.Name : null,
});

const flattenAt = (value: unknown, depth: number): FlatValue => {
  if (typeof value === "string") {
    return wcfDateToIso(value) ?? value;
  }
  if (depth > MAX_DEPTH || (!Array.isArray(value) && !isObject(value))) {
    return value ?? null;
  }
  if (Array.isArray(value)) {
    return value.map((item) => flattenAt(item, depth + 1));
  }
  switch (typeName(value)) {
    case "Entity":
      return flattenEntity(value, depth);
    case "EntityReference":
      return toReference(value);
    case "OptionSetValue":
    case "Money":
      return value.Value ?? null;
    case "EntityCollection":
      return Array.isArray(value.Entities) ? value.Entities.map((item) => flattenAt(item, depth + 1)) : [];
    default:
      return Object.fromEntries(
        Object.entries(value)
          .filter(([key]) => key !== "__type")
          .map(([key, item]) => [key, flattenAt(item, depth + 1)]),
      );
  }
};

export const flattenValue = (value: unknown): FlatValue => flattenAt(value, 0);

/** An array of `{key, value}` as a plain object, each value flattened; malformed items are left out. */
const flattenKeyValues = (items: unknown, depth: number): FlatRecord =>
  Object.fromEntries(keyValues(items).map(({ key, value }) => [key, flattenAt(value, depth + 1)]));

/** An Entity's attributes as a plain object. */
const flattenEntity = (entity: Record<string, unknown>, depth = 0): FlatRecord => flattenKeyValues(entity.Attributes, depth + 1);

const firstImage = (images: unknown): FlatRecord | null => {
  const image = keyValues(images).find((item) => isObject(item.value))?.value;
  return isObject(image) ? flattenEntity(image) : null;
};

const targetOf = (inputParameters: unknown): FlatRecord | EntityReferenceValue | null => {
  const target = keyValues(inputParameters).find((item) => item.key === "Target")?.value;
  if (!isObject(target)) return null;
  return typeName(target) === "EntityReference" ? toReference(target) : flattenEntity(target);
};

const text = (value: unknown): string | null => (typeof value === "string" && value ? value : null);
const number = (value: unknown): number | null => (typeof value === "number" ? value : null);

/** The readable event a flow works with, from the context Dataverse sent. */
export const readRemoteExecutionContext = (context: Record<string, unknown>): DynamicsEvent => ({
  messageName: text(context.MessageName),
  entityName: text(context.PrimaryEntityName),
  entityId: text(context.PrimaryEntityId),
  organizationName: text(context.OrganizationName),
  userId: text(context.UserId),
  initiatingUserId: text(context.InitiatingUserId),
  correlationId: text(context.CorrelationId),
  depth: number(context.Depth),
  stage: number(context.Stage),
  mode: number(context.Mode),
  operationCreatedOn:
    typeof context.OperationCreatedOn === "string" ? (wcfDateToIso(context.OperationCreatedOn) ?? context.OperationCreatedOn) : null,
  target: targetOf(context.InputParameters),
  preImage: firstImage(context.PreEntityImages),
  postImage: firstImage(context.PostEntityImages),
});
