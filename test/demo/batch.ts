/**
 * Batch Entity Actions and a paged FetchXML query over the records the batch made: three
 * accounts and an update in one `$batch`, the query two records a page, then one `$batch` deleting them.
 */
import { randomUUID } from "node:crypto";
import { created, deleted, step, type Demo } from "./harness";

interface BatchResult {
  results: { index: number; action: string; success: boolean; error?: { code: string; message: string } }[];
  summary: { succeeded: number; failed: number };
}

/** A batch reports each action's own outcome instead of failing; the demo wants them all to work. */
const summarize = (data: BatchResult): string => {
  const failure = data.results.find((result) => !result.success);
  if (failure) throw new Error(`action ${failure.index} (${failure.action}) failed: ${failure.error?.message}`);
  const counts = new Map<string, number>();
  data.results.forEach((result) => counts.set(result.action, (counts.get(result.action) ?? 0) + 1));
  const actions = [...counts].map(([action, count]) => `${count} ${action}`).join(" + ");
  return `${actions}: ${data.summary.succeeded} succeeded, ${data.summary.failed} failed`;
};

export const batchCreate = async (demo: Demo): Promise<string[]> => {
  // A create chooses its record's id through the id column, so the update in the same batch can name it.
  const ids = [randomUUID(), randomUUID(), randomUUID()];
  const creates = ids.map((accountid, index) => ({
    collection: "accounts",
    action: "create",
    data: { accountid, name: `Demo Batch ${index + 1} ${demo.suffix}`, accountnumber: `DEMO-${demo.suffix}-${index + 1}` },
  }));
  const update = { collection: "accounts", action: "update", key: ids[0], data: { revenue: 42000 } };
  ids.forEach((id) => created(demo, "accounts", id));
  await step(
    "[CRM] Batch Entity Actions",
    "batchEntityActions",
    {
      connection: demo.connection,
      actions: JSON.stringify([...creates, update]),
      atomic: false,
      continueOnError: true,
    },
    summarize,
  );
  return ids;
};

export const fetchXmlQuery = (demo: Demo): Promise<unknown> => {
  const xmlQuery = `<fetch count="2">
  <entity name="account">
    <attribute name="name" />
    <filter><condition attribute="accountnumber" operator="like" value="DEMO-${demo.suffix}-%" /></filter>
    <order attribute="accountnumber" />
  </entity>
</fetch>`;
  return step(
    "[CRM] Run Fetch XML Query",
    "fetchXml",
    { connection: demo.connection, entityType: "accounts", xmlQuery, fetchAll: true },
    (data) =>
      `${data.value.length} records in ${data.pageNumber} pages of 2 (Fetch All): ${data.value.map((record: any) => `"${record.name}"`).join(", ")}`,
  );
};

export const batchDelete = async (demo: Demo, ids: string[]): Promise<void> => {
  const deletes = ids.map((key) => ({ collection: "accounts", action: "delete", key }));
  await step(
    "[CRM] Batch Entity Actions",
    "batchEntityActions",
    { connection: demo.connection, actions: JSON.stringify(deletes), atomic: false, continueOnError: true },
    summarize,
  );
  ids.forEach((id) => deleted(demo, "accounts", id));
};
