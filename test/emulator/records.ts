/**
 * Entity set requests (reference §1.4, §1.5, §2): create (204 + OData-EntityId, or 201 with a
 * representation and no OData-EntityId), retrieve with `$select`/`$expand` and an ETag,
 * update with `If-Match`, upsert with and without `If-None-Match`, delete, collection
 * queries, lookup binds (`nav@odata.bind`), alternate keys and Dataverse's errors for each.
 * Bodies are type-checked against the schema the way Dataverse's deserializer does.
 */
import { randomUUID } from "node:crypto";
import { checkDuplicates } from "./duplicates";
import { badRequest, DataverseFault, notFoundRecord, unknownProperty } from "./faults";
import { etagOf, expandRecord, parsePrefer, parseSelect, queryCollection, shapeRecord, annotate } from "./odata";
import { isLookupType, type AttributeDefinition, type TableDefinition } from "./schema";
import type { Store, StoredRecord } from "./store";
import type { EmuContext, EmuRequest, EmuResponse } from "./types";

const GUID = /^\{?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\}?$/i;

type Key = { kind: "id"; id: string; text: string } | { kind: "alternate"; values: Record<string, unknown>; text: string };

/** Reads `accounts(<guid>)` or `accounts(accountnumber='A-1',…)` key text (already URL-decoded). */
export const parseKey = (text: string, table: TableDefinition): Key => {
  const guid = GUID.exec(text.trim());
  if (guid) return { kind: "id", id: guid[1].toLowerCase(), text };
  const values: Record<string, unknown> = {};
  const pattern = /\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*('(?:[^']|'')*'|[^,]+)\s*(,|$)/gy;
  let consumed = 0;
  while (consumed < text.length) {
    const match = pattern.exec(text);
    if (!match) break;
    const raw = match[2].trim();
    values[match[1]] = raw.startsWith("'") ? raw.slice(1, -1).replace(/''/g, "'") : GUID.test(raw) ? raw.toLowerCase() : raw;
    consumed = pattern.lastIndex;
  }
  if (consumed < text.length || !Object.keys(values).length) {
    throw badRequest(`Bad Request - Error in query syntax: the key '${text}' is not valid.`);
  }
  const columns = Object.keys(values).sort().join(",");
  const defined = table.alternateKeys.some((key) => [...key].sort().join(",") === columns);
  const primary = Object.keys(values).length === 1 && table.primaryIdAttribute in values;
  if (primary) return { kind: "id", id: String(values[table.primaryIdAttribute]).toLowerCase(), text };
  if (!defined) {
    throw badRequest(`The key attribute(s) ${columns} do not form an alternate key of entity '${table.logicalName}'.`, "0x80060891");
  }
  return { kind: "alternate", values, text };
};

const findByKey = (store: Store, table: TableDefinition, key: Key): StoredRecord | undefined =>
  key.kind === "id" ? store.find(table, key.id) : store.findBy(table, key.values);

const EDM_TYPES: Record<string, string> = {
  String: "Edm.String",
  Memo: "Edm.String",
  Integer: "Edm.Int32",
  BigInt: "Edm.Int64",
  Picklist: "Edm.Int32",
  State: "Edm.Int32",
  Status: "Edm.Int32",
  Decimal: "Edm.Decimal",
  Money: "Edm.Decimal",
  Double: "Edm.Double",
  Boolean: "Edm.Boolean",
  DateTime: "Edm.DateTimeOffset",
  Uniqueidentifier: "Edm.Guid",
};

const checkValue = (attribute: AttributeDefinition, value: unknown, table: TableDefinition): unknown => {
  if (value === null) return null;
  const type = attribute.type;
  const refuse = () =>
    badRequest(
      `Cannot convert the literal '${typeof value === "object" ? JSON.stringify(value) : String(value)}' to the expected type '${EDM_TYPES[type] ?? "Edm.String"}'.`,
    );
  if (type === "String" || type === "Memo") {
    if (typeof value !== "string") throw refuse();
    if (attribute.maxLength && value.length > attribute.maxLength) {
      throw badRequest(
        `A validation error occurred. The length of the '${attribute.logicalName}' attribute of the '${table.logicalName}' entity exceeded the maximum allowed length of '${attribute.maxLength}'.`,
        "0x80044331",
      );
    }
    return value;
  }
  if (["Integer", "BigInt", "Picklist", "State", "Status"].includes(type)) {
    if (typeof value !== "number" || !Number.isInteger(value)) throw refuse();
    if (attribute.options && !attribute.options.some((option) => option.value === value)) {
      throw badRequest(
        `A validation error occurred. The value ${value} of '${attribute.logicalName}' on record of type '${table.logicalName}' is outside the valid range.`,
        "0x8004431a",
      );
    }
    return value;
  }
  if (["Decimal", "Money", "Double"].includes(type)) {
    if (typeof value !== "number") throw refuse();
    return value;
  }
  if (type === "Boolean") {
    if (typeof value !== "boolean") throw refuse();
    return value;
  }
  if (type === "DateTime") {
    if (typeof value !== "string" || Number.isNaN(Date.parse(value))) throw refuse();
    return `${new Date(value).toISOString().slice(0, 19)}Z`;
  }
  if (type === "Uniqueidentifier") {
    if (typeof value !== "string" || !GUID.test(value)) throw refuse();
    return value.toLowerCase();
  }
  return value;
};

