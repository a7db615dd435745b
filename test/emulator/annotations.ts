/**
 * Formatted values and lookup annotations (reference §1.3; beyond §7), added to a record as
 * `<property>@<annotation>` next to each property when `Prefer: odata.include-annotations`
 * asks for them (by name, `Namespace.*` or `*`): a choice's label, money as currency text,
 * numbers with separators, dates, Yes/No, and for a lookup its primary name, the table it
 * points at and its navigation property.
 * [emu] Formatting is en-US with dollars and UTC, as for a user with those settings.
 */
import { isLookupType, propertyName, type AttributeDefinition, type TableDefinition } from "./schema";
import type { Store, StoredRecord } from "./store";

const FORMATTED_VALUE = "OData.Community.Display.V1.FormattedValue";
const LOOKUP_LOGICAL_NAME = "Microsoft.Dynamics.CRM.lookuplogicalname";
const NAVIGATION_PROPERTY = "Microsoft.Dynamics.CRM.associatednavigationproperty";

/** Whether the preference's list (`a,b`, `Namespace.*`, `*`) asks for the annotation. */
export const asksFor = (requested: string, annotation: string): boolean =>
  requested
    .split(",")
    .map((name) => name.trim())
    .some((name) => name === "*" || name === annotation || (name.endsWith(".*") && annotation.startsWith(name.slice(0, -1))));

const money = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" });
const number = new Intl.NumberFormat("en-US", { maximumFractionDigits: 10 });

/** `10/1/2026 9:00 AM`, as Dataverse writes a date and time for an en-US user. */
const formatDate = (value: string): string => {
  const date = new Date(value);
  const hours = date.getUTCHours();
  const minutes = String(date.getUTCMinutes()).padStart(2, "0");
  const clock = `${hours % 12 || 12}:${minutes} ${hours < 12 ? "AM" : "PM"}`;
  return `${date.getUTCMonth() + 1}/${date.getUTCDate()}/${date.getUTCFullYear()} ${clock}`;
};

const formatValue = (attribute: AttributeDefinition, value: unknown): string | undefined => {
  if (value === null || value === undefined) return undefined;
  switch (attribute.type) {
    case "Picklist":
    case "State":
    case "Status":
      return attribute.options?.find((option) => option.value === value)?.label;
    case "Money":
      return money.format(Number(value));
    case "Integer":
    case "Decimal":
    case "Double":
      return number.format(Number(value));
    case "Boolean":
      return value ? "Yes" : "No";
    case "DateTime":
      return formatDate(String(value));
    default:
      return undefined;
  }
};

const annotateLookup = (
  shaped: StoredRecord,
  name: string,
  attribute: AttributeDefinition,
  table: TableDefinition,
  store: Store,
  requested: string,
): void => {
  const id = shaped[name];
  if (typeof id !== "string") return;
  const target = (attribute.targets ?? [])
    .map((logicalName) => store.byLogicalName(logicalName))
    .find((candidate) => candidate && store.find(candidate, id));
  if (!target) return;
  if (asksFor(requested, FORMATTED_VALUE)) {
    shaped[`${name}@${FORMATTED_VALUE}`] = store.find(target, id)?.[target.primaryNameAttribute] ?? null;
  }
  if (asksFor(requested, NAVIGATION_PROPERTY)) {
    const navigation = table.lookups.find((lookup) => lookup.attribute === attribute.logicalName && lookup.target === target.logicalName);
    shaped[`${name}@${NAVIGATION_PROPERTY}`] = navigation?.name ?? attribute.logicalName;
  }
  if (asksFor(requested, LOOKUP_LOGICAL_NAME)) shaped[`${name}@${LOOKUP_LOGICAL_NAME}`] = target.logicalName;
};

/** Adds the annotations the preference asks for to a shaped record (and leaves it as it is without one). */
export const annotate = (shaped: StoredRecord, table: TableDefinition, store: Store, requested?: string): StoredRecord => {
  if (!requested) return shaped;
  for (const attribute of table.attributes) {
    const name = propertyName(attribute);
    if (!(name in shaped)) continue;
    if (isLookupType(attribute.type)) {
      annotateLookup(shaped, name, attribute, table, store, requested);
      continue;
    }
    const formatted = asksFor(requested, FORMATTED_VALUE) ? formatValue(attribute, shaped[name]) : undefined;
    if (formatted !== undefined) shaped[`${name}@${FORMATTED_VALUE}`] = formatted;
  }
  return shaped;
};
