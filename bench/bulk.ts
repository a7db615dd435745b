/**
 * The bulk figure's records, limits and bound: records upserted into the emulator with service protection on,
 * scaled down in time 300 times (a 1 s window for Dataverse's 300 s: 20 requests, 4 s of combined execution
 * time, 52 concurrent), each record costing the server 0.4 ms and each request 5 ms. Half the records exist
 * before the run, so the upsert both updates and creates. Used on both sides: the parent makes the records,
 * the server process seeds the existing half and audits what was stored.
 */
import type { Emulator } from "../test/emulator/server";
import type { ServiceProtectionOptions } from "../test/emulator/serviceProtection";

export type BulkLimits = Pick<
  ServiceProtectionOptions,
  "windowMs" | "maxRequests" | "maxExecutionMs" | "maxConcurrent" | "dopHint" | "costPerRequestMs" | "costPerRecordMs"
>;

export const FULL_LIMITS: BulkLimits = {
  windowMs: 1000,
  maxRequests: 20,
  maxExecutionMs: 4000,
  maxConcurrent: 52,
  dopHint: 8,
  costPerRequestMs: 5,
  costPerRecordMs: 0.4,
};

/** Both window limits reached within half a second, so the smoke run still meets 429s. */
export const SMOKE_LIMITS: BulkLimits = { ...FULL_LIMITS, windowMs: 200, maxRequests: 10, maxExecutionMs: 800 };

/** The emulator's service protection for a run: a `$batch` operation costs what a bulk target costs. */
export const serviceProtectionOf = (limits: BulkLimits): Partial<ServiceProtectionOptions> => ({
  ...limits,
  enabled: true,
  concurrencyRetryAfterMs: 10,
  costPerOperationMs: limits.costPerRecordMs,
});

/**
 * The shortest time the limits allow for the run: the window's execution time is free at the start and
 * refills by a window's worth per window, as do its requests; every request runs for its own cost.
 */
export const boundMs = (records: number, batchSize: number, limits: BulkLimits): number => {
  const { windowMs, maxRequests, maxExecutionMs, maxConcurrent, costPerRequestMs, costPerRecordMs } = limits;
  const requests = Math.ceil(records / batchSize);
  const requestMs = costPerRequestMs + batchSize * costPerRecordMs;
  const executionMs = requests * requestMs;
  return (
    Math.max(
      ((executionMs - maxExecutionMs) / maxExecutionMs) * windowMs,
      ((requests - maxRequests) / maxRequests) * windowMs,
      executionMs / maxConcurrent,
      0,
    ) + requestMs
  );
};

export interface BulkRecord {
  id: string;
  name: string;
  accountnumber: string;
}

/** Keyed by primary key, so the emulator finds each record at once and the limits, not its lookups, bound the run. */
export const bulkRecords = (tag: number, count: number): BulkRecord[] =>
  Array.from({ length: count }, (_, index) => ({
    id: `b0${tag.toString(16).padStart(6, "0")}-0000-4000-8000-${index.toString(16).padStart(12, "0")}`,
    name: `Bulk ${tag} ${index}`,
    accountnumber: `B${tag}-${index}`,
  }));

const accounts = (emulator: Emulator) => {
  const table = emulator.store.bySetName("accounts");
  if (!table) throw new Error("the emulator has no accounts table");
  return table;
};

/** The first `existing` records, stored under another name before the run. */
export const seedExisting = (emulator: Emulator, tag: number, existing: number): void => {
  const table = accounts(emulator);
  for (const record of bulkRecords(tag, existing)) emulator.store.create(table, { name: "before the run" }, record.id);
};

/** Records whose stored name is not what was sent, and records of the run beyond the ones sent (duplicated). */
export const auditBulk = (emulator: Emulator, tag: number, count: number) => {
  const records = bulkRecords(tag, count);
  const prefix = `Bulk ${tag} `;
  const stored = emulator.store.list(accounts(emulator)).filter((record) => String(record.name).startsWith(prefix));
  const byId = new Map(stored.map((record) => [record.accountid, record.name]));
  const requests = emulator.takeRequests().length;
  return {
    notStored: records.filter((record) => byId.get(record.id) !== record.name).length,
    duplicated: stored.length - records.length + records.filter((record) => !byId.has(record.id)).length,
    requests,
    throttled: emulator.serviceProtection.refused,
  };
};
