import { input } from "@prismatic-io/spectral";
import {
  ATTRIBUTE_METADATA_TYPES,
  attributeTypeCast,
  InputError,
  normalizeGuid,
  parseAttributeMetadataType,
  parseMetadataKey,
  requireName,
  type AttributeMetadataType,
  type EntityDefinitionLookup,
  type EntityTypeSelection,
  type MetadataDefinition,
  type MetadataKey,
} from "../client";
import { toBoolean, toJsonObject, toOptionalString, toStringList } from "./clean";

/** A table for the metadata actions: its MetadataId or its logical name. */
export const metadataEntityId = input({
  label: "Entity ID",
  type: "string",
  required: true,
  placeholder: "account",
  example: "account",
  comments: "The ID of a specific Entity record",
  dataSource: "entities",
  clean: (value: unknown) => parseMetadataKey(value, "Entity ID", "account"),
});

export const metadataEntityType = input({
  label: "Entity Type",
  type: "string",
  required: true,
  placeholder: "account",
  example: "account",
  comments: "The type of Entity to retrieve metadata for. Use the singular name here",
  dataSource: "entities",
  clean: (value: unknown) => toOptionalString(value) ?? "",
});

export const lookupField = input({
  label: "Use Logical Name for Lookup",
  type: "boolean",
  required: false,
  default: "true",
  comments:
    "When true, Entity Type is the table's logical name (account); when false, its entity set name (accounts). A MetadataId works either way.",
  clean: (value: unknown) => toBoolean(value, true),
});

/**
 * A MetadataId is unambiguous either way; otherwise the name is a logical name, or an
 * entity set name when Use Logical Name for Lookup is off.
 */
export const toEntityDefinitionLookup = (entityType: string, byLogicalName: boolean): EntityDefinitionLookup => {
  const id = normalizeGuid(entityType);
  if (id) {
    return { kind: "id", id };
  }
  if (byLogicalName) {
    return { kind: "logicalName", logicalName: requireName(entityType, "Entity Type", "logical name").toLowerCase() };
  }
  return { kind: "entitySetName", entitySetName: requireName(entityType, "Entity Type", "entity set name") };
};

export const attributeType = input({
  label: "Attribute Type",
  type: "string",
  required: false,
  example: "Picklist",
  comments: "The type of Attribute to query",
  model: ATTRIBUTE_METADATA_TYPES.map((type) => ({ label: type, value: type })),
  clean: (value: unknown) => {
    const text = toOptionalString(value);
    return text ? parseAttributeMetadataType(text, "Attribute Type") : undefined;
  },
});

export const attributeId = input({
  label: "Attribute ID",
  type: "string",
  required: false,
  placeholder: "name",
  example: "name",
  comments:
    "The MetadataId or logical name of the attribute to retrieve. May be blank when Attribute Type holds the attribute's MetadataId, as Prismatic's component took it.",
  dataSource: "attributes",
  clean: (value: unknown) => (toOptionalString(value) ? parseMetadataKey(value, "Attribute ID", "name") : undefined),
});

/**
 * Get Attribute's Attribute Type: a type to cast to, or, as Prismatic's component read the
 * same input key ("Attribute Key"), the attribute's MetadataId. No type name is a GUID, so
 * the two cannot be confused.
 */
export const attributeTypeOrKey = input({
  label: "Attribute Type",
  type: "string",
  required: false,
  example: "Picklist",
  comments: "The type of Attribute to query",
  clean: (value: unknown): { type?: AttributeMetadataType; key?: MetadataKey } => {
    const text = toOptionalString(value);
    if (!text) return {};
    const id = normalizeGuid(text);
    return id ? { key: { kind: "id", id } } : { type: parseAttributeMetadataType(text, "Attribute Type") };
  },
});

/** The attribute Get Attribute reads: Attribute ID, else a MetadataId given as Attribute Type. */
export const attributeToGet = (
  attribute: MetadataKey | undefined,
  typeOrKey: { type?: AttributeMetadataType; key?: MetadataKey },
): { attribute: MetadataKey; type?: AttributeMetadataType } => {
  if (attribute) {
    if (typeOrKey.key) {
      throw new InputError(
        "Attribute Type",
        "holds a MetadataId while Attribute ID names the attribute too: leave Attribute Type blank or give a type such as Picklist.",
      );
    }
    return { attribute, type: typeOrKey.type };
  }
  if (typeOrKey.key) return { attribute: typeOrKey.key };
  throw new InputError("Attribute ID", "is required: give the attribute's MetadataId or logical name, for example 'name'.");
};

export const attributeToUpdate = input({
  label: "Attribute ID",
  type: "string",
  required: false,
  placeholder: "new_balance",
  example: "new_balance",
  comments:
    "The MetadataId or logical name of the attribute to update; when blank, the MetadataId, LogicalName or SchemaName in Attribute Body names it. Attribute Body is merged onto the attribute's current definition, so it only needs the properties that change.",
  dataSource: "attributes",
  clean: (value: unknown) => (toOptionalString(value) ? parseMetadataKey(value, "Attribute ID", "new_balance") : undefined),
});

