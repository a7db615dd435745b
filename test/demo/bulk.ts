/**
 * The bulk actions and Query Entities by URL: 250 accounts created in chunks of 100 sent
 * in parallel, renamed with Update Multiple, one more upserted by alternate key (UpsertMultiple returns no id for it), read back
 * with one OData query, then deleted in one `$batch`.
 */
import { created, deleted, step, type Demo } from "./harness";

interface BulkResult {
  results: { index: number; id?: string; outcome: string; error?: { message: string } }[];
  counts: Record<string, number>;
  requests: number;
  throttled: number;
  sentAs: string;
}

const COUNT = 250;

/** Every record must have been written; the demo fails on the first that was not. */
const summarize = (data: BulkResult): string => {
  const failure = data.results.find((result) => !["Created", "Updated", "Upserted"].includes(result.outcome));
  if (failure) throw new Error(`record ${failure.index} ${failure.outcome}: ${failure.error?.message}`);
  const done = Object.entries(data.counts).filter(([, count]) => count > 0);
  return `${done.map(([outcome, count]) => `${count} ${outcome}`).join(", ")} as ${data.sentAs} in ${data.requests} requests (${data.throttled} throttled)`;
};

export const bulkWrites = async (demo: Demo): Promise<void> => {
  const { connection, suffix } = demo;
  const records = Array.from({ length: COUNT }, (_, index) => ({ name: `Demo Bulk ${index} ${suffix}` }));
  const creates: BulkResult = await step(
    "[CRM] Create Multiple Records",
    "createMultiple",
    { connection, entityType: "accounts", records: JSON.stringify(records), batchSize: "100" },
    summarize,
  );
  const ids = creates.results.map((result) => result.id as string);
  ids.forEach((id) => created(demo, "accounts", id));
  const renamed = ids.map((accountid, index) => ({ accountid, name: `Demo Bulk ${index} ${suffix} (renamed)` }));
  await step(
    "[CRM] Update Multiple Records",
    "updateMultiple",
    { connection, entityType: "accounts", records: JSON.stringify(renamed), batchSize: "100" },
    summarize,
  );
  const upsertKey = `accountnumber='BULK-${suffix}'`;
  created(demo, "accounts", upsertKey);
  await step(
    "[CRM] Upsert Multiple Records",
    "upsertMultiple",
    {
      connection,
      entityType: "accounts",
      records: JSON.stringify([{ "@odata.id": `accounts(${upsertKey})`, name: `Demo Bulk upserted ${suffix}` }]),
    },
    summarize,
  );
  await step(
    "[CRM] Query Entities by URL",
    "queryEntitiesByUrl",
    {
      connection,
      odataQuery: `accounts?$select=name&$filter=startswith(name,'Demo Bulk ') and endswith(name,'${suffix} (renamed)')&$count=true`,
      fetchAll: true,
    },
    (data) => {
      if (data.value.length !== COUNT) throw new Error(`expected ${COUNT} renamed accounts, found ${data.value.length}`);
      return `${data.value.length} renamed accounts read back in one query`;
    },
  );
  const all = [...ids, upsertKey];
  await step(
    "[CRM] Batch Entity Actions",
    "batchEntityActions",
    { connection, actions: JSON.stringify(all.map((key) => ({ collection: "accounts", action: "delete", key }))), continueOnError: true },
    (data) => `${data.summary.succeeded} deleted, ${data.summary.failed} failed`,
  );
  all.forEach((id) => deleted(demo, "accounts", id));
};
