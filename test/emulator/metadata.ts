/**
 * Metadata (reference §5) and the WhoAmI function (§6). EntityDefinitions and Attributes are
 * derived from the emulator's own table definitions (schema.ts), so metadata and data always
 * agree, and MetadataIds are the tables' and columns' own stable ids.
 * Reproduces: keys by MetadataId or `LogicalName='…'`; `$select` (MetadataId always comes back,
 * a derived type's properties only after a cast to it); `$filter` with enum literals written
 * `Microsoft.Dynamics.CRM.<Enum>'<Member>'` and managed properties as `X/Value` (labels cannot
 * be filtered); no paging; casts to `Microsoft.Dynamics.CRM.<Type>AttributeMetadata` (a cast
 * collection holds only that type; EnumAttributeMetadata is refused); `$expand=OptionSet` only
 * after a cast to a type with choices; POST of a column (204 + OData-EntityId, and the column
 * is then usable on records); PUT of a full column definition, which replaces the stored one,
 * keeping other languages' labels only with `MSCRM.MergeLabels: true`; PATCH refused; WhoAmI
 * by GET only.
 * Simplifies: a subset of the EntityMetadata and AttributeMetadata properties; one language
 * (1033); no relationships, keys, global choices or publishing; any solution name is accepted;
 * lookups cannot be created (Dataverse creates them with a relationship); not-found message
 * texts are the emulator's own.
 */
import { createHash } from "node:crypto";
import { badRequest, DataverseFault, unknownSegment } from "./faults";
import { parseFilter } from "./filter";
import { SEED } from "./seed";
import { parseBody } from "./records";
import { propertyName, type AttributeDefinition, type AttributeType, type TableDefinition } from "./schema";
import type { EmuContext, EmuRequest, EmuResponse } from "./types";

const NAMESPACE = "Microsoft.Dynamics.CRM.";
const LANGUAGE = 1033;
const GUID = /^\{?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\}?$/i;

type Definition = Record<string, unknown>;

/** The AttributeMetadata type each column type is described by. */
const CLASS_OF: Record<AttributeType, string> = {
  Uniqueidentifier: "UniqueIdentifier",
  String: "String",
  Memo: "Memo",
  Integer: "Integer",
  BigInt: "BigInt",
  Decimal: "Decimal",
  Double: "Double",
  Money: "Money",
  Boolean: "Boolean",
  DateTime: "DateTime",
  Picklist: "Picklist",
  State: "State",
  Status: "Status",
  Lookup: "Lookup",
  Customer: "Lookup",
  Owner: "Lookup",
  File: "File",
  Image: "Image",
};

/** Every concrete AttributeMetadata type; a cast to one the tables do not use is valid and empty. */
const CLASSES = new Set([...Object.values(CLASS_OF), "EntityName", "ManagedProperty", "MultiSelectPicklist"]);
const OPTION_SET_CLASSES = new Set(["Boolean", "Picklist", "MultiSelectPicklist", "State", "Status"]);

/** Column types a POST may create, by their AttributeMetadata type. */
const CREATABLE: Record<string, AttributeType> = {
  StringAttributeMetadata: "String",
  MemoAttributeMetadata: "Memo",
  IntegerAttributeMetadata: "Integer",
  BigIntAttributeMetadata: "BigInt",
  DecimalAttributeMetadata: "Decimal",
  DoubleAttributeMetadata: "Double",
  MoneyAttributeMetadata: "Money",
  BooleanAttributeMetadata: "Boolean",
  DateTimeAttributeMetadata: "DateTime",
  PicklistAttributeMetadata: "Picklist",
};

const BASE_ATTRIBUTE_PROPERTIES = [
  "MetadataId",
  "LogicalName",
  "SchemaName",
  "EntityLogicalName",
  "AttributeOf",
  "AttributeType",
  "AttributeTypeName",
  "DisplayName",
  "Description",
  "RequiredLevel",
  "IsCustomAttribute",
  "IsPrimaryId",
  "IsPrimaryName",
  "IsValidForCreate",
  "IsValidForUpdate",
  "IsValidForRead",
  "IsSecured",
  "IsAuditEnabled",
  "IsValidForAdvancedFind",
];

