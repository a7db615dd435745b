/**
 * The in-memory tables. Reproduces what Dataverse maintains on every write: the primary
 * key, createdon/modifiedon (second precision, as Dataverse returns them), versionnumber
 * (which is also the ETag), statecode/statuscode and ownerid defaults, fullname for people,
 * and the tombstones that change tracking reports as deleted. Writes inside a change set
 * can be rolled back; change events are published only once their writes are committed.
 */
import { randomUUID } from "node:crypto";
import { auditValues } from "./caller";
import { createSchema, findAttribute, propertyName, type TableDefinition } from "./schema";

export type StoredRecord = Record<string, unknown>;

export type ChangeMessage = "Create" | "Update" | "Delete";

export interface ChangeEvent {
  message: ChangeMessage;
  table: TableDefinition;
  id: string;
  /** The record after the write (before it, for a delete). */
  record: StoredRecord;
  /** The record before the write (undefined for a create). */
  before?: StoredRecord;
  /** The properties the request set (for an update: only those). */
  changed: string[];
  callerId: string;
  version: number;
}

export interface Tombstone {
  table: string;
  id: string;
  version: number;
}

interface Snapshot {
  rows: Map<string, Map<string, StoredRecord>>;
  version: number;
  tombstones: Tombstone[];
}

const cloneRows = (rows: Map<string, Map<string, StoredRecord>>): Map<string, Map<string, StoredRecord>> =>
  new Map([...rows].map(([name, records]) => [name, new Map([...records].map(([id, record]) => [id, { ...record }]))]));

/** Dataverse returns date-times to the second, in UTC. */
export const toDataverseDateTime = (date: Date): string => `${date.toISOString().slice(0, 19)}Z`;

/** Query results kept at once; a handful covers every page walk a test or the benchmark has going. */
const SORTED_CACHE_SIZE = 16;

export class Store {
  readonly tables: TableDefinition[] = createSchema();
  private rows = new Map<string, Map<string, StoredRecord>>();
  version = 1_000_000;
  tombstones: Tombstone[] = [];
  /** The emulator's clock; tests replace it to put several writes into one second. */
  now: () => Date = () => new Date();
  /** The user writes are attributed to (the WhoAmI user). */
  currentUserId = "";
  /** The connection's own user while a request impersonates another (caller.ts). */
  onBehalfOfUserId?: string;
  /** Counts every change to the rows, rollbacks included, and never goes back: what a cached query result is valid for. */
  private generation = 0;
  private sortedCache = new Map<string, { generation: number; rows: StoredRecord[] }>();
  private listeners: ((event: ChangeEvent) => void)[] = [];
  private transaction?: { snapshot: Snapshot; events: ChangeEvent[] };

  constructor() {
    for (const tableDefinition of this.tables) {
      this.rows.set(tableDefinition.logicalName, new Map());
    }
  }

  addTable(tableDefinition: TableDefinition): void {
    this.tables.push(tableDefinition);
    this.rows.set(tableDefinition.logicalName, new Map());
    this.generation += 1;
  }

  bySetName(entitySetName: string): TableDefinition | undefined {
    return this.tables.find((candidate) => candidate.entitySetName === entitySetName);
  }

  byLogicalName(logicalName: string): TableDefinition | undefined {
    return this.tables.find((candidate) => candidate.logicalName === logicalName);
  }

  onChange(listener: (event: ChangeEvent) => void): () => void {
    this.listeners.push(listener);
    return () => {
      this.listeners = this.listeners.filter((candidate) => candidate !== listener);
    };
  }

  list(tableDefinition: TableDefinition): StoredRecord[] {
    return [...this.table(tableDefinition).values()];
  }

  /**
   * A query's filtered and sorted rows, kept while no row changes, so a client walking the
   * pages of a large result does not make every page filter and sort the whole table again.
   * `query` must name everything the rows depend on besides the table's contents.
   */
  sortedRows(tableDefinition: TableDefinition, query: string, build: (rows: StoredRecord[]) => StoredRecord[]): StoredRecord[] {
    const key = `${tableDefinition.logicalName}\n${query}`;
    const cached = this.sortedCache.get(key);
    if (cached?.generation === this.generation) return cached.rows;
    const rows = build(this.list(tableDefinition));
    if (this.sortedCache.size >= SORTED_CACHE_SIZE) this.sortedCache.clear();
    this.sortedCache.set(key, { generation: this.generation, rows });
    return rows;
  }

  find(tableDefinition: TableDefinition, id: string): StoredRecord | undefined {
    return this.table(tableDefinition).get(id.toLowerCase());
  }

