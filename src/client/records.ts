import { DataverseError } from "./wire/errors";
import type { DataverseClient } from "./wire/http";
import { describeRecordKey, normalizeGuid, recordPath, type RecordKey } from "./wire/names";
import { withRequestOptions, type RequestOptions } from "./requestOptions";
import { joinNames } from "./wire/url";

export type EntityRecord = Record<string, unknown>;

export interface RecordShape {
  select?: string[];
  expand?: string[];
}

const RETURN_REPRESENTATION = "return=representation";

const shapeQuery = ({ select, expand }: RecordShape = {}) => ({
  $select: joinNames(select),
  $expand: joinNames(expand),
});

/** The GUID at the end of an `OData-EntityId` header (`…/accounts(<guid>)`), if it has one. */
export const idFromEntityIdHeader = (header: string | undefined): string | undefined => {
  const match = header ? /\(([^()]*)\)\s*$/.exec(header) : null;
  return match ? normalizeGuid(match[1]) : undefined;
};

const singularForms = (entitySetName: string): string[] => {
  const forms = [entitySetName];
  if (entitySetName.endsWith("ies")) forms.push(`${entitySetName.slice(0, -3)}y`);
  if (entitySetName.endsWith("es")) forms.push(entitySetName.slice(0, -2));
  if (entitySetName.endsWith("s")) forms.push(entitySetName.slice(0, -1));
  if (entitySetName.endsWith("set")) forms.push(entitySetName.slice(0, -3));
  return forms;
};

/**
 * A record's own id. A create with `return=representation` gets no OData-EntityId header,
 * so the id is read from the primary key column, which Dataverse names `<logical name>id`
 * and always returns. The logical name is usually the entity set name's singular form;
 * when no such column is there, the only GUID-valued `…id` column is taken.
 */
export const recordIdOf = (entitySetName: string, record: EntityRecord | undefined): string | undefined => {
  if (!record) {
    return undefined;
  }
  for (const singular of singularForms(entitySetName)) {
    const value = record[`${singular}id`];
    if (typeof value === "string" && normalizeGuid(value)) {
      return normalizeGuid(value);
    }
  }
  const candidates = Object.entries(record).filter(
    ([name, value]) => !name.startsWith("_") && name.endsWith("id") && typeof value === "string" && normalizeGuid(value),
  );
  return candidates.length === 1 ? normalizeGuid(candidates[0][1] as string) : undefined;
};

export interface WrittenRecord {
  id?: string;
  record?: EntityRecord;
}

export const createRecord = async (
  client: DataverseClient,
  entitySetName: string,
  data: EntityRecord,
  shape: RecordShape = {},
  options?: RequestOptions,
): Promise<WrittenRecord> => {
  const request = withRequestOptions(
    { method: "POST", path: entitySetName, query: shapeQuery(shape), prefer: [RETURN_REPRESENTATION], body: data },
    options,
  );
  const response = await client.send<EntityRecord>(request);
  const record = response.data;
  const id = recordIdOf(entitySetName, record) ?? idFromEntityIdHeader(response.headers["odata-entityid"]);
  // The record was created either way: with its id known, an answer we cannot read costs only the representation.
  return id ? { id, record } : { record: client.requireBody(request, response, "the created record's id") };
};

export const retrieveRecord = async (
  client: DataverseClient,
  entitySetName: string,
  key: RecordKey,
  shape: RecordShape = {},
  options?: RequestOptions,
): Promise<EntityRecord> => {
  const request = withRequestOptions({ method: "GET", path: recordPath(entitySetName, key), query: shapeQuery(shape) }, options);
  return client.requireBody(request, await client.send<EntityRecord>(request), "the record");
};

/** `If-Match: *` makes Dataverse refuse (404) instead of creating a record that is not there. */
export const updateRecord = async (
  client: DataverseClient,
  entitySetName: string,
  key: RecordKey,
  data: EntityRecord,
  options?: RequestOptions,
): Promise<WrittenRecord> => {
  const response = await client.send<EntityRecord>(
    withRequestOptions(
      { method: "PATCH", path: recordPath(entitySetName, key), headers: { "If-Match": "*" }, prefer: [RETURN_REPRESENTATION], body: data },
      options,
    ),
  );
  const id = key.kind === "id" ? key.id : recordIdOf(entitySetName, response.data);
  return { id: id ?? idFromEntityIdHeader(response.headers["odata-entityid"]), record: response.data };
};

export interface UpsertedRecord extends WrittenRecord {
  /**
   * Null when it cannot be told: Dataverse answered 204 without saying which happened, or an
   * earlier attempt whose answer was lost may have created the record the retry then updated.
   */
  created: boolean | null;
}

/**
 * A PATCH without `If-Match` creates the record when the key matches none. With a
 * representation asked for, 201 means created and 200 updated; a 204 (the preference not
 * applied, e.g. by a proxy or an older environment) is a success that does not say which,
 * so the id comes from its `OData-EntityId` or from the key.
 */
export const upsertRecord = async (
  client: DataverseClient,
  entitySetName: string,
  key: RecordKey,
  data: EntityRecord,
  options?: RequestOptions,
): Promise<UpsertedRecord> => {
  const response = await client.send<EntityRecord>(
    withRequestOptions({ method: "PATCH", path: recordPath(entitySetName, key), prefer: [RETURN_REPRESENTATION], body: data }, options),
  );
  const keyId = key.kind === "id" ? key.id : undefined;
  if (response.status === 204) {
    return { created: null, id: idFromEntityIdHeader(response.headers["odata-entityid"]) ?? keyId };
  }
  if (response.status !== 200 && response.status !== 201) {
    throw new DataverseError(`unexpected status ${response.status} for an upsert of ${describeRecordKey(key)}`, {
      status: response.status,
      method: "PATCH",
      path: recordPath(entitySetName, key),
    });
  }
  const id = recordIdOf(entitySetName, response.data) ?? idFromEntityIdHeader(response.headers["odata-entityid"]) ?? keyId;
  // An earlier attempt whose answer was lost may have created the record this one then updated.
  return { created: response.afterLostAnswer ? null : response.status === 201, id, record: response.data };
};

export interface DeletedRecord {
  /** True when an earlier attempt whose answer was lost had already deleted it: the retry found it gone. */
  alreadyGone: boolean;
}

export const deleteRecord = async (
  client: DataverseClient,
  entitySetName: string,
  key: RecordKey,
  options?: RequestOptions,
): Promise<DeletedRecord> => {
  const response = await client.send(withRequestOptions({ method: "DELETE", path: recordPath(entitySetName, key) }, options));
  return { alreadyGone: response.status === 404 };
};