const CLASS_PROPERTIES: Record<string, string[]> = {
  String: ["MaxLength", "FormatName"],
  Memo: ["MaxLength", "Format"],
  Integer: ["MinValue", "MaxValue", "Format"],
  BigInt: ["MinValue", "MaxValue"],
  Decimal: ["Precision", "MinValue", "MaxValue"],
  Double: ["Precision", "MinValue", "MaxValue"],
  Money: ["Precision", "PrecisionSource", "MinValue", "MaxValue"],
  Boolean: ["DefaultValue"],
  DateTime: ["Format", "DateTimeBehavior"],
  Picklist: ["DefaultFormValue"],
  MultiSelectPicklist: ["DefaultFormValue"],
  State: ["DefaultFormValue"],
  Status: ["DefaultFormValue"],
  Lookup: ["Targets"],
  File: ["MaxSizeInKB"],
  Image: ["MaxSizeInKB", "CanStoreFullImage", "IsPrimaryImage", "MaxHeight", "MaxWidth"],
};

/** Label and option set ids derived from their owner's, so they are stable too. */
const stableId = (...parts: string[]): string => {
  const hex = createHash("sha1").update(parts.join("|")).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
};

const localized = (text: string, id: string): Definition => ({
  Label: text,
  LanguageCode: LANGUAGE,
  IsManaged: false,
  MetadataId: id,
  HasChanged: null,
});

const label = (text: string | undefined, ownerId: string, property: string): Definition => {
  if (!text) return { LocalizedLabels: [], UserLocalizedLabel: null };
  const only = localized(text, stableId(ownerId, property, String(LANGUAGE)));
  return { LocalizedLabels: [only], UserLocalizedLabel: only };
};

const managed = (value: unknown, name: string): Definition => ({ Value: value, CanBeChanged: true, ManagedPropertyLogicalName: name });

/** Standard tables' schema names are PascalCase words Dataverse does not derive from the logical name. */
const TABLE_SCHEMA_NAMES: Record<string, string> = { systemuser: "SystemUser" };

const pascal = (logicalName: string): string => logicalName.charAt(0).toUpperCase() + logicalName.slice(1);

const entityDefinition = (table: TableDefinition): Definition => ({
  MetadataId: table.metadataId,
  LogicalName: table.logicalName,
  SchemaName: TABLE_SCHEMA_NAMES[table.logicalName] ?? pascal(table.logicalName),
  EntitySetName: table.entitySetName,
  LogicalCollectionName: table.entitySetName,
  DisplayName: label(table.displayName, table.metadataId, "DisplayName"),
  DisplayCollectionName: label(table.displayCollectionName, table.metadataId, "DisplayCollectionName"),
  PrimaryIdAttribute: table.primaryIdAttribute,
  PrimaryNameAttribute: table.primaryNameAttribute,
  ObjectTypeCode: table.objectTypeCode,
  OwnershipType: table.logicalName === "systemuser" ? "BusinessOwned" : "UserOwned",
  IsCustomEntity: table.isCustomEntity,
  IsChildEntity: table.isChildEntity,
  IsActivity: false,
  Description: label(undefined, table.metadataId, "Description"),
  IsBusinessProcessEnabled: false,
  IsValidForAdvancedFind: true,
  IsValidForQueue: managed(false, "canmodifyqueuesettings"),
  EntityColor: "#1160B7",
  IconLargeName: null,
  IconMediumName: null,
  IconSmallName: null,
  ChangeTrackingEnabled: table.changeTrackingEnabled,
  IsCustomizable: managed(true, "iscustomizable"),
});

const ENTITY_PROPERTIES = Object.keys(
  entityDefinition({
    logicalName: "",
    entitySetName: "",
    displayName: "",
    displayCollectionName: "",
    primaryIdAttribute: "",
    primaryNameAttribute: "",
  } as TableDefinition),
);

const classOf = (attribute: AttributeDefinition): string => CLASS_OF[attribute.type];

