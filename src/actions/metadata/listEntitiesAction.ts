import { action } from "@prismatic-io/spectral";
import { labelText, listEntityDefinitions, type MetadataDefinition } from "../../client";
import { connectionInput } from "../../inputs/entities";
import { includeCustom, includeEntityDetails, includeOnlyTopLevel } from "../../inputs/tables";
import { clientFor } from "../clientFor";

const PROPERTIES = [
  "LogicalName",
  "SchemaName",
  "EntitySetName",
  "DisplayName",
  "DisplayCollectionName",
  "IsCustomEntity",
  "IsChildEntity",
];
const DETAIL_PROPERTIES = [
  "Description",
  "OwnershipType",
  "IsActivity",
  "IsBusinessProcessEnabled",
  "IsValidForAdvancedFind",
  "IsValidForQueue",
  "EntityColor",
  "IconLargeName",
  "IconMediumName",
  "IconSmallName",
];

const text = (value: unknown): string => (typeof value === "string" ? value : "");

const toEntity = (definition: MetadataDefinition, details: boolean) => {
  const schemaName = text(definition.SchemaName);
  const displayName = labelText(definition.DisplayName) ?? schemaName;
  const entity = {
    entityId: text(definition.MetadataId),
    logicalName: text(definition.LogicalName),
    schemaName,
    entitySetName: typeof definition.EntitySetName === "string" && definition.EntitySetName ? definition.EntitySetName : null,
    displayName,
    pluralDisplayName: labelText(definition.DisplayCollectionName) ?? displayName,
    isCustomEntity: definition.IsCustomEntity === true,
    isChildEntity: definition.IsChildEntity === true,
  };
  if (!details) return entity;
  // As Dataverse sends them: IsValidForQueue is a managed property ({ Value, CanBeChanged }).
  return {
    ...entity,
    description: labelText(definition.Description) ?? null,
    ownershipType: definition.OwnershipType ?? null,
    isActivity: definition.IsActivity ?? null,
    isBusinessProcessEnabled: definition.IsBusinessProcessEnabled ?? null,
    isValidForAdvancedFind: definition.IsValidForAdvancedFind ?? null,
    isValidForQueue: definition.IsValidForQueue ?? null,
    entityColor: definition.EntityColor ?? null,
    iconLargeName: definition.IconLargeName ?? null,
    iconMediumName: definition.IconMediumName ?? null,
    iconSmallName: definition.IconSmallName ?? null,
  };
};

export const listEntitiesAction = action({
  display: {
    label: "[CRM] List Entities",
    description: "List the tables of your Microsoft Dynamics 365 environment with their definitions.",
  },
  inputs: { connection: connectionInput, includeCustom, includeOnlyTopLevel, includeDetails: includeEntityDetails },
  perform: async (context, params) => {
    const client = clientFor(context, params.connection);
    // Dataverse filters on both flags itself; metadata lists come whole, never paged.
    const filters = [params.includeCustom ? "" : "IsCustomEntity eq false", params.includeOnlyTopLevel ? "IsChildEntity eq false" : ""];
    const definitions = await listEntityDefinitions(client, {
      select: params.includeDetails ? [...PROPERTIES, ...DETAIL_PROPERTIES] : PROPERTIES,
      filter: filters.filter(Boolean).join(" and ") || undefined,
    });
    const entities = definitions
      .map((definition) => toEntity(definition, params.includeDetails))
      .sort((a, b) => a.schemaName.localeCompare(b.schemaName, "en"));
    const custom = entities.filter((entity) => entity.isCustomEntity).length;
    return {
      data: { entities, totalCount: entities.length, customEntitiesCount: custom, systemEntitiesCount: entities.length - custom },
    };
  },
  examplePayload: {
    data: {
      entities: [
        {
          entityId: "70e7ba1d-7d5a-4b7f-9e1a-2c7b5e0f1a01",
          logicalName: "account",
          schemaName: "Account",
          entitySetName: "accounts" as string | null,
          displayName: "Account",
          pluralDisplayName: "Accounts",
          isCustomEntity: false,
          isChildEntity: false,
        },
      ],
      totalCount: 1,
      customEntitiesCount: 0,
      systemEntitiesCount: 1,
    },
  },
});
