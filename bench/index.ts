/**
 * `npm run bench`: our component against dynamics-web-api 2.5.0, side by side in one run.
 * Prints one table and writes bench/results.json. `npm run bench -- --smoke` (or BENCH_SMOKE=1)
 * runs every figure at tiny sizes, as CI does, and writes bench/results.smoke.json instead.
 * `--only=batch,actions,paging,throttling,bulk,bundle` measures only those groups (and writes no file).
 * A figure that cannot be measured, or a check of ours that fails (a record lost or duplicated, a
 * row missing), makes the run exit non-zero, after the table.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildYardstick, bundleFigures, ensureBuilt, OUR_BUNDLE } from "./bundle";
import { type BenchClient, clientsFor } from "./clients";
import * as figures from "./figures";
import { machine } from "./measure";
import { type EmulatorAddress, Servers } from "./servers";
import { type Row, tableOf } from "./table";

const smoke = process.argv.includes("--smoke") || process.env.BENCH_SMOKE === "1";
const sizes = smoke ? figures.SMOKE : figures.FULL;
const only = process.argv
  .find((arg) => arg.startsWith("--only="))
  ?.slice("--only=".length)
  .split(",");
const wanted = (group: string): boolean => !only || only.includes(group);

const log = (text: string): void => {
  process.stderr.write(`${text}\n`);
};

/** Both clients' figures for one measurement, ours first. */
const both = async (label: string, clients: BenchClient[], measure: (client: BenchClient) => Promise<figures.Measured>) => {
  log(`… ${label}`);
  const [ours, theirs] = [await measure(clients[0]), await measure(clients[1])];
  return { ours, theirs };
};

/** What our client must get right in every run, whatever the timings: each broken one fails the run. */
const problems: string[] = [];
const check = (holds: boolean, problem: string): void => {
  if (!holds) problems.push(problem);
};