const typeProperties = (attribute: AttributeDefinition): Definition => {
  switch (attribute.type) {
    case "String":
      return { MaxLength: attribute.maxLength ?? 100, FormatName: { Value: "Text" } };
    case "Memo":
      return { MaxLength: attribute.maxLength ?? 2000, Format: "TextArea" };
    case "Integer":
      return { MinValue: -2147483648, MaxValue: 2147483647, Format: "None" };
    case "BigInt":
      return { MinValue: -9007199254740991, MaxValue: 9007199254740991 };
    case "Decimal":
    case "Double":
      return { Precision: 2, MinValue: -100000000000, MaxValue: 100000000000 };
    case "Money":
      return { Precision: 2, PrecisionSource: 2, MinValue: -922337203685477, MaxValue: 922337203685477 };
    case "Boolean":
      return { DefaultValue: false };
    case "DateTime":
      return { Format: attribute.logicalName === "birthdate" ? "DateOnly" : "DateAndTime", DateTimeBehavior: { Value: "UserLocal" } };
    case "Picklist":
    case "State":
    case "Status":
      return { DefaultFormValue: attribute.type === "Picklist" ? -1 : null };
    case "Lookup":
    case "Customer":
    case "Owner":
      return { Targets: attribute.targets ?? [] };
    case "File":
      return { MaxSizeInKB: attribute.maxSizeInKB ?? 32768 };
    case "Image":
      return {
        MaxSizeInKB: attribute.maxSizeInKB ?? 10240,
        CanStoreFullImage: attribute.canStoreFullImage ?? false,
        IsPrimaryImage: attribute.isPrimaryImage ?? false,
        MaxHeight: 144,
        MaxWidth: 144,
      };
    default:
      return {};
  }
};

const generatedAttribute = (table: TableDefinition, attribute: AttributeDefinition): Definition => {
  const isPrimaryId = attribute.logicalName === table.primaryIdAttribute;
  const writable = !attribute.readOnly && !isPrimaryId;
  return {
    "@odata.type": `#${NAMESPACE}${classOf(attribute)}AttributeMetadata`,
    MetadataId: attribute.metadataId,
    LogicalName: attribute.logicalName,
    SchemaName: pascal(attribute.logicalName),
    EntityLogicalName: table.logicalName,
    AttributeOf: null,
    // File and image columns are virtual: their data lives outside the record.
    AttributeType: classOf(attribute) === "File" || classOf(attribute) === "Image" ? "Virtual" : attribute.type,
    AttributeTypeName: { Value: `${attribute.type}Type` },
    DisplayName: label(attribute.displayName, attribute.metadataId, "DisplayName"),
    Description: label(undefined, attribute.metadataId, "Description"),
    RequiredLevel: { ...managed(isPrimaryId ? "SystemRequired" : "None", "canmodifyrequirementlevelsettings"), CanBeChanged: !isPrimaryId },
    IsCustomAttribute: attribute.isCustom ?? false,
    IsPrimaryId: isPrimaryId,
    IsPrimaryName: attribute.logicalName === table.primaryNameAttribute,
    IsValidForCreate: writable || isPrimaryId,
    IsValidForUpdate: writable,
    IsValidForRead: true,
    IsSecured: false,
    IsAuditEnabled: managed(true, "canmodifyauditsettings"),
    IsValidForAdvancedFind: managed(true, "canmodifysearchsettings"),
    ...typeProperties(attribute),
  };
};

/** A column created or replaced through the metadata API is described by its stored definition. */
const attributeDefinition = (table: TableDefinition, attribute: AttributeDefinition): Definition =>
  attribute.definition ? structuredClone(attribute.definition) : generatedAttribute(table, attribute);

const optionSetOf = (table: TableDefinition, attribute: AttributeDefinition): Definition => {
  const id = stableId(attribute.metadataId, "OptionSet");
  const common = { MetadataId: id, Name: `${table.logicalName}_${attribute.logicalName}`, IsGlobal: false, OptionSetType: attribute.type };
  if (attribute.type === "Boolean") {
    return {
      ...common,
      TrueOption: { Value: 1, Label: label("Yes", id, "1") },
      FalseOption: { Value: 0, Label: label("No", id, "0") },
    };
  }
  return {
    ...common,
    Options: (attribute.options ?? []).map((option, index) => ({
      Value: option.value,
      Label: label(option.label, id, String(option.value)),
      ...(attribute.type === "Status" ? { State: Math.min(index, 1) } : {}),
    })),
  };
};

/** `X/Value` paths for managed properties and other `{Value}` complex values; labels are not filterable. */
const filterView = (definition: Definition): Definition => {
  const view: Definition = {};
  for (const [name, value] of Object.entries(definition)) {
    if (value !== null && typeof value === "object" && !Array.isArray(value)) {
      if ("Value" in value) view[`${name}/Value`] = (value as Definition).Value;
    } else if (!Array.isArray(value)) {
      view[name] = value;
    }
  }
  return view;
};

