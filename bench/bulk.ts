/**
 * 100,000 records upserted into the emulator with service protection on, scaled down in time 300 times
 * (a 1 s window for Dataverse's 300 s: 20 requests, 4 s of combined execution time, 52 concurrent), each
 * record costing the server 0.4 ms and each request 5 ms. The figure is records per second and its share
 * of the emulator's theoretical bound under those limits; beside it, dynamics-web-api doing the same work
 * its best way (consecutive 1000-operation `$batch` change sets, one at a time), on a fifth of the records
 * as it is slower, when the package is installed.
 */
import { randomUUID } from "node:crypto";
import type { Connection } from "@prismatic-io/spectral";
import { createDataverseClient, runBulk } from "../src/client";
import { startEmulator, type Emulator } from "../test/emulator/server";
import type { ServiceProtectionOptions } from "../test/emulator/serviceProtection";

export interface BenchRow {
  name: string;
  value: number | string;
  unit?: string;
}

const RECORDS = 100_000;
/** Half exist before the run, so the upsert both updates and creates. */
const EXISTING = RECORDS / 2;
const BATCH_SIZE = 1000;
const DYNAMICS_WEB_API_RECORDS = RECORDS / 5;

const LIMITS: Partial<ServiceProtectionOptions> = {
  enabled: true,
  windowMs: 1000,
  maxRequests: 20,
  maxExecutionMs: 4000,
  maxConcurrent: 52,
  dopHint: 8,
  concurrencyRetryAfterMs: 10,
  costPerRequestMs: 5,
  costPerRecordMs: 0.4,
  costPerOperationMs: 0.4,
};

/**
 * The shortest time the limits allow for the run: the window's execution time is free at the start and
 * refills by a window's worth per window, as do its requests; every request runs for its own cost.
 */
const boundMs = (records: number, batchSize: number, limits: Partial<ServiceProtectionOptions>): number => {
  const { windowMs = 0, maxRequests = 1, maxExecutionMs = 1, maxConcurrent = 1, costPerRequestMs = 0, costPerRecordMs = 0 } = limits;
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

const connectionTo = (emulator: Emulator): Connection =>
  ({
    key: "bench",
    configVarKey: "bench",
    fields: { webApiUrl: emulator.url },
    token: { access_token: emulator.accessToken },
  }) as Connection;

const benchAccounts = (emulator: Emulator, prefix: string) =>
  emulator.store.list(emulator.store.bySetName("accounts")!).filter((record) => String(record.name).startsWith(prefix));

/** Upserts keyed by primary key, so the emulator finds each record at once and the limits, not its lookups, bound the run. */
const makeRecords = (count: number, prefix: string) =>
  Array.from({ length: count }, (_, index) => ({ id: randomUUID(), name: `${prefix} ${index}`, accountnumber: `${prefix}-${index}` }));

/** Records whose name is not what was sent (lost), and records of the run beyond the ones sent (duplicated). */
const audit = (emulator: Emulator, prefix: string, records: { id: string; name: string }[]) => {
  const stored = benchAccounts(emulator, prefix);
  const byId = new Map(stored.map((record) => [record.accountid, record.name]));
  return { lost: records.filter((record) => byId.get(record.id) !== record.name).length, duplicated: stored.length - records.length };
};

const ours = async (): Promise<BenchRow[]> => {
  const emulator = await startEmulator({ seed: false, serviceProtection: LIMITS });
  try {
    const records = makeRecords(RECORDS, "Bulk");
    const accounts = emulator.store.bySetName("accounts")!;
    records.slice(0, EXISTING).forEach((record) => emulator.store.create(accounts, { name: "before the run" }, record.id));
    const result = await runBulk(createDataverseClient(connectionTo(emulator)), {
      message: "UpsertMultiple",
      entitySetName: "accounts",
      records: records.map((record) => ({ "@odata.id": `accounts(${record.id})`, name: record.name, accountnumber: record.accountnumber })),
      startIndex: 0,
      batchSize: BATCH_SIZE,
      maxDurationMs: 600_000,
    });
    const perSecond = RECORDS / (result.elapsedMs / 1000);
    const bound = RECORDS / (boundMs(RECORDS, BATCH_SIZE, LIMITS) / 1000);
    const { lost, duplicated } = audit(emulator, "Bulk", records);
    return [
      { name: "upsert 100k: records/s", value: Math.round(perSecond), unit: "records/s" },
      { name: "upsert 100k: share of the limits' bound", value: Math.round((perSecond / bound) * 100), unit: "%" },
      { name: "upsert 100k: theoretical bound", value: Math.round(bound), unit: "records/s" },
      { name: "upsert 100k: requests", value: result.requests },
      { name: "upsert 100k: 429s", value: result.throttled },
      { name: "upsert 100k: not Upserted", value: RECORDS - result.counts.Upserted },
      { name: "upsert 100k: lost", value: lost },
      { name: "upsert 100k: duplicated", value: duplicated },
    ];
  } finally {
    await emulator.stop();
  }
};

interface DynamicsWebApiLike {
  startBatch(): void;
  upsert(request: { collection: string; key: string; data: Record<string, unknown> }): Promise<unknown>;
  executeBatch(request?: { inChangeSet?: boolean }): Promise<unknown[]>;
}

type DynamicsWebApiClass = new (config: { serverUrl: string; onTokenRefresh: () => Promise<string> }) => DynamicsWebApiLike;

const loadDynamicsWebApi = (): DynamicsWebApiClass | undefined => {
  try {
    return (require("dynamics-web-api") as { DynamicsWebApi: DynamicsWebApiClass }).DynamicsWebApi;
  } catch {
    return undefined;
  }
};

const theirs = async (DynamicsWebApi: DynamicsWebApiClass): Promise<BenchRow[]> => {
  const emulator = await startEmulator({ seed: false, serviceProtection: LIMITS });
  try {
    const records = makeRecords(DYNAMICS_WEB_API_RECORDS, "Dwa");
    const api = new DynamicsWebApi({ serverUrl: `${emulator.url}/`, onTokenRefresh: async () => emulator.accessToken });
    let failures = 0;
    const began = Date.now();
    for (let start = 0; start < records.length; start += BATCH_SIZE) {
      api.startBatch();
      for (const record of records.slice(start, start + BATCH_SIZE)) {
        api.upsert({ collection: "accounts", key: record.id, data: { name: record.name, accountnumber: record.accountnumber } });
      }
      try {
        await api.executeBatch({ inChangeSet: true });
      } catch {
        failures += Math.min(BATCH_SIZE, records.length - start);
      }
    }
    const perSecond = records.length / ((Date.now() - began) / 1000);
    const { lost, duplicated } = audit(emulator, "Dwa", records);
    return [
      { name: `dynamics-web-api upsert ${records.length / 1000}k: records/s`, value: Math.round(perSecond), unit: "records/s" },
      { name: `dynamics-web-api upsert ${records.length / 1000}k: failed records`, value: failures },
      { name: `dynamics-web-api upsert ${records.length / 1000}k: lost`, value: lost },
      { name: `dynamics-web-api upsert ${records.length / 1000}k: duplicated`, value: duplicated },
    ];
  } finally {
    await emulator.stop();
  }
};

export const bulkBench = async (): Promise<BenchRow[]> => {
  const rows = await ours();
  const DynamicsWebApi = loadDynamicsWebApi();
  return DynamicsWebApi ? [...rows, ...(await theirs(DynamicsWebApi))] : [...rows, { name: "dynamics-web-api", value: "not installed" }];
};