/** Resolves `/accounts(<guid>)`, `accounts(<guid>)` or an absolute URL to a record of the bind's target table. */
const resolveBind = (store: Store, target: TableDefinition, reference: unknown): string => {
  if (typeof reference !== "string") throw badRequest(`An @odata.bind value must be a string, not ${JSON.stringify(reference)}.`);
  const match = /([A-Za-z_][A-Za-z0-9_]*)\(([^()]*)\)\s*$/.exec(reference);
  const table = match ? store.bySetName(match[1]) : undefined;
  if (!match || !table) throw badRequest(`The @odata.bind value '${reference}' is not a record URL such as /accounts(<guid>).`);
  if (table.logicalName !== target.logicalName) {
    throw badRequest(`The @odata.bind value '${reference}' does not refer to a '${target.logicalName}' record.`);
  }
  const record = findByKey(store, table, parseKey(decodeURIComponent(match[2]), table));
  if (!record) throw notFoundRecord(table.logicalName, match[2]);
  return record[table.primaryIdAttribute] as string;
};

/** Turns a request body into stored column values, refusing what Dataverse would refuse. */
export const toStoredValues = (store: Store, table: TableDefinition, body: Record<string, unknown>): StoredRecord => {
  const values: StoredRecord = {};
  for (const [name, value] of Object.entries(body)) {
    if (name.startsWith("@odata.")) continue;
    if (name.endsWith("@odata.bind")) {
      const navigation = name.slice(0, -"@odata.bind".length);
      const lookup = table.lookups.find((candidate) => candidate.name === navigation);
      if (!lookup)
        throw badRequest(
          `An undeclared property '${navigation}' which only has property annotations in the payload but no property value was found in the payload.`,
        );
      const target = store.byLogicalName(lookup.target);
      if (!target) throw unknownProperty(navigation, table.logicalName);
      values[`_${lookup.attribute}_value`] = value === null ? null : resolveBind(store, target, value);
      continue;
    }
    const lookup = table.lookups.find((candidate) => candidate.name === name);
    if (lookup && value === null) {
      values[`_${lookup.attribute}_value`] = null;
      continue;
    }
    const attribute = table.attributes.find((candidate) => candidate.logicalName === name && !isLookupType(candidate.type));
    if (!attribute) throw unknownProperty(name, table.logicalName);
    // Dataverse ignores values for columns it maintains itself.
    if (attribute.readOnly) continue;
    values[name] = checkValue(attribute, value, table);
  }
  return values;
};

export const parseBody = (request: EmuRequest): Record<string, unknown> => {
  if (!request.body.trim()) return {};
  let body: unknown;
  try {
    body = JSON.parse(request.body);
  } catch {
    throw badRequest("The request body is not valid JSON.");
  }
  if (!body || typeof body !== "object" || Array.isArray(body)) throw badRequest("The request body must be a JSON object.");
  return body as Record<string, unknown>;
};

const contextUrl = (context: EmuContext, table: TableDefinition, select: string[] | undefined, entity: boolean): string =>
  `${context.apiRoot}$metadata#${table.entitySetName}${select ? `(${select.join(",")})` : ""}${entity ? "/$entity" : ""}`;

const representation = (
  context: EmuContext,
  table: TableDefinition,
  record: StoredRecord,
  request: EmuRequest,
  expand: boolean,
): StoredRecord => {
  const select = parseSelect(request.query.$select, table);
  const shaped = shapeRecord(record, table, select);
  const body = { "@odata.context": contextUrl(context, table, select, true), ...shaped };
  return expand ? expandRecord(body, record, table, request.query.$expand, context.store) : body;
};

const entityIdHeader = (context: EmuContext, table: TableDefinition, key: string): Record<string, string> => ({
  "OData-EntityId": `${context.apiRoot}${table.entitySetName}(${key})`,
});

const checkIfMatch = (request: EmuRequest, existing: StoredRecord | undefined, table: TableDefinition, keyText: string): void => {
  const ifMatch = request.headers["if-match"];
  if (!ifMatch) return;
  if (!existing) throw notFoundRecord(table.logicalName, keyText);
  if (ifMatch !== "*" && ifMatch !== etagOf(existing)) {
    throw new DataverseFault(412, "0x80060882", "The version of the existing record doesn't match the RowVersion property provided.");
  }
};