const LABEL_PROPERTIES = new Set(["DisplayName", "DisplayCollectionName", "Description"]);

const metadataFilter = (text: string | undefined, typeName: string, properties: string[]): ((definition: Definition) => boolean) => {
  if (!text) return () => true;
  // An enum literal carries its type, `Microsoft.Dynamics.CRM.AttributeTypeCode'Picklist'`; compare its member name.
  const plain = text.replace(/Microsoft\.Dynamics\.CRM\.[A-Za-z]+'((?:[^']|'')*)'/g, "'$1'");
  const known = (name: string): boolean => {
    if (LABEL_PROPERTIES.has(name)) throw badRequest(`Label values cannot be used in a $filter: '${name}'.`);
    return properties.includes(name) || properties.includes(name.replace(/\/Value$/, ""));
  };
  const predicate = parseFilter(plain, known, typeName);
  return (definition) => predicate(filterView(definition));
};

const selectOf = (text: string | undefined, typeName: string, properties: string[]): string[] | undefined => {
  if (!text) return undefined;
  return text.split(",").map((raw) => {
    const name = raw.trim();
    if (!properties.includes(name)) throw badRequest(`Could not find a property named '${name}' on type '${NAMESPACE}${typeName}'.`);
    return name;
  });
};

const shape = (definition: Definition, select: string[] | undefined): Definition => {
  if (!select) return definition;
  const shaped: Definition = {};
  if (definition["@odata.type"]) shaped["@odata.type"] = definition["@odata.type"];
  for (const name of [...select, "MetadataId"]) shaped[name] = definition[name] ?? null;
  return shaped;
};

interface MetadataPath {
  entityKey?: string;
  attributes: boolean;
  attributeKey?: string;
  cast?: string;
}

const METADATA_PATH = /^EntityDefinitions(?:\(([^()]*)\))?(\/Attributes(?:\(([^()]*)\))?(?:\/([A-Za-z.]+))?)?$/;

const parsePath = (path: string): MetadataPath | undefined => {
  const match = METADATA_PATH.exec(path);
  if (!match) return undefined;
  return { entityKey: match[1], attributes: Boolean(match[2]), attributeKey: match[3], cast: match[4] };
};

type Key = { id: string } | { logicalName: string };

const parseKey = (text: string): Key => {
  const guid = GUID.exec(text.trim());
  if (guid) return { id: guid[1].toLowerCase() };
  const named = /^LogicalName='([^']*)'$/.exec(text.trim());
  if (!named) throw badRequest(`Bad Request - Error in query syntax: the key '${text}' is not a MetadataId or LogicalName='…'.`);
  return { logicalName: named[1] };
};

const matchesKey = (key: Key, candidate: { metadataId: string; logicalName: string }): boolean =>
  "id" in key ? candidate.metadataId === key.id : candidate.logicalName === key.logicalName;

const notFound = (what: string, keyText: string): DataverseFault =>
  new DataverseFault(404, "0x80040217", `Could not find ${what} with ${keyText}.`);

const findTable = (context: EmuContext, keyText: string): TableDefinition => {
  const key = parseKey(keyText);
  const table = context.store.tables.find((candidate) => matchesKey(key, candidate));
  if (!table) throw notFound("an entity", keyText);
  return table;
};

const findAttribute = (table: TableDefinition, keyText: string): AttributeDefinition => {
  const key = parseKey(keyText);
  const attribute = table.attributes.find((candidate) => matchesKey(key, candidate));
  if (!attribute) throw notFound(`an attribute of entity '${table.logicalName}'`, keyText);
  return attribute;
};

/** `Microsoft.Dynamics.CRM.PicklistAttributeMetadata` → `Picklist`. */
const castClass = (cast: string | undefined): string | undefined => {
  if (!cast) return undefined;
  const match = /^Microsoft\.Dynamics\.CRM\.([A-Za-z]+)AttributeMetadata$/.exec(cast);
  if (match?.[1] === "Enum") throw badRequest(`A cast to the abstract type '${cast}' is not allowed.`);
  if (!match || !CLASSES.has(match[1])) throw unknownSegment(cast);
  return match[1];
};

const json = (body: Definition): EmuResponse => ({ status: 200, body });

