/** The figures of the table: each measured for both clients in the same run. */
import { randomUUID } from "node:crypto";
import { type BulkLimits, boundMs, bulkRecords, FULL_LIMITS, SMOKE_LIMITS } from "./bulk";
import { type BenchClient, clientsFor, type Row } from "./clients";
import { benchAccount, cannedBatchResponse, cannedId } from "./canned";
import { withCannedTransport } from "./inMemory";
import { median, mediansInTurns, type Sample, timed, withPeakHeap } from "./measure";
import type { EmulatorAddress, Servers } from "./servers";

export interface Sizes {
  batchOperations: number;
  batchRuns: number;
  actionRuns: number;
  pagedRecords: number;
  pagingRuns: number;
  throttledCreates: number;
  throttleLimit: number;
  throttleWindowMs: number;
  requireRuns: number;
  /** Records our bulk upsert writes; dynamics-web-api, slower, writes `bulkTheirRecords`. */
  bulkRecords: number;
  bulkTheirRecords: number;
  bulkBatchSize: number;
  bulkLimits: BulkLimits;
}

export const FULL: Sizes = {
  batchOperations: 1000,
  batchRuns: 15,
  actionRuns: 200,
  pagedRecords: 50_000,
  pagingRuns: 3,
  throttledCreates: 200,
  throttleLimit: 25,
  throttleWindowMs: 250,
  requireRuns: 9,
  bulkRecords: 100_000,
  bulkTheirRecords: 20_000,
  bulkBatchSize: 1000,
  bulkLimits: FULL_LIMITS,
};

export const SMOKE: Sizes = {
  batchOperations: 50,
  batchRuns: 2,
  actionRuns: 5,
  pagedRecords: 6000,
  pagingRuns: 1,
  throttledCreates: 12,
  throttleLimit: 4,
  throttleWindowMs: 40,
  requireRuns: 2,
  bulkRecords: 3000,
  bulkTheirRecords: 1000,
  bulkBatchSize: 100,
  bulkLimits: SMOKE_LIMITS,
};

/** One client's figures, by name. */
export type Measured = Record<string, number>;

/** Each operation's id as the canned answer gives it, in order: the client read that answer, not another server's. */
const checkBatch = (client: BenchClient, ids: (string | undefined)[], expected: number): void => {
  const right = ids.filter((id, index) => id === cannedId(index)).length;
  if (ids.length !== expected || right !== expected) {
    throw new Error(`${client.name}: the change set reported ${right} of the ${expected} canned ids (${ids.length} results)`);
  }
};

const records = (count: number): Row[] => Array.from({ length: count }, (_, index) => benchAccount(index));

/** Both clients' figures for one measurement, ours first. */
export interface Pair {
  ours: Measured;
  theirs: Measured;
}

const pairOf = ([ours, theirs]: Sample[]): Pair => ({ ours: { ...ours }, theirs: { ...theirs } });

/** Each client's change set, checked once, then timed in turns. */
const changeSetsInTurns = async (clients: BenchClient[], sizes: Sizes, checkSent: (client: BenchClient) => Promise<void>) => {
  const input = records(sizes.batchOperations);
  for (const client of clients) await checkSent(client);
  // The warm-up is as long as the measurement: a change set is large, and JIT and heap settle slowly.
  return pairOf(
    await mediansInTurns(
      sizes.batchRuns,
      sizes.batchRuns,
      clients.map((client) => () => client.createInChangeSet(input)),
    ),
  );
};

/** The change set built and its answer read with no network at all. */
export const batchInMemory = async (clients: BenchClient[], sizes: Sizes): Promise<Pair> => {
  const canned = cannedBatchResponse("http://127.0.0.1:9", sizes.batchOperations);
  const answer = { status: 200, headers: { "content-type": canned.contentType, "odata-version": "4.0" }, body: canned.text };
  const input = records(sizes.batchOperations);
  return withCannedTransport(answer, (answered) =>
    changeSetsInTurns(clients, sizes, async (client) => {
      const before = answered();
      checkBatch(client, await client.createInChangeSet(input), sizes.batchOperations);
      const sent = answered() - before;
      if (sent !== 1) throw new Error(`${client.name}: the change set sent ${sent} requests through the canned transport, not 1`);
    }),
  );
};

/** The change set sent to a canned `$batch` server in the other process. */
export const batchEndToEnd = (clients: BenchClient[], sizes: Sizes): Promise<Pair> => {
  const input = records(sizes.batchOperations);
  return changeSetsInTurns(clients, sizes, async (client) =>
    checkBatch(client, await client.createInChangeSet(input), sizes.batchOperations),
  );
};

const ACTIONS = ["create", "get", "update", "delete"] as const;
type ActionName = (typeof ACTIONS)[number];

