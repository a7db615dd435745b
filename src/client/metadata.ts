import omit from "lodash/omit";
import isPlainObject from "lodash/isPlainObject";
import mergeWith from "lodash/mergeWith";
import { DataverseError, InputError } from "./wire/errors";
import { type DataverseClient, valueCollection } from "./wire/http";
import { isName, normalizeGuid } from "./wire/names";
import { idFromEntityIdHeader } from "./records";
import { joinNames, odataString } from "./wire/url";

/**
 * The concrete AttributeMetadata types of the Web API's metadata model, by the name that
 * comes before `AttributeMetadata`. `EnumAttributeMetadata` is abstract and Dataverse
 * refuses a cast to it, so it is left out.
 */
export const ATTRIBUTE_METADATA_TYPES = [
  "BigInt",
  "Boolean",
  "DateTime",
  "Decimal",
  "Double",
  "EntityName",
  "File",
  "Image",
  "Integer",
  "Lookup",
  "ManagedProperty",
  "Memo",
  "Money",
  "MultiSelectPicklist",
  "Picklist",
  "State",
  "Status",
  "String",
  "UniqueIdentifier",
] as const;

export type AttributeMetadataType = (typeof ATTRIBUTE_METADATA_TYPES)[number];

/** Types whose definitions have an `OptionSet` navigation property (their choices). */
const OPTION_SET_TYPES: ReadonlySet<AttributeMetadataType> = new Set(["Boolean", "MultiSelectPicklist", "Picklist", "State", "Status"]);

const hasOptionSet = (type: AttributeMetadataType): boolean => OPTION_SET_TYPES.has(type);

const NAMESPACE = "Microsoft.Dynamics.CRM.";

/** Accepts `Picklist`, `PicklistAttributeMetadata` or `Microsoft.Dynamics.CRM.PicklistAttributeMetadata` (with or without `#`), in any case. */
export const parseAttributeMetadataType = (value: string, inputLabel: string): AttributeMetadataType => {
  const text = value.trim();
  const qualified = /^#?Microsoft\.Dynamics\.CRM\.([A-Za-z]+)AttributeMetadata$/i.exec(text);
  const bare = qualified ? qualified[1] : text.replace(/AttributeMetadata$/i, "");
  const found = ATTRIBUTE_METADATA_TYPES.find((type) => type.toLowerCase() === bare.toLowerCase());
  if (found) {
    return found;
  }
  const reason = bare.toLowerCase() === "enum" ? " EnumAttributeMetadata is abstract and cannot be used;" : "";
  throw new InputError(
    inputLabel,
    `'${text}' is not an attribute metadata type.${reason} use one of ${ATTRIBUTE_METADATA_TYPES.join(", ")} (for example 'Picklist' for Microsoft.Dynamics.CRM.PicklistAttributeMetadata).`,
  );
};

export const attributeTypeCast = (type: AttributeMetadataType): string => `${NAMESPACE}${type}AttributeMetadata`;

/** A table or a column definition is addressed by its MetadataId or its logical name. */
export type MetadataKey = { kind: "id"; id: string } | { kind: "logicalName"; logicalName: string };

export const parseMetadataKey = (value: unknown, inputLabel: string, example: string): MetadataKey => {
  const text = typeof value === "string" ? value.trim() : "";
  if (!text) {
    throw new InputError(inputLabel, `is required: give the MetadataId or the logical name, for example '${example}'.`);
  }
  const id = normalizeGuid(text);
  if (id) {
    return { kind: "id", id };
  }
  if (!isName(text)) {
    throw new InputError(
      inputLabel,
      `'${text}' is neither a MetadataId (a GUID) nor a logical name: use letters, digits and underscores, for example '${example}'.`,
    );
  }
  return { kind: "logicalName", logicalName: text.toLowerCase() };
};

const keySegment = (key: MetadataKey): string => (key.kind === "id" ? `(${key.id})` : `(LogicalName='${key.logicalName}')`);

const entityDefinitionPath = (key: MetadataKey): string => `EntityDefinitions${keySegment(key)}`;

export const attributePath = (entity: MetadataKey, attribute?: MetadataKey, type?: AttributeMetadataType): string =>
  `${entityDefinitionPath(entity)}/Attributes${attribute ? keySegment(attribute) : ""}${type ? `/${attributeTypeCast(type)}` : ""}`;

export interface LocalizedLabel {
  Label: string;
  LanguageCode: number;
  [property: string]: unknown;
}

export interface Label {
  LocalizedLabels?: LocalizedLabel[];
  UserLocalizedLabel?: LocalizedLabel | null;
}

