import { action } from "@prismatic-io/spectral";
import { labelText, queryAttributes, type MetadataDefinition, type MetadataKey } from "../../client";
import { connectionInput } from "../../inputs/entities";
import { attributeType, metadataEntityId } from "../../inputs/metadata";
import { includeAttributeDetails } from "../../inputs/tables";
import { clientFor } from "../clientFor";

const PROPERTIES = [
  "LogicalName",
  "DisplayName",
  "AttributeType",
  "AttributeOf",
  "Description",
  "IsCustomAttribute",
  "IsPrimaryId",
  "IsPrimaryName",
  "RequiredLevel",
  "IsValidForRead",
  "IsValidForCreate",
  "IsValidForUpdate",
];
const DETAIL_PROPERTIES = ["SchemaName", "IsSecured", "IsAuditEnabled", "IsValidForAdvancedFind"];

const text = (value: unknown): string => (typeof value === "string" ? value : "");

const toAttribute = (definition: MetadataDefinition, details: boolean) => {
  const logicalName = text(definition.LogicalName);
  const attribute = {
    logicalName,
    displayName: labelText(definition.DisplayName) ?? logicalName,
    attributeType: text(definition.AttributeType) || "Unknown",
    description: labelText(definition.Description) ?? "",
    isCustomAttribute: definition.IsCustomAttribute === true,
    isPrimaryId: definition.IsPrimaryId === true,
    isPrimaryName: definition.IsPrimaryName === true,
    requiredLevel: text((definition.RequiredLevel as { Value?: unknown } | undefined)?.Value),
    isValidForRead: definition.IsValidForRead === true,
    isValidForCreate: definition.IsValidForCreate === true,
    isValidForUpdate: definition.IsValidForUpdate === true,
  };
  if (!details) return attribute;
  // As Dataverse sends them: IsAuditEnabled and IsValidForAdvancedFind are managed properties ({ Value, CanBeChanged }).
  return {
    ...attribute,
    schemaName: text(definition.SchemaName),
    isSecured: definition.IsSecured ?? null,
    isAuditEnabled: definition.IsAuditEnabled ?? null,
    isValidForAdvancedFind: definition.IsValidForAdvancedFind ?? null,
  };
};

const describeTable = (key: MetadataKey): string => (key.kind === "id" ? key.id : key.logicalName);

export const listAttributesAction = action({
  display: {
    label: "[CRM] List Attributes",
    description: "List the columns of a Microsoft Dynamics 365 table, with counts by type.",
  },
  inputs: { connection: connectionInput, entityId: metadataEntityId, attributeType, includeDetails: includeAttributeDetails },
  perform: async (context, params) => {
    const client = clientFor(context, params.connection);
    const definitions = await queryAttributes(client, params.entityId, {
      type: params.attributeType,
      select: params.includeDetails ? [...PROPERTIES, ...DETAIL_PROPERTIES] : PROPERTIES,
    });
    // A column that only extends another (AttributeOf: the name of a lookup, say) is not a column of its own.
    const attributes = definitions
      .filter((definition) => !definition.AttributeOf)
      .map((definition) => toAttribute(definition, params.includeDetails))
      .sort((a, b) => a.logicalName.localeCompare(b.logicalName, "en"));
    const attributesByType: Record<string, number> = {};
    for (const attribute of attributes) attributesByType[attribute.attributeType] = (attributesByType[attribute.attributeType] ?? 0) + 1;
    const custom = attributes.filter((attribute) => attribute.isCustomAttribute).length;
    const primaryId = attributes.find((attribute) => attribute.isPrimaryId)?.logicalName;
    const primaryName = attributes.find((attribute) => attribute.isPrimaryName)?.logicalName;
    return {
      data: {
        entityId: describeTable(params.entityId),
        attributes,
        totalCount: attributes.length,
        customAttributesCount: custom,
        systemAttributesCount: attributes.length - custom,
        attributesByType,
        ...(primaryId ? { primaryIdAttribute: primaryId } : {}),
        ...(primaryName ? { primaryNameAttribute: primaryName } : {}),
      },
    };
  },
  examplePayload: {
    data: {
      entityId: "account",
      attributes: [
        {
          logicalName: "accountid",
          displayName: "Account",
          attributeType: "Uniqueidentifier",
          description: "Unique identifier of the account.",
          isCustomAttribute: false,
          isPrimaryId: true,
          isPrimaryName: false,
          requiredLevel: "SystemRequired",
          isValidForRead: true,
          isValidForCreate: true,
          isValidForUpdate: false,
        },
      ],
      totalCount: 2,
      customAttributesCount: 0,
      systemAttributesCount: 2,
      attributesByType: { Uniqueidentifier: 1, String: 1 },
      primaryIdAttribute: "accountid" as string | undefined,
      primaryNameAttribute: "name" as string | undefined,
    },
  },
});
