import type { ColumnChoice, SelectedEntityType } from "../../client";

/**
 * A table as Prismatic's object selection (and its component's Get Entities Metadata) gives
 * it: keyed by MetadataId and labelled by schema name, with its columns; our own keys beside.
 */
export const toObjectSelection = (table: SelectedEntityType & { fields: ColumnChoice[] }) => ({
  object: { key: table.metadataId, label: table.schemaName },
  defaultSelected: table.defaultSelected,
  fields: table.fields,
  logicalName: table.logicalName,
  schemaName: table.schemaName,
  entitySetName: table.entitySetName,
  displayName: table.displayName,
  isCustomEntity: table.isCustomEntity,
  isChildEntity: table.isChildEntity,
  metadataId: table.metadataId,
});