export const createInSet = (context: EmuContext, table: TableDefinition, request: EmuRequest): EmuResponse => {
  const { store } = context;
  const body = parseBody(request);
  const values = toStoredValues(store, table, body);
  const givenId = body[table.primaryIdAttribute];
  const id = typeof givenId === "string" && GUID.test(givenId) ? givenId.toLowerCase() : randomUUID();
  if (store.find(table, id)) throw new DataverseFault(412, "0x80040237", "Cannot insert duplicate key.");
  for (const key of table.alternateKeys) {
    const keyValues = Object.fromEntries(key.map((column) => [column, values[column]]));
    if (key.every((column) => values[column] !== undefined && values[column] !== null) && store.findBy(table, keyValues)) {
      throw new DataverseFault(412, "0x80040237", "A record with matching key values already exists.");
    }
  }
  checkDuplicates(request, store, table, values, id);
  const record = store.create(table, values, id);
  const preferences = parsePrefer(request.headers.prefer);
  if (preferences.returnRepresentation) {
    return {
      status: 201,
      headers: { "Preference-Applied": "return=representation" },
      body: representation(context, table, record, request, true),
    };
  }
  return { status: 204, headers: entityIdHeader(context, table, id) };
};

const patchRecord = (context: EmuContext, table: TableDefinition, key: Key, request: EmuRequest): EmuResponse => {
  const { store } = context;
  const existing = findByKey(store, table, key);
  checkIfMatch(request, existing, table, key.text);
  if (request.headers["if-none-match"] === "*" && existing) {
    throw new DataverseFault(412, "0x80040237", "A record with matching key values already exists.");
  }
  const body = parseBody(request);
  const preferences = parsePrefer(request.headers.prefer);
  let record: StoredRecord;
  let created = false;
  if (existing) {
    const values = toStoredValues(store, table, body);
    // An upsert by alternate key drops key values from the body when the record exists.
    if (key.kind === "alternate") Object.keys(key.values).forEach((column) => delete values[column]);
    checkDuplicates(request, store, table, { ...existing, ...values }, existing[table.primaryIdAttribute] as string);
    record = store.update(table, existing[table.primaryIdAttribute] as string, values);
  } else {
    const values = { ...(key.kind === "alternate" ? key.values : {}), ...toStoredValues(store, table, body) };
    checkDuplicates(request, store, table, values, key.kind === "id" ? key.id : undefined);
    record = store.create(table, values, key.kind === "id" ? key.id : randomUUID());
    created = true;
  }
  if (preferences.returnRepresentation) {
    return {
      status: created ? 201 : 200,
      headers: { "Preference-Applied": "return=representation" },
      // $expand is ignored on PATCH, as in Dataverse.
      body: representation(context, table, record, request, false),
    };
  }
  return { status: 204, headers: entityIdHeader(context, table, key.kind === "id" ? key.id : key.text) };
};

const retrieve = (context: EmuContext, table: TableDefinition, key: Key, request: EmuRequest): EmuResponse => {
  const record = findByKey(context.store, table, key);
  if (!record) throw notFoundRecord(table.logicalName, key.text);
  const preferences = parsePrefer(request.headers.prefer);
  const etag = etagOf(record);
  if (request.headers["if-none-match"] === etag && !request.query.$expand && !preferences.includeAnnotations) {
    return { status: 304, headers: { ETag: etag } };
  }
  const body = annotate(representation(context, table, record, request, true), table, context.store, preferences.includeAnnotations);
  return { status: 200, headers: { ETag: etag }, body };
};

const remove = (context: EmuContext, table: TableDefinition, key: Key, request: EmuRequest): EmuResponse => {
  const existing = findByKey(context.store, table, key);
  if (!existing) throw notFoundRecord(table.logicalName, key.text);
  checkIfMatch(request, existing, table, key.text);
  context.store.delete(table, existing[table.primaryIdAttribute] as string);
  return { status: 204 };
};

const notAllowed = (method: string): DataverseFault =>
  new DataverseFault(405, "0x80060888", `The requested resource does not support http method '${method}'.`);

/** `accounts` or `accounts(<key>)`; answers undefined for paths that are not entity sets. */
export const handleEntitySet = (request: EmuRequest, context: EmuContext, requestUrl: string): EmuResponse | undefined => {
  const match = /^([A-Za-z_][A-Za-z0-9_]*)(?:\((.*)\))?$/.exec(request.path);
  if (!match) return undefined;
  const table = context.store.bySetName(match[1]);
  if (!table) return undefined;
  const method = request.method.toUpperCase();
  if (match[2] === undefined) {
    if (method === "POST") return createInSet(context, table, request);
    if (method !== "GET") throw notAllowed(method);
    const preferences = parsePrefer(request.headers.prefer);
    const select = parseSelect(request.query.$select, table);
    const body = queryCollection({
      table,
      query: request.query,
      preferences,
      requestUrl,
      store: context.store,
      contextUrl: contextUrl(context, table, select, false),
    });
    return { status: 200, headers: preferences.applied.length ? { "Preference-Applied": preferences.applied.join(",") } : {}, body };
  }
  const key = parseKey(decodeURIComponent(match[2]), table);
  if (method === "GET") return retrieve(context, table, key, request);
  if (method === "PATCH") return patchRecord(context, table, key, request);
  if (method === "DELETE") return remove(context, table, key, request);
  throw notAllowed(method);
};