export type MetadataDefinition = Record<string, unknown> & { MetadataId?: string };

/** The text of a label in the caller's language, else its first localized text. */
export const labelText = (label: unknown): string | undefined => {
  const value = label as Label | undefined;
  return value?.UserLocalizedLabel?.Label || value?.LocalizedLabels?.[0]?.Label || undefined;
};

interface Collection<T> {
  value?: T[];
}

const collectionOf = <T>(body: Collection<T> | undefined, path: string): T[] => valueCollection<T>(body, { method: "GET", path });

/** What a table picker needs; Dataverse always adds MetadataId. */
export const ENTITY_TYPE_PROPERTIES = ["LogicalName", "SchemaName", "EntitySetName", "DisplayName", "IsCustomEntity", "IsChildEntity"];

/** Metadata lists are never paged: every match comes back in one response. */
export const listEntityDefinitions = async (
  client: DataverseClient,
  query: { select?: string[]; filter?: string } = {},
): Promise<MetadataDefinition[]> => {
  const path = "EntityDefinitions";
  const response = await client.send<Collection<MetadataDefinition>>({
    method: "GET",
    path,
    query: { $select: joinNames(query.select), $filter: query.filter },
  });
  return collectionOf(response.data, path);
};

export type EntityDefinitionLookup = MetadataKey | { kind: "entitySetName"; entitySetName: string };

/**
 * EntityDefinitions has no key on the entity set name, so a table named that way is
 * found with a filter; the lookup still takes one request.
 */
export const retrieveEntityDefinition = async (client: DataverseClient, lookup: EntityDefinitionLookup): Promise<MetadataDefinition> => {
  if (lookup.kind !== "entitySetName") {
    const request = { method: "GET", path: entityDefinitionPath(lookup) };
    return client.requireBody(request, await client.send<MetadataDefinition>(request), "the table definition");
  }
  const path = "EntityDefinitions";
  const response = await client.send<Collection<MetadataDefinition>>({
    method: "GET",
    path,
    query: { $filter: `EntitySetName eq ${odataString(lookup.entitySetName)}` },
  });
  const [definition] = collectionOf(response.data, path);
  if (!definition) {
    throw new DataverseError(`no table has the entity set name '${lookup.entitySetName}'`, { status: 404, method: "GET", path });
  }
  return definition;
};

export interface AttributeQuery {
  type?: AttributeMetadataType;
  select?: string[];
  filter?: string;
  expand?: string[];
}

/** A cast to a type with choices brings its OptionSet along unless other expansions were asked for. */
const expandFor = ({ type, expand }: AttributeQuery): string | undefined =>
  joinNames(expand?.length ? expand : type && hasOptionSet(type) ? ["OptionSet"] : undefined);

export const queryAttributes = async (
  client: DataverseClient,
  entity: MetadataKey,
  query: AttributeQuery = {},
): Promise<MetadataDefinition[]> => {
  const path = attributePath(entity, undefined, query.type);
  const response = await client.send<Collection<MetadataDefinition>>({
    method: "GET",
    path,
    query: { $select: joinNames(query.select), $filter: query.filter, $expand: expandFor(query) },
  });
  return collectionOf(response.data, path);
};

export const retrieveAttribute = async (
  client: DataverseClient,
  entity: MetadataKey,
  attribute: MetadataKey,
  query: Omit<AttributeQuery, "filter"> = {},
): Promise<MetadataDefinition> => {
  const request = {
    method: "GET",
    path: attributePath(entity, attribute, query.type),
    query: { $select: joinNames(query.select), $expand: expandFor(query) },
  };
  return client.requireBody(request, await client.send<MetadataDefinition>(request), "the column definition");
};

/** Dataverse answers 204 with the new column in `OData-EntityId: …/Attributes(<MetadataId>)`. */
export const createAttribute = async (
  client: DataverseClient,
  entity: MetadataKey,
  definition: MetadataDefinition,
  solutionUniqueName?: string,
): Promise<{ id: string }> => {
  const path = attributePath(entity);
  const response = await client.send({
    method: "POST",
    path,
    headers: solutionUniqueName ? { "MSCRM.SolutionUniqueName": solutionUniqueName } : undefined,
    body: definition,
  });
  const id = idFromEntityIdHeader(response.headers["odata-entityid"]);
  if (!id) {
    throw new DataverseError("the attribute was created but Dataverse returned no OData-EntityId with its id", {
      status: response.status,
      method: "POST",
      path,
    });
  }
  return { id };
};