  /** Records whose columns equal all the given values (alternate key lookups). */
  findBy(tableDefinition: TableDefinition, values: Record<string, unknown>): StoredRecord | undefined {
    return this.list(tableDefinition).find((record) =>
      Object.entries(values).every(([name, value]) => String(record[name] ?? "").toLowerCase() === String(value).toLowerCase()),
    );
  }

  create(tableDefinition: TableDefinition, values: StoredRecord, id: string = randomUUID()): StoredRecord {
    const records = this.table(tableDefinition);
    const key = id.toLowerCase();
    const now = toDataverseDateTime(this.now());
    const record: StoredRecord = {};
    for (const attribute of tableDefinition.attributes) {
      record[propertyName(attribute)] = null;
    }
    Object.assign(record, {
      statecode: findAttribute(tableDefinition, "statecode") ? 0 : undefined,
      statuscode: findAttribute(tableDefinition, "statuscode") ? 1 : undefined,
      _ownerid_value: findAttribute(tableDefinition, "ownerid") ? this.currentUserId || null : undefined,
      ...auditValues(tableDefinition, this, true),
      ...values,
      [tableDefinition.primaryIdAttribute]: key,
      createdon: values.createdon ?? now,
      modifiedon: values.modifiedon ?? now,
      versionnumber: ++this.version,
    });
    this.derive(tableDefinition, record);
    records.set(key, record);
    this.generation += 1;
    this.publish({
      message: "Create",
      table: tableDefinition,
      id: key,
      record: { ...record },
      changed: Object.keys(values),
      callerId: this.currentUserId,
      version: this.version,
    });
    return record;
  }

  update(tableDefinition: TableDefinition, id: string, values: StoredRecord): StoredRecord {
    const existing = this.find(tableDefinition, id);
    if (!existing) {
      throw new Error(`no ${tableDefinition.logicalName} ${id}`);
    }
    const before = { ...existing };
    Object.assign(existing, values, auditValues(tableDefinition, this, false), {
      modifiedon: values.modifiedon ?? toDataverseDateTime(this.now()),
      versionnumber: ++this.version,
    });
    this.derive(tableDefinition, existing);
    this.generation += 1;
    this.publish({
      message: "Update",
      table: tableDefinition,
      id: id.toLowerCase(),
      record: { ...existing },
      before,
      changed: Object.keys(values),
      callerId: this.currentUserId,
      version: this.version,
    });
    return existing;
  }

  delete(tableDefinition: TableDefinition, id: string): boolean {
    const key = id.toLowerCase();
    const existing = this.find(tableDefinition, key);
    if (!existing) {
      return false;
    }
    this.table(tableDefinition).delete(key);
    this.generation += 1;
    this.tombstones.push({ table: tableDefinition.logicalName, id: key, version: ++this.version });
    this.publish({
      message: "Delete",
      table: tableDefinition,
      id: key,
      record: { ...existing },
      before: { ...existing },
      changed: [],
      callerId: this.currentUserId,
      version: this.version,
    });
    return true;
  }

  /** Runs writes all-or-nothing, as a `$batch` change set does. */
  async atomically<T>(work: () => Promise<T>): Promise<T> {
    if (this.transaction) {
      return work();
    }
    const transaction = {
      snapshot: { rows: cloneRows(this.rows), version: this.version, tombstones: [...this.tombstones] },
      events: [] as ChangeEvent[],
    };
    this.transaction = transaction;
    try {
      const result = await work();
      this.transaction = undefined;
      transaction.events.forEach((event) => this.emit(event));
      return result;
    } catch (error) {
      this.rows = transaction.snapshot.rows;
      this.generation += 1;
      this.version = transaction.snapshot.version;
      this.tombstones = transaction.snapshot.tombstones;
      this.transaction = undefined;
      throw error;
    }
  }

  private table(tableDefinition: TableDefinition): Map<string, StoredRecord> {
    let records = this.rows.get(tableDefinition.logicalName);
    if (!records) {
      records = new Map();
      this.rows.set(tableDefinition.logicalName, records);
    }
    return records;
  }

  /** Columns Dataverse computes: a person's full name from first and last name. */
  private derive(tableDefinition: TableDefinition, record: StoredRecord): void {
    if (findAttribute(tableDefinition, "fullname") && findAttribute(tableDefinition, "lastname")) {
      const full = [record.firstname, record.lastname].filter((part) => typeof part === "string" && part).join(" ");
      record.fullname = full || record.fullname || null;
    }
    for (const name of Object.keys(record)) {
      if (record[name] === undefined) {
        delete record[name];
      }
    }
  }

  private publish(event: ChangeEvent): void {
    if (this.transaction) {
      this.transaction.events.push(event);
    } else {
      this.emit(event);
    }
  }

  private emit(event: ChangeEvent): void {
    for (const listener of this.listeners) {
      listener(event);
    }
  }
}