/** create → get → update → delete of one record, over and over, the clients in turns; each step timed on its own. */
export const perAction = async (clients: BenchClient[], servers: Servers, sizes: Sizes): Promise<Pair> => {
  const samples = clients.map((): Record<ActionName, Sample[]> => ({ create: [], get: [], update: [], delete: [] }));
  const requests = clients.map((): Record<string, number> => ({}));
  const warmup = Math.max(2, Math.floor(sizes.actionRuns / 10));
  for (let run = 0; run < warmup + sizes.actionRuns; run += 1) {
    for (const [which, client] of clients.entries()) {
      const step = async <T>(name: ActionName, work: () => Promise<T>): Promise<T> => {
        await servers.send<number>({ op: "requests" });
        const { sample, result } = await timed(work);
        const sent = await servers.send<number>({ op: "requests" });
        if (run >= warmup) {
          samples[which][name].push(sample);
          requests[which][name] = (requests[which][name] ?? 0) + sent;
        }
        return result;
      };
      const id = await step("create", () => client.create({ name: `Bench action ${run}`, revenue: run }));
      await step("get", () => client.get(id));
      await step("update", () => client.update(id, { revenue: run + 1 }));
      await step("delete", () => client.remove(id));
    }
  }
  const [ours, theirs] = clients.map((_, which) => {
    const figures: Measured = {};
    for (const name of ACTIONS) {
      figures[`${name}Ms`] = median(samples[which][name].map((sample) => sample.wallMs));
      figures[`${name}CpuMs`] = median(samples[which][name].map((sample) => sample.cpuMs));
      figures[`${name}Requests`] = requests[which][name] / sizes.actionRuns;
    }
    return figures;
  });
  return { ours, theirs };
};

const rowsFigures = async (servers: Servers, sizes: Sizes, run: () => Promise<Row[]>): Promise<Measured> => {
  await run();
  const walls: number[] = [];
  const cpus: number[] = [];
  const heaps: number[] = [];
  let rows: Row[] = [];
  let requests = 0;
  for (let index = 0; index < sizes.pagingRuns; index += 1) {
    await servers.send({ op: "requests" });
    const { result, peakHeapMb } = await withPeakHeap(() => timed(run));
    requests = await servers.send<number>({ op: "requests" });
    rows = result.result;
    walls.push(result.sample.wallMs);
    cpus.push(result.sample.cpuMs);
    heaps.push(peakHeapMb);
  }
  const wallMs = median(walls);
  const cpuMs = median(cpus);
  const ids = rows.map((row) => String(row.accountid));
  return {
    wallMs,
    cpuMs,
    clientShare: cpuMs / wallMs,
    requests,
    rows: rows.length,
    distinctIds: new Set(ids).size,
    peakHeapMb: median(heaps),
  };
};

export const fetchAll = (client: BenchClient, servers: Servers, sizes: Sizes): Promise<Measured> =>
  rowsFigures(servers, sizes, () => client.fetchAll(["name", "accountnumber", "revenue"]));

export const FETCH_XML =
  '<fetch count="5000"><entity name="account"><attribute name="name" /><attribute name="accountnumber" /><attribute name="revenue" /><order attribute="name" /></entity></fetch>';

export const fetchXmlAll = (client: BenchClient, servers: Servers, sizes: Sizes): Promise<Measured> =>
  rowsFigures(servers, sizes, () => client.fetchXmlAll(FETCH_XML));

/** Creates one after another through the throttling front; a create that fails is counted, not repeated. */
export const throttledCreates = async (client: BenchClient, servers: Servers, sizes: Sizes): Promise<Measured> => {
  const prefix = `Throttled ${client.name} ${randomUUID()}`;
  await servers.send({ op: "newWindow" });
  const before = await servers.send<{ forwarded: number; throttled: number }>({ op: "throttled" });
  let completed = 0;
  const { sample } = await timed(async () => {
    for (let index = 0; index < sizes.throttledCreates; index += 1) {
      try {
        await client.create({ name: `${prefix} ${index}` });
        completed += 1;
      } catch {
        // A failed create is what this figure counts.
      }
    }
  });
  const after = await servers.send<{ forwarded: number; throttled: number }>({ op: "throttled" });
  const { records: stored, distinct } = await servers.send<{ records: number; distinct: number }>({ op: "names", prefix });
  const sent = after.forwarded + after.throttled - before.forwarded - before.throttled;
  return {
    completed,
    failed: sizes.throttledCreates - completed,
    throttled: after.throttled - before.throttled,
    retries: sent - sizes.throttledCreates,
    duplicates: stored - distinct,
    stored,
    wallMs: sample.wallMs,
  };
};

/**
 * One client's bulk upsert into a fresh emulator with service protection on (in the server process), half of
 * the records there before the run: records per second, its share of the bound the limits allow, and what
 * the emulator holds afterwards. `lost` are records neither stored as sent nor reported not written.
 */
export const bulkUpsert = async (which: 0 | 1, servers: Servers, sizes: Sizes, count: number): Promise<Measured> => {
  const tag = which + 1;
  const address = await servers.send<EmulatorAddress>({ op: "bulkEmulator", limits: sizes.bulkLimits, tag, existing: count / 2 });
  const client = clientsFor(address)[which];
  const input = bulkRecords(tag, count);
  const { sample, result } = await timed(() => client.upsertAll(input, sizes.bulkBatchSize));
  const audit = await servers.send<{ notStored: number; duplicated: number; requests: number; throttled: number }>({
    op: "bulkAudit",
    tag,
    count,
  });
  const perSecond = count / (sample.wallMs / 1000);
  const bound = count / (boundMs(count, sizes.bulkBatchSize, sizes.bulkLimits) / 1000);
  return {
    recordsPerSecond: perSecond,
    boundShare: (perSecond / bound) * 100,
    bound,
    wallMs: sample.wallMs,
    cpuPer1000Ms: (sample.cpuMs / count) * 1000,
    requests: audit.requests,
    throttled: audit.throttled,
    failed: result.failed,
    lost: Math.max(0, audit.notStored - result.failed),
    duplicated: audit.duplicated,
  };
};