const run = async (servers: Servers): Promise<Row[]> => {
  const rows: Row[] = [];
  const add = (figure: string, unit: string, pair: figures.Pair, key: string, compare = true) =>
    rows.push({ figure, unit, ours: pair.ours[key], theirs: pair.theirs[key], compare });
  const ops = sizes.batchOperations;

  const emulator = await servers.send<EmulatorAddress>({ op: "emulator" });
  const clients = clientsFor(emulator);
  const cannedUrl = await servers.send<string>({ op: "canned", operations: ops });
  const cannedClients = clientsFor({ ...emulator, url: cannedUrl });

  if (wanted("batch")) {
    log("… $batch in memory");
    const inMemory = await figures.batchInMemory(clients, sizes);
    add(`${ops}-operation change set, build + parse in memory: CPU`, "ms", inMemory, "cpuMs");
    log("… $batch end to end");
    const endToEnd = await figures.batchEndToEnd(cannedClients, sizes);
    add(`${ops}-operation change set, end to end (canned server): wall`, "ms", endToEnd, "wallMs");
    add(`${ops}-operation change set, end to end: client CPU`, "ms", endToEnd, "cpuMs");
  }
  if (wanted("actions")) {
    log("… per action");
    const actions = await figures.perAction(clients, servers, sizes);
    for (const name of ["create", "get", "update", "delete"]) {
      add(`${name} (emulator): wall per action`, "ms", actions, `${name}Ms`);
      add(`${name}: client CPU per action`, "ms", actions, `${name}CpuMs`);
      add(`${name}: requests per action`, "", actions, `${name}Requests`);
    }
  }
  if (wanted("paging")) {
    // The emulator's own seed accounts come on top of the benchmark's.
    const stored = await servers.send<number>({ op: "seed", count: sizes.pagedRecords });
    const records = stored.toLocaleString("en-US");
    for (const [label, measure] of [
      [`Fetch All, ${records} records`, figures.fetchAll],
      [`FetchXML Fetch All, ${records} rows`, figures.fetchXmlAll],
    ] as const) {
      const paged = await both(label, clients, (client) => measure(client, servers, sizes));
      add(`${label}: wall`, "ms", paged, "wallMs");
      add(`${label}: client CPU`, "ms", paged, "cpuMs");
      add(
        `${label}: client share of wall time`,
        "%",
        { ours: { v: paged.ours.clientShare * 100 }, theirs: { v: paged.theirs.clientShare * 100 } },
        "v",
      );
      add(`${label}: requests`, "", paged, "requests", false);
      add(`${label}: rows returned`, "", paged, "rows", false);
      add(`${label}: distinct ids`, "", paged, "distinctIds", false);
      add(`${label}: peak heap`, "MB", paged, "peakHeapMb");
      check(
        paged.ours.rows === stored && paged.ours.distinctIds === stored,
        `${label}: ours returned ${paged.ours.distinctIds} distinct of ${stored}`,
      );
    }
  }
  if (wanted("throttling")) {
    const frontUrl = await servers.send<string>({ op: "throttle", limit: sizes.throttleLimit, windowMs: sizes.throttleWindowMs });
    const throttledClients = clientsFor({ ...emulator, url: frontUrl });
    const throttled = await both("throttled creates", throttledClients, (client) => figures.throttledCreates(client, servers, sizes));
    const creates = `${sizes.throttledCreates} creates, throttled to ${sizes.throttleLimit} per ${sizes.throttleWindowMs} ms`;
    add(`${creates}: completed`, "", throttled, "completed", false);
    add(`${creates}: failed`, "", throttled, "failed", false);
    add(`${creates}: retries`, "", throttled, "retries", false);
    add(`${creates}: duplicates`, "", throttled, "duplicates", false);
    add(`${creates}: time`, "ms", throttled, "wallMs", false);
    check(
      throttled.ours.completed === sizes.throttledCreates && throttled.ours.duplicates === 0,
      `${creates}: ours did not complete each once`,
    );
  }
  if (wanted("bulk")) {
    log("… bulk upsert under service protection");
    const bulk = {
      ours: await figures.bulkUpsert(0, servers, sizes, sizes.bulkRecords),
      theirs: await figures.bulkUpsert(1, servers, sizes, sizes.bulkTheirRecords),
    };
    const [ourCount, theirCount] = [sizes.bulkRecords, sizes.bulkTheirRecords].map((count) => count.toLocaleString("en-US"));
    const upsert = `bulk upsert under service protection (ours ${ourCount} records, theirs ${theirCount})`;
    add(`${upsert}: records/s`, "", bulk, "recordsPerSecond");
    add(`${upsert}: share of the limits' bound`, "%", bulk, "boundShare", false);
    add(`${upsert}: the limits' bound`, "", bulk, "bound", false);
    add(`${upsert}: time`, "ms", bulk, "wallMs", false);
    add(`${upsert}: client CPU per 1,000 records`, "ms", bulk, "cpuPer1000Ms");
    add(`${upsert}: requests (429s included)`, "", bulk, "requests", false);
    add(`${upsert}: 429s`, "", bulk, "throttled", false);
    add(`${upsert}: reported not written`, "", bulk, "failed", false);
    add(`${upsert}: lost`, "", bulk, "lost", false);
    add(`${upsert}: duplicated`, "", bulk, "duplicated", false);
    const { failed, lost, duplicated } = bulk.ours;
    check(failed + lost + duplicated === 0, `${upsert}: ours left ${failed} not written, ${lost} lost, ${duplicated} duplicated`);
  }
  if (!wanted("bundle")) return rows;

  log("… bundles");
  const yardstick = await buildYardstick();
  const [ours, theirs] = bundleFigures([OUR_BUNDLE, yardstick], sizes.requireRuns);
  const bundles = { ours, theirs };
  add("bundle: dist/index.js vs the yardstick", "B", bundles, "bytes");
  add("bundle, gzipped", "B", bundles, "gzipBytes");
  add("cold require of the bundle", "ms", bundles, "coldRequireMs");
  return rows;
};

const main = async (): Promise<void> => {
  const before = machine();
  log("… building dist/index.js if it is older than its sources");
  await ensureBuilt();
  const servers = Servers.start();
  let rows: Row[];
  try {
    rows = await run(servers);
  } finally {
    await servers.stop();
  }
  const command = `npm run bench${smoke ? " -- --smoke" : ""}`;
  const results = { command, date: new Date().toISOString(), smoke, machine: before, sizes, figures: rows };
  if (!only) writeFileSync(join(__dirname, smoke ? "results.smoke.json" : "results.json"), `${JSON.stringify(results, null, 2)}\n`);
  const { cores, node, cpu, loadAverage } = results.machine;
  console.log(`${command} · ${cores} cores (${cpu}) · load average ${loadAverage.join(", ")} · Node ${node} · medians after warm-up`);
  console.log(tableOf(rows));
  if (problems.length) throw new Error(problems.join("; "));
};

main().catch((error: Error) => {
  console.error(`Benchmark failed: ${error.stack ?? error.message}`);
  process.exit(1);
});