const listEntities = (request: EmuRequest, context: EmuContext): EmuResponse => {
  const select = selectOf(request.query.$select, "EntityMetadata", ENTITY_PROPERTIES);
  const matches = metadataFilter(request.query.$filter, "EntityMetadata", ENTITY_PROPERTIES);
  const value = context.store.tables
    .map(entityDefinition)
    .filter(matches)
    .map((definition) => shape(definition, select));
  return json({ "@odata.context": `${context.apiRoot}$metadata#EntityDefinitions${select ? `(${select.join(",")})` : ""}`, value });
};

const getEntity = (request: EmuRequest, context: EmuContext, table: TableDefinition): EmuResponse => {
  if (request.query.$expand) throw badRequest(`The emulator does not expand '${request.query.$expand}' on EntityDefinitions.`);
  const select = selectOf(request.query.$select, "EntityMetadata", ENTITY_PROPERTIES);
  return json({ "@odata.context": `${context.apiRoot}$metadata#EntityDefinitions/$entity`, ...shape(entityDefinition(table), select) });
};

const withOptionSet = (
  definition: Definition,
  table: TableDefinition,
  attribute: AttributeDefinition,
  expand: string | undefined,
  cls: string | undefined,
): Definition => {
  if (!expand) return definition;
  for (const name of expand.split(",").map((item) => item.trim())) {
    // Only the types with choices declare OptionSet, so an uncast collection cannot expand it.
    if ((name !== "OptionSet" && name !== "GlobalOptionSet") || !cls || !OPTION_SET_CLASSES.has(cls)) {
      throw badRequest(`Could not find a property named '${name}' on type '${NAMESPACE}${cls ?? ""}AttributeMetadata'.`);
    }
    // The emulator has no global choices.
    definition[name] = name === "OptionSet" ? optionSetOf(table, attribute) : null;
  }
  return definition;
};

const attributeProperties = (cls: string | undefined): string[] => [
  ...BASE_ATTRIBUTE_PROPERTIES,
  ...(cls ? (CLASS_PROPERTIES[cls] ?? []) : []),
];

const contextOf = (context: EmuContext, table: TableDefinition, cls: string | undefined, entity: boolean): string =>
  `${context.apiRoot}$metadata#EntityDefinitions('${table.logicalName}')/Attributes${cls ? `/${NAMESPACE}${cls}AttributeMetadata` : ""}${entity ? "/$entity" : ""}`;

const listAttributes = (request: EmuRequest, context: EmuContext, table: TableDefinition, cls: string | undefined): EmuResponse => {
  const typeName = `${cls ?? ""}AttributeMetadata`;
  const properties = attributeProperties(cls);
  const select = selectOf(request.query.$select, typeName, properties);
  const matches = metadataFilter(request.query.$filter, typeName, properties);
  const value = table.attributes
    .filter((attribute) => !cls || classOf(attribute) === cls)
    .map((attribute) => ({ attribute, definition: attributeDefinition(table, attribute) }))
    .filter(({ definition }) => matches(definition))
    .map(({ attribute, definition }) => withOptionSet(shape(definition, select), table, attribute, request.query.$expand, cls));
  return json({ "@odata.context": contextOf(context, table, cls, false), value });
};

const getAttribute = (
  request: EmuRequest,
  context: EmuContext,
  table: TableDefinition,
  attribute: AttributeDefinition,
  cls: string | undefined,
): EmuResponse => {
  if (cls && classOf(attribute) !== cls) {
    throw new DataverseFault(
      404,
      "0x80060888",
      `The attribute '${attribute.logicalName}' is not of type '${NAMESPACE}${cls}AttributeMetadata'.`,
    );
  }
  const select = selectOf(request.query.$select, `${cls ?? ""}AttributeMetadata`, attributeProperties(cls));
  const definition = withOptionSet(shape(attributeDefinition(table, attribute), select), table, attribute, request.query.$expand, cls);
  return json({ "@odata.context": contextOf(context, table, cls, true), ...definition });
};