/** New texts replace those of the same language; other languages stay. */
const mergeLocalizedLabels = (current: LocalizedLabel[], given: LocalizedLabel[]): LocalizedLabel[] => [
  ...current.map((label) => ({ ...label, ...given.find((candidate) => candidate.LanguageCode === label.LanguageCode) })),
  ...given.filter((label) => !current.some((candidate) => candidate.LanguageCode === label.LanguageCode)),
];

/** A label's text in the caller's language is read from its localized texts, so it follows them. */
const alignUserLabels = (value: unknown): void => {
  if (Array.isArray(value)) {
    value.forEach(alignUserLabels);
    return;
  }
  if (!isPlainObject(value)) {
    return;
  }
  const node = value as Record<string, unknown> & Label;
  if (Array.isArray(node.LocalizedLabels) && node.UserLocalizedLabel) {
    const language = node.UserLocalizedLabel.LanguageCode;
    node.UserLocalizedLabel = { ...node.UserLocalizedLabel, ...node.LocalizedLabels.find((label) => label.LanguageCode === language) };
  }
  Object.values(node).forEach(alignUserLabels);
};

/**
 * The definition to PUT: the current one with the given properties merged in, objects
 * deeply. Localized labels merge by language; any other array given replaces the current
 * one, since an element-by-element merge of, say, lookup targets would mean nothing.
 */
export const mergeAttributeDefinition = (current: MetadataDefinition, changes: MetadataDefinition): MetadataDefinition => {
  const base = Object.fromEntries(Object.entries(current).filter(([name]) => name !== "@odata.context"));
  const merged = mergeWith({}, base, changes, (currentValue: unknown, givenValue: unknown, name: string) => {
    if (!Array.isArray(givenValue)) {
      return undefined;
    }
    return name === "LocalizedLabels" && Array.isArray(currentValue) ? mergeLocalizedLabels(currentValue, givenValue) : givenValue;
  }) as MetadataDefinition;
  alignUserLabels(merged);
  return merged;
};

/** How each identity property of a column compares: a GUID whatever its case, a schema name case-insensitively. */
const IDENTITY: Record<string, (text: string) => string> = {
  MetadataId: (text) => normalizeGuid(text) ?? text,
  LogicalName: (text) => text,
  SchemaName: (text) => text.toLowerCase(),
};

/**
 * The body may name the column it updates, but only the one retrieved: merged onto that
 * definition, another column's MetadataId or name would make the PUT carry a mixed identity.
 */
const refuseOtherColumn = (current: MetadataDefinition, changes: MetadataDefinition, labels: AttributeUpdateLabels): void => {
  for (const [name, comparable] of Object.entries(IDENTITY)) {
    const given = changes[name];
    const stored = current[name];
    if (given === undefined || typeof stored !== "string") {
      continue;
    }
    if (typeof given !== "string" || comparable(given) !== comparable(stored)) {
      throw new InputError(
        labels.changes,
        `its ${name} ${JSON.stringify(given)} names another column than the one being updated, '${String(current.LogicalName ?? stored)}' (${name} '${stored}'): remove ${name} from ${labels.changes}, or give the ${labels.attribute} of the column you mean.`,
      );
    }
  }
};

/** The inputs an update's column and changes came from, which its errors name. */
export interface AttributeUpdateLabels {
  attribute: string;
  changes: string;
}

/**
 * Dataverse updates a column only by a PUT of its full definition, which replaces the
 * stored one. To let a caller send only what changes, the current definition is read
 * first and the changes are merged onto it. `MSCRM.MergeLabels: true` keeps the labels
 * of languages the definition does not mention; without it they would be dropped.
 */
export const updateAttribute = async (
  client: DataverseClient,
  entity: MetadataKey,
  attribute: MetadataKey,
  changes: MetadataDefinition,
  labels: AttributeUpdateLabels,
): Promise<{ id: string; definition: MetadataDefinition }> => {
  const current = await retrieveAttribute(client, entity, attribute);
  refuseOtherColumn(current, changes, labels);
  // Once checked, the body's identity adds nothing; the stored one (and its casing) is sent.
  const definition = mergeAttributeDefinition(current, omit(changes, Object.keys(IDENTITY)));
  const path = attributePath(entity, attribute);
  await client.send({ method: "PUT", path, headers: { "MSCRM.MergeLabels": "true" }, body: definition });
  const id = typeof current.MetadataId === "string" ? current.MetadataId : attribute.kind === "id" ? attribute.id : "";
  return { id, definition };
};
