import type { DataverseClient } from "./wire/http";
import { ENTITY_TYPE_PROPERTIES, labelText, listEntityDefinitions, queryAttributes, type MetadataDefinition } from "./metadata";

/** A table as a picker shows it. */
export interface EntityType {
  logicalName: string;
  schemaName: string;
  /** Null for tables that cannot be queried through the Web API (some intersect and virtual tables). */
  entitySetName: string | null;
  displayName: string;
  isCustomEntity: boolean;
  isChildEntity: boolean;
  metadataId: string;
}

export interface EntityTypeSelection {
  /** Names or labels to include; empty includes every table. */
  filter: string[];
  /** Names or labels of the tables to mark as selected. */
  defaultSelected: string[];
  includeAllCustom: boolean;
  /** Leaves child tables out, whatever the other options say. */
  onlyTopLevel: boolean;
}

export type SelectedEntityType = EntityType & { defaultSelected: boolean };

const toEntityType = (definition: MetadataDefinition): EntityType => {
  const logicalName = String(definition.LogicalName ?? "");
  return {
    logicalName,
    schemaName: typeof definition.SchemaName === "string" && definition.SchemaName ? definition.SchemaName : logicalName,
    entitySetName: typeof definition.EntitySetName === "string" && definition.EntitySetName ? definition.EntitySetName : null,
    displayName: labelText(definition.DisplayName) ?? logicalName,
    isCustomEntity: definition.IsCustomEntity === true,
    isChildEntity: definition.IsChildEntity === true,
    metadataId: String(definition.MetadataId ?? ""),
  };
};

const byDisplayName = (a: EntityType, b: EntityType): number =>
  a.displayName.localeCompare(b.displayName, "en", { sensitivity: "base" }) || a.logicalName.localeCompare(b.logicalName);

/** Whether any of the names is the table's logical name, entity set name or display name, ignoring case. */
const isNamedBy = (entityType: EntityType, names: string[]): boolean => {
  const own = [entityType.logicalName, entityType.entitySetName, entityType.displayName]
    .filter((name): name is string => Boolean(name))
    .map((name) => name.toLowerCase());
  return names.some((name) => own.includes(name.trim().toLowerCase()));
};

/** Applies the name filter (custom tables may pass regardless) and marks the default selection. */
export const selectEntityTypes = (entityTypes: EntityType[], selection: Omit<EntityTypeSelection, "onlyTopLevel">): SelectedEntityType[] =>
  entityTypes
    .filter(
      (entityType) =>
        !selection.filter.length || isNamedBy(entityType, selection.filter) || (selection.includeAllCustom && entityType.isCustomEntity),
    )
    .map((entityType) => ({ ...entityType, defaultSelected: isNamedBy(entityType, selection.defaultSelected) }))
    .sort(byDisplayName);

/**
 * Every table with what a picker needs. Child tables are left out by Dataverse itself
 * when only top-level ones are wanted; labels cannot be filtered on the server, so the
 * name filter runs here.
 */
export const listEntityTypes = async (client: DataverseClient, options: { onlyTopLevel?: boolean } = {}): Promise<EntityType[]> => {
  const definitions = await listEntityDefinitions(client, {
    select: ENTITY_TYPE_PROPERTIES,
    filter: options.onlyTopLevel ? "IsChildEntity eq false" : undefined,
  });
  return definitions.map(toEntityType).sort(byDisplayName);
};

/** The tables [CRM] Get Entities Metadata and its data source offer. */
export const listSelectedEntityTypes = async (client: DataverseClient, selection: EntityTypeSelection): Promise<SelectedEntityType[]> =>
  selectEntityTypes(await listEntityTypes(client, { onlyTopLevel: selection.onlyTopLevel }), selection);

/** A column as an object selection lists it: its logical name and its label. */
export interface ColumnChoice {
  key: string;
  label: string;
}

/** One table's own columns; those that only extend another (AttributeOf) are left out. */
export const listColumnChoices = async (client: DataverseClient, metadataId: string): Promise<ColumnChoice[]> => {
  const definitions = await queryAttributes(
    client,
    { kind: "id", id: metadataId },
    { select: ["LogicalName", "DisplayName", "AttributeOf"] },
  );
  return definitions
    .filter((definition) => !definition.AttributeOf)
    .map((definition) => {
      const key = String(definition.LogicalName ?? "");
      return { key, label: labelText(definition.DisplayName) ?? key };
    })
    .sort((a, b) => a.key.localeCompare(b.key));
};

/**
 * Metadata has no request for the columns of many tables at once, so each table's are read
 * on its own, a few at a time: well under Dataverse's limit on concurrent requests.
 */
const COLUMN_READS_AT_ONCE = 4;

export const withColumnChoices = async <T extends EntityType>(
  client: DataverseClient,
  entityTypes: T[],
): Promise<(T & { fields: ColumnChoice[] })[]> => {
  const results: (T & { fields: ColumnChoice[] })[] = new Array(entityTypes.length);
  let next = 0;
  const worker = async () => {
    while (next < entityTypes.length) {
      const index = next++;
      results[index] = { ...entityTypes[index], fields: await listColumnChoices(client, entityTypes[index].metadataId) };
    }
  };
  await Promise.all(Array.from({ length: Math.min(COLUMN_READS_AT_ONCE, entityTypes.length) }, worker));
  return results;
};
