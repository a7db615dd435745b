/**
 * The bulk operation messages on standard tables (reference §1): `POST <set>/Microsoft.Dynamics.CRM.CreateMultiple`
 * (200 with `Ids` in `Targets` order), `UpdateMultiple` (204; a repeated key is applied once, for the first
 * target) and `UpsertMultiple` (204; a repeated key is an error). Each target must carry the `@odata.type` of
 * the table. A request is all or nothing, as on a standard table: every target is checked before any is
 * written, so one bad target leaves the table as it was. Which tables support the messages is what the
 * `sdkmessagefilters` rows seeded here say (opportunity has none, so clients take their `$batch` way there).
 * The answer for an unsupported table (400, 0x80040203) is the emulator's own: the reference gives none.
 */
import { randomUUID } from "node:crypto";
import { badRequest, DataverseFault, notFoundRecord } from "./faults";
import { parseBody, parseKey, toStoredValues } from "./records";
import type { TableDefinition } from "./schema";
import type { Store, StoredRecord } from "./store";
import type { EmuContext, EmuRequest, EmuResponse } from "./types";
import { tableNamed } from "./webhookTables";

export const BULK_MESSAGE_IDS = {
  CreateMultiple: "20bebec9-6fd5-4c2c-9d31-3a8b1d9d0011",
  UpdateMultiple: "20bebec9-6fd5-4c2c-9d31-3a8b1d9d0012",
} as const;

/** Tables that support CreateMultiple and UpdateMultiple (and so UpsertMultiple, §1.8). */
export const BULK_TABLES = ["account", "contact", "lead"];

const PATH = /^([A-Za-z_][A-Za-z0-9_]*)\/Microsoft\.Dynamics\.CRM\.(CreateMultiple|UpdateMultiple|UpsertMultiple)$/;

export const seedBulkMessages = (store: Store): void => {
  for (const [name, id] of Object.entries(BULK_MESSAGE_IDS)) {
    store.create(tableNamed(store, "sdkmessage"), { name }, id);
    for (const logicalName of BULK_TABLES) {
      store.create(tableNamed(store, "sdkmessagefilter"), {
        name: `${name} of ${logicalName}`,
        primaryobjecttypecode: logicalName,
        iscustomprocessingstepallowed: true,
        _sdkmessageid_value: id,
      });
    }
  }
};

const supports = (store: Store, table: TableDefinition, message: string): boolean => {
  const names = message === "UpsertMultiple" ? ["CreateMultiple", "UpdateMultiple"] : [message];
  const filters = store.list(tableNamed(store, "sdkmessagefilter"));
  return names.every((name) =>
    filters.some(
      (filter) =>
        filter.primaryobjecttypecode === table.logicalName &&
        filter._sdkmessageid_value === BULK_MESSAGE_IDS[name as keyof typeof BULK_MESSAGE_IDS],
    ),
  );
};

/**
 * How many targets a request carries, for the service-protection cost; undefined when it is no bulk message.
 * Counted by their `@odata.type`, which each target must carry, so the body is not parsed twice.
 */
export const bulkTargetCount = (request: EmuRequest): number | undefined =>
  PATH.test(decodeURIComponent(request.path)) ? (request.body.match(/"@odata\.type"\s*:/g) ?? []).length : undefined;

type Write = { kind: "create"; id: string; values: StoredRecord } | { kind: "update"; id: string; values: StoredRecord };

const readTargets = (request: EmuRequest, table: TableDefinition): Record<string, unknown>[] => {
  const targets = parseBody(request).Targets;
  if (!Array.isArray(targets) || !targets.length) throw badRequest("The parameter 'Targets' must be a non-empty collection of entities.");
  const type = `Microsoft.Dynamics.CRM.${table.logicalName}`;
  return targets.map((target, position) => {
    if (!target || typeof target !== "object" || Array.isArray(target)) throw badRequest(`Targets[${position}] is not an entity.`);
    const record = target as Record<string, unknown>;
    if (record["@odata.type"] !== type) {
      throw badRequest(`Targets[${position}]: the '@odata.type' property must be '${type}', not '${String(record["@odata.type"])}'.`);
    }
    return record;
  });
};

const targetId = (table: TableDefinition, target: Record<string, unknown>): string | undefined => {
  const value = target[table.primaryIdAttribute];
  return typeof value === "string" ? value.toLowerCase() : undefined;
};