const EXAMPLE_ATTRIBUTE_BODY = {
  AttributeType: "Money",
  AttributeTypeName: { Value: "MoneyType" },
  Description: {
    "@odata.type": "Microsoft.Dynamics.CRM.Label",
    LocalizedLabels: [{ "@odata.type": "Microsoft.Dynamics.CRM.LocalizedLabel", Label: "Enter the balance amount", LanguageCode: 1033 }],
  },
  DisplayName: {
    "@odata.type": "Microsoft.Dynamics.CRM.Label",
    LocalizedLabels: [{ "@odata.type": "Microsoft.Dynamics.CRM.LocalizedLabel", Label: "Balance", LanguageCode: 1033 }],
  },
  RequiredLevel: { Value: "None", CanBeChanged: true, ManagedPropertyLogicalName: "canmodifyrequirementlevelsettings" },
  SchemaName: "new_Balance",
  "@odata.type": "Microsoft.Dynamics.CRM.MoneyAttributeMetadata",
  PrecisionSource: 2,
};

/** The body's `@odata.type`, checked against the known attribute types; undefined when absent. */
const checkOdataType = (body: MetadataDefinition, required: boolean): MetadataDefinition => {
  const odataType = body["@odata.type"];
  if (odataType === undefined && !required) {
    return body;
  }
  if (typeof odataType !== "string") {
    throw new InputError(
      "Attribute Body",
      "needs an '@odata.type' naming the attribute type, for example \"Microsoft.Dynamics.CRM.MoneyAttributeMetadata\".",
    );
  }
  const cast = attributeTypeCast(parseAttributeMetadataType(odataType, "Attribute Body"));
  // Dataverse reads type names case-sensitively and with their namespace.
  if (odataType.replace(/^#/, "") !== cast) {
    throw new InputError("Attribute Body", `'@odata.type' must be written "${cast}", not "${odataType}".`);
  }
  return body;
};

const attributeBodyFor =
  (required: boolean) =>
  (value: unknown): MetadataDefinition => {
    const body = toJsonObject(value, "Attribute Body");
    if (!body || !Object.keys(body).length) {
      throw new InputError("Attribute Body", "is required: give the attribute definition as a JSON object.");
    }
    return checkOdataType(body, required);
  };

const EXAMPLE_ATTRIBUTE_BODY_TEXT = JSON.stringify(EXAMPLE_ATTRIBUTE_BODY, null, 2);

const attributeBodyInput = {
  label: "Attribute Body",
  type: "code",
  language: "json",
  required: true,
  comments: "Attribute body payload to send",
  default: EXAMPLE_ATTRIBUTE_BODY_TEXT,
} as const;

export const attributeBody = input({ ...attributeBodyInput, clean: attributeBodyFor(true) });

export const attributeChanges = input({
  ...attributeBodyInput,
  placeholder: "Only the properties to change; they are merged onto the attribute's current definition.",
  clean: attributeBodyFor(false),
});

/** The attribute an update names: the input, else the body's MetadataId, LogicalName or SchemaName. */
export const attributeKeyFor = (given: MetadataKey | undefined, body: MetadataDefinition): MetadataKey => {
  if (given) {
    return given;
  }
  const named = [body.MetadataId, body.LogicalName, body.SchemaName].find((value) => typeof value === "string" && value.trim());
  if (!named) {
    throw new InputError("Attribute ID", "is required when Attribute Body has no MetadataId, LogicalName or SchemaName.");
  }
  return parseMetadataKey(named, "Attribute Body", "new_balance");
};

export const solutionUniqueName = input({
  label: "Solution Unique Name",
  type: "string",
  required: false,
  example: "mysolution",
  comments:
    "The unique name of the unmanaged solution to add the attribute to (sent as MSCRM.SolutionUniqueName). When blank, Dataverse adds it to the default solution.",
  clean: (value: unknown) => {
    const text = toOptionalString(value);
    return text ? requireName(text, "Solution Unique Name", "solution unique name") : undefined;
  },
});

export const defaultSelectedRecordTypes = input({
  label: "Default Selected Entity Types",
  type: "string",
  collection: "valuelist",
  required: false,
  example: "account",
  comments: "The names of the Entity Types to default in a selected state.",
  clean: toStringList,
});

export const recordTypeFilter = input({
  label: "Entity Type Filter",
  type: "string",
  collection: "valuelist",
  required: false,
  example: "Account",
  comments: "The names or labels of the Entity Types to include; if blank then all types are included. Uses case-insensitive matching.",
  clean: toStringList,
});

export const includeAllCustomRecordTypes = input({
  label: "Include All Custom Entity Types",
  type: "boolean",
  required: false,
  default: "true",
  comments: "When true, will include all Custom Entity Types, even those not included in Record Type Name Filter.",
  clean: (value: unknown) => toBoolean(value, true),
});

export const includeOnlyTopLevelRecordTypes = input({
  label: "Include Only Top Level Record Types",
  type: "boolean",
  required: false,
  default: "false",
  comments:
    "When true, will include only Entity Types that are top-level, meaning not subtypes of other Types, regardless of other filters.",
  clean: (value: unknown) => toBoolean(value),
});

/** The inputs that choose tables, in the documented order. */
export const entityTypeSelectionInputs = {
  defaultSelectedRecordTypes,
  recordTypeFilter,
  includeAllCustomRecordTypes,
  includeOnlyTopLevelRecordTypes,
};

/** The four selection inputs, cleaned, as the client takes them. */
export const toEntityTypeSelection = (params: {
  recordTypeFilter: string[];
  defaultSelectedRecordTypes: string[];
  includeAllCustomRecordTypes: boolean;
  includeOnlyTopLevelRecordTypes: boolean;
}): EntityTypeSelection => ({
  filter: params.recordTypeFilter,
  defaultSelected: params.defaultSelectedRecordTypes,
  includeAllCustom: params.includeAllCustomRecordTypes,
  onlyTopLevel: params.includeOnlyTopLevelRecordTypes,
});