const odataClass = (body: Definition): string =>
  String(body["@odata.type"] ?? "")
    .replace(/^#/, "")
    .replace(NAMESPACE, "");

/** Labels as Dataverse stores them: its own shape, a MetadataId each, the caller's language as UserLocalizedLabel. */
const storedLabel = (value: unknown, ownerId: string, property: string): Definition => {
  const given = (value as { LocalizedLabels?: { Label?: unknown; LanguageCode?: unknown }[] } | undefined)?.LocalizedLabels ?? [];
  const labels = given
    .filter((item) => typeof item?.Label === "string" && typeof item?.LanguageCode === "number")
    .map((item) => ({
      ...localized(item.Label as string, stableId(ownerId, property, String(item.LanguageCode))),
      LanguageCode: item.LanguageCode,
    }));
  return { LocalizedLabels: labels, UserLocalizedLabel: labels.find((item) => item.LanguageCode === LANGUAGE) ?? null };
};

const labelTextOf = (definition: Definition, property: string): string | undefined =>
  (definition[property] as { UserLocalizedLabel?: { Label?: string } | null } | undefined)?.UserLocalizedLabel?.Label ?? undefined;

const givenText = (value: unknown): string | undefined => {
  const labels = (value as { LocalizedLabels?: { Label?: unknown; LanguageCode?: unknown }[] } | undefined)?.LocalizedLabels ?? [];
  const text = (labels.find((item) => item?.LanguageCode === LANGUAGE) ?? labels[0])?.Label;
  return typeof text === "string" ? text : undefined;
};

/** Keeps the column the records use in step with its definition. */
const applyDefinition = (attribute: AttributeDefinition, definition: Definition): void => {
  attribute.definition = definition;
  attribute.displayName = labelTextOf(definition, "DisplayName") ?? attribute.logicalName;
  if (typeof definition.MaxLength === "number") attribute.maxLength = definition.MaxLength;
};

const createAttribute = (request: EmuRequest, context: EmuContext, table: TableDefinition, entityKeyText: string): EmuResponse => {
  const body = parseBody(request) as Definition;
  const type = CREATABLE[odataClass(body)];
  if (!type)
    throw badRequest(`The emulator cannot create an attribute of type '${String(body["@odata.type"] ?? "(none)")}'.`, "0x80044355");
  const schemaName = typeof body.SchemaName === "string" ? body.SchemaName : "";
  if (!/^[A-Za-z][A-Za-z0-9]*_[A-Za-z0-9_]+$/.test(schemaName)) {
    throw badRequest(
      `The SchemaName '${schemaName}' is not valid: it needs the publisher's customization prefix, for example new_Balance.`,
      "0x80044355",
    );
  }
  const logicalName = schemaName.toLowerCase();
  if (table.attributes.some((attribute) => attribute.logicalName === logicalName)) {
    throw badRequest(`An attribute with the name '${logicalName}' already exists on entity '${table.logicalName}'.`, "0x80044363");
  }
  const options = ((body.OptionSet as { Options?: { Value?: unknown; Label?: unknown }[] } | undefined)?.Options ?? []).map((option) => ({
    value: Number(option.Value),
    label: givenText(option.Label) ?? String(option.Value),
  }));
  const attribute: AttributeDefinition = {
    logicalName,
    type,
    displayName: logicalName,
    isCustom: true,
    options: type === "Picklist" ? options : undefined,
    metadataId: stableId(table.metadataId, logicalName),
  };
  const { OptionSet: _optionSet, ...rest } = body;
  const definition: Definition = {
    ...generatedAttribute(table, attribute),
    ...rest,
    "@odata.type": `#${NAMESPACE}${CLASS_OF[type]}AttributeMetadata`,
    MetadataId: attribute.metadataId,
    LogicalName: logicalName,
    EntityLogicalName: table.logicalName,
    AttributeType: type,
    IsCustomAttribute: true,
    DisplayName: storedLabel(body.DisplayName, attribute.metadataId, "DisplayName"),
    Description: storedLabel(body.Description, attribute.metadataId, "Description"),
  };
  applyDefinition(attribute, definition);
  table.attributes.push(attribute);
  // Existing rows read the new column as null, as Dataverse returns an unset column.
  for (const record of context.store.list(table)) record[propertyName(attribute)] = null;
  return {
    status: 204,
    headers: { "OData-EntityId": `${context.apiRoot}EntityDefinitions(${entityKeyText})/Attributes(${attribute.metadataId})` },
  };
};

/** With MergeLabels, languages the new label leaves out keep their old texts; without it they are dropped. */
const mergedLabel = (old: unknown, given: unknown, merge: boolean, ownerId: string, property: string): Definition => {
  const next = storedLabel(given, ownerId, property);
  if (!merge) return next;
  const previous = ((old as { LocalizedLabels?: Definition[] } | undefined)?.LocalizedLabels ?? []).filter(
    (item) => !(next.LocalizedLabels as Definition[]).some((candidate) => candidate.LanguageCode === item.LanguageCode),
  );
  const labels = [...previous, ...(next.LocalizedLabels as Definition[])];
  return { LocalizedLabels: labels, UserLocalizedLabel: labels.find((item) => item.LanguageCode === LANGUAGE) ?? null };
};

const replaceAttribute = (request: EmuRequest, table: TableDefinition, attribute: AttributeDefinition): EmuResponse => {
  const body = parseBody(request) as Definition;
  if (odataClass(body) !== `${classOf(attribute)}AttributeMetadata`) {
    throw badRequest(`The @odata.type of a PUT must be '${NAMESPACE}${classOf(attribute)}AttributeMetadata', the attribute's own type.`);
  }
  const merge = request.headers["mscrm.mergelabels"]?.toLowerCase() === "true";
  const old = attributeDefinition(table, attribute);
  const definition: Definition = { ...body, "@odata.type": old["@odata.type"] };
  for (const property of LABEL_PROPERTIES) {
    definition[property] = mergedLabel(old[property], body[property], merge, attribute.metadataId, property);
  }
  for (const fixed of ["MetadataId", "LogicalName", "EntityLogicalName", "AttributeType", "IsCustomAttribute"])
    definition[fixed] = old[fixed];
  applyDefinition(attribute, definition);
  return { status: 204 };
};

const whoAmI = (context: EmuContext): EmuResponse => {
  const users = context.store.byLogicalName("systemuser");
  const user = users ? context.store.find(users, context.store.currentUserId) : undefined;
  return json({
    "@odata.context": `${context.apiRoot}$metadata#${NAMESPACE}WhoAmIResponse`,
    BusinessUnitId: (user?._businessunitid_value as string | undefined) ?? SEED.businessUnitId,
    UserId: context.store.currentUserId,
    OrganizationId: SEED.organizationId,
  });
};

const notAllowed = (method: string): DataverseFault =>
  new DataverseFault(405, "0x80060888", `The requested resource does not support http method '${method}'.`);

const handleAttributes = (
  request: EmuRequest,
  context: EmuContext,
  table: TableDefinition,
  path: MetadataPath,
  entityKeyText: string,
): EmuResponse => {
  const cls = castClass(path.cast);
  const method = request.method.toUpperCase();
  if (!path.attributeKey) {
    if (method === "POST" && !cls) return createAttribute(request, context, table, entityKeyText);
    if (method !== "GET") throw notAllowed(method);
    return listAttributes(request, context, table, cls);
  }
  const attribute = findAttribute(table, decodeURIComponent(path.attributeKey));
  if (method === "GET") return getAttribute(request, context, table, attribute, cls);
  if (method === "PUT" && !cls) return replaceAttribute(request, table, attribute);
  throw notAllowed(method);
};

/** Answers undefined for paths that are not metadata or functions. */
export const handleMetadata = (request: EmuRequest, context: EmuContext): EmuResponse | undefined => {
  if (!/^(EntityDefinitions|WhoAmI)/.test(request.path)) return undefined;
  const path = decodeURIComponent(request.path);
  if (/^WhoAmI(\(\))?$/.test(path)) {
    if (request.method.toUpperCase() !== "GET") {
      throw new DataverseFault(404, "0x8006088a", `No HTTP resource was found that matches the request URI '${context.apiRoot}${path}'.`);
    }
    return whoAmI(context);
  }
  const metadataPath = parsePath(path);
  if (!metadataPath) return undefined;
  if (!metadataPath.entityKey) {
    if (metadataPath.attributes) throw unknownSegment("EntityDefinitions");
    if (request.method.toUpperCase() !== "GET") throw notAllowed(request.method.toUpperCase());
    return listEntities(request, context);
  }
  const table = findTable(context, metadataPath.entityKey);
  if (metadataPath.attributes) return handleAttributes(request, context, table, metadataPath, metadataPath.entityKey);
  if (request.method.toUpperCase() !== "GET") throw notAllowed(request.method.toUpperCase());
  return getEntity(request, context, table);
};
