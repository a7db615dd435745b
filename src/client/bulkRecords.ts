import type { BatchOperation } from "./batch";
import type { EntityRecord } from "./records";
import { InputError } from "./wire/errors";
import { normalizeGuid, parseRecordKey, type RecordKey } from "./wire/names";

export type BulkMessage = "CreateMultiple" | "UpdateMultiple" | "UpsertMultiple";

/** One record ready to send either way: as a bulk message target, or as a change set operation. */
export interface BulkItem {
  /** Its position in the input, from 0. */
  index: number;
  target: EntityRecord;
  operation: BatchOperation;
  /** The record's id where it is known before it is written. */
  id?: string;
}

export interface BulkTable {
  logicalName: string;
  primaryIdAttribute: string;
}

/** `inputLabel` names the input the records came from: the client refuses bad records itself, as their keys need the table's metadata. */
const fail = (inputLabel: string, index: number, problem: string): never => {
  throw new InputError(inputLabel, `record ${index}: ${problem}`);
};

const withoutKeys = (record: EntityRecord, names: string[]): EntityRecord =>
  Object.fromEntries(Object.entries(record).filter(([name]) => !names.includes(name)));

/** `accounts(accountnumber='A-1')` or `accounts(<guid>)`, optionally as `/accounts(…)` or a full URL. */
const REFERENCE = /^(?:.*\/)?([A-Za-z_][A-Za-z0-9_]*)\((.+)\)$/;

/** The one way an upsert names its record: `@odata.id`, as UpsertMultiple itself reads it (reference §1.6). */
export const upsertKeyOf = (record: EntityRecord, entitySetName: string, index: number, inputLabel: string): RecordKey => {
  const reference = record["@odata.id"];
  if (typeof reference !== "string" || !reference.trim()) {
    return fail(
      inputLabel,
      index,
      `has no '@odata.id': give each record its key as "@odata.id": "${entitySetName}(accountnumber='A-1')" (an alternate key) or "${entitySetName}(<guid>)".`,
    );
  }
  const match = REFERENCE.exec(reference.trim());
  if (!match || match[1] !== entitySetName) {
    return fail(
      inputLabel,
      index,
      `'@odata.id' '${reference}' must name a record of ${entitySetName}, as ${entitySetName}(accountnumber='A-1').`,
    );
  }
  try {
    return parseRecordKey(decodeURIComponent(match[2]), "@odata.id");
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    return fail(inputLabel, index, error.message);
  }
};

const keyText = (key: RecordKey): string =>
  key.kind === "id"
    ? key.id
    : Object.entries(key.values)
        .map(([column, value]) => `${column.toLowerCase()}=${typeof value === "string" ? value.toLowerCase() : JSON.stringify(value)}`)
        .sort()
        .join(",");

const refuseRepeats = (keys: Map<string, number>, text: string, index: number, why: string, inputLabel: string): void => {
  const earlier = keys.get(text);
  if (earlier !== undefined) fail(inputLabel, index, `has the same key as record ${earlier}: ${why}`);
  keys.set(text, index);
};

/** A record as checked before any request: an object, with its key where the record itself names it. */
export interface CheckedRecord {
  record: EntityRecord;
  key?: RecordKey;
}

/** What can be checked before any request: each record an object, and each upsert's key. */
export const checkRecords = (message: BulkMessage, entitySetName: string, records: unknown[], inputLabel: string): CheckedRecord[] => {
  const keys = new Map<string, number>();
  return records.map((record, index) => {
    if (!record || typeof record !== "object" || Array.isArray(record)) {
      return fail(inputLabel, index, `must be a JSON object of column values such as {"name": "Contoso"}.`);
    }
    if (message !== "UpsertMultiple") return { record: record as EntityRecord };
    const key = upsertKeyOf(record as EntityRecord, entitySetName, index, inputLabel);
    refuseRepeats(keys, keyText(key), index, "UpsertMultiple refuses repeated keys; merge the two records.", inputLabel);
    return { record: record as EntityRecord, key };
  });
};

const updateIdOf = (record: EntityRecord, table: BulkTable, index: number, inputLabel: string): string => {
  const value = record[table.primaryIdAttribute];
  const id = typeof value === "string" ? normalizeGuid(value) : undefined;
  return (
    id ??
    fail(
      inputLabel,
      index,
      `has no primary key: give each record its '${table.primaryIdAttribute}' column, the GUID of the record to update.`,
    )
  );
};

/** Needs the table: `@odata.type` on every target, and each update's primary key, checked before anything is written. */
export const toBulkItems = (
  message: BulkMessage,
  entitySetName: string,
  table: BulkTable,
  records: CheckedRecord[],
  startIndex: number,
  inputLabel: string,
): BulkItem[] => {
  const type = `Microsoft.Dynamics.CRM.${table.logicalName}`;
  const ids = new Map<string, number>();
  return records.slice(startIndex).map(({ record, key: checkedKey }, offset) => {
    const index = startIndex + offset;
    const given = record["@odata.type"];
    if (given !== undefined && given !== type)
      fail(inputLabel, index, `'@odata.type' is '${String(given)}', but ${entitySetName} holds ${type}.`);
    const target = { ...record, "@odata.type": type };
    const data = withoutKeys(record, ["@odata.type", "@odata.id"]);
    if (message === "CreateMultiple") {
      return { index, target, operation: { action: "create", entitySetName, data } };
    }
    if (message === "UpdateMultiple") {
      const id = updateIdOf(record, table, index, inputLabel);
      // Reference §1.5: UpdateMultiple applies only the first of repeated keys, so a later one would be reported updated but ignored.
      refuseRepeats(ids, id, index, "UpdateMultiple would ignore the later one; merge the two records.", inputLabel);
      const operation: BatchOperation = {
        action: "update",
        entitySetName,
        key: { kind: "id", id },
        data: withoutKeys(data, [table.primaryIdAttribute]),
      };
      return { index, id, target, operation };
    }
    const key = checkedKey ?? upsertKeyOf(record, entitySetName, index, inputLabel);
    const operation: BatchOperation = { action: "upsert", entitySetName, key, data };
    return { index, id: key.kind === "id" ? key.id : undefined, target, operation };
  });
};