const planCreate = (store: Store, table: TableDefinition, target: Record<string, unknown>, planned: Set<string>): Write => {
  const id = targetId(table, target) ?? randomUUID();
  if (store.find(table, id) || planned.has(id)) throw new DataverseFault(412, "0x80040237", "Cannot insert duplicate key.");
  return { kind: "create", id, values: toStoredValues(store, table, target) };
};

const planUpdate = (store: Store, table: TableDefinition, target: Record<string, unknown>): Write => {
  const id = targetId(table, target);
  if (!id) throw badRequest(`The primary key '${table.primaryIdAttribute}' is required for UpdateMultiple.`);
  if (!store.find(table, id)) throw notFoundRecord(table.logicalName, id);
  return { kind: "update", id, values: toStoredValues(store, table, target) };
};

/** `@odata.id` names the record by alternate key or primary key; without it, the primary key column does. */
const planUpsert = (store: Store, table: TableDefinition, target: Record<string, unknown>): Write & { keyText: string } => {
  const reference = target["@odata.id"];
  const values = toStoredValues(store, table, target);
  if (typeof reference === "string") {
    const match = /^(?:.*\/)?([A-Za-z_][A-Za-z0-9_]*)\((.*)\)$/.exec(reference.trim());
    if (!match || match[1] !== table.entitySetName)
      throw badRequest(`The '@odata.id' value '${reference}' does not name a ${table.logicalName} record.`);
    const key = parseKey(decodeURIComponent(match[2]), table);
    const existing = key.kind === "id" ? store.find(table, key.id) : store.findBy(table, key.values);
    if (existing) {
      if (key.kind === "alternate") Object.keys(key.values).forEach((column) => delete values[column]);
      return { kind: "update", id: String(existing[table.primaryIdAttribute]), values, keyText: key.text };
    }
    const keyValues = key.kind === "alternate" ? key.values : {};
    return { kind: "create", id: key.kind === "id" ? key.id : randomUUID(), values: { ...keyValues, ...values }, keyText: key.text };
  }
  const id = targetId(table, target);
  if (!id) throw badRequest(`Each target of UpsertMultiple needs an '@odata.id' or its primary key '${table.primaryIdAttribute}'.`);
  return { kind: store.find(table, id) ? "update" : "create", id, values, keyText: id };
};

const plan = (store: Store, table: TableDefinition, message: string, targets: Record<string, unknown>[]): Write[] => {
  const planned = new Set<string>();
  const writes: Write[] = [];
  const keys = new Set<string>();
  for (const target of targets) {
    if (message === "CreateMultiple") {
      const write = planCreate(store, table, target, planned);
      planned.add(write.id);
      writes.push(write);
    } else if (message === "UpdateMultiple") {
      const write = planUpdate(store, table, target);
      // Reference §1.5: a later target with the same key is ignored.
      if (!planned.has(write.id)) writes.push(write);
      planned.add(write.id);
    } else {
      const write = planUpsert(store, table, target);
      const keyText = write.keyText.toLowerCase();
      // Reference §1.7: duplicate keys make UpsertMultiple fail.
      if (keys.has(keyText) || planned.has(write.id))
        throw badRequest(`Duplicate key '${write.keyText}' in the Targets of UpsertMultiple.`);
      keys.add(keyText);
      planned.add(write.id);
      writes.push(write);
    }
  }
  return writes;
};

/** Answers undefined for paths that are no bulk message. */
export const handleBulk = (request: EmuRequest, context: EmuContext): EmuResponse | undefined => {
  const match = PATH.exec(decodeURIComponent(request.path));
  if (!match) return undefined;
  const [, setName, message] = match;
  const { store } = context;
  const table = store.bySetName(setName);
  if (!table) return undefined;
  if (request.method.toUpperCase() !== "POST") {
    throw new DataverseFault(405, "0x80060888", `The requested resource does not support http method '${request.method}'.`);
  }
  if (!supports(store, table, message)) {
    throw badRequest(`The message '${message}' is not supported for entity '${table.logicalName}'.`, "0x80040203");
  }
  // Checked in full before anything is written: all or nothing.
  const writes = plan(store, table, message, readTargets(request, table));
  const ids = writes.map((write) => {
    if (write.kind === "create") return String(store.create(table, write.values, write.id)[table.primaryIdAttribute]);
    store.update(table, write.id, write.values);
    return write.id;
  });
  if (message !== "CreateMultiple") return { status: 204 };
  return { status: 200, body: { "@odata.context": `${context.apiRoot}$metadata#Microsoft.Dynamics.CRM.CreateMultipleResponse`, Ids: ids } };
};
