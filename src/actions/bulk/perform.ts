import type { ActionContext, Connection } from "@prismatic-io/spectral";
import { runBulk, type BulkMessage, type BulkResult } from "../../client";
import { connectionInput } from "../../inputs/entities";
import { batchSize, bulkEntityType, bulkLabels, maxDurationSeconds, maxParallelism, startIndex } from "../../inputs/bulk";
import { bypassBusinessLogic } from "../../inputs/requestOptions";
import { clientFor } from "../clientFor";
import { EXAMPLE_ACCOUNT_ID } from "../examples";

export interface BulkParams {
  connection: Connection;
  entityType: string;
  records: unknown[];
  batchSize: number;
  maxParallelism?: number;
  startIndex: number;
  maxDurationSeconds: number;
  bypassBusinessLogic?: string;
}

/** The inputs the three actions share, around each one's own Records input. */
export const bulkInputs = <T>(records: T) => ({
  connection: connectionInput,
  entityType: bulkEntityType,
  records,
  batchSize,
  maxParallelism,
  startIndex,
  maxDurationSeconds,
  bypassBusinessLogic,
});

export const performBulk = async (context: ActionContext, message: BulkMessage, params: BulkParams): Promise<{ data: BulkResult }> => ({
  data: await runBulk(clientFor(context, params.connection), {
    message,
    entitySetName: params.entityType,
    records: params.records,
    startIndex: params.startIndex,
    batchSize: params.batchSize,
    maxParallelism: params.maxParallelism,
    maxDurationMs: params.maxDurationSeconds * 1000,
    bypassBusinessLogic: params.bypassBusinessLogic,
    labels: bulkLabels,
  }),
});

const nameTooLong = (message: BulkMessage) => ({
  code: "0x80044331",
  message: `Dataverse answered 400 for POST accounts/Microsoft.Dynamics.CRM.${message}: A validation error occurred. The length of the 'name' attribute of the 'account' entity exceeded the maximum allowed length of '160'. (code 0x80044331)`,
});

/** One written record and one refused, as a run that finished reports them. */
export const exampleBulkResult = (message: BulkMessage, outcome: "Created" | "Updated" | "Upserted"): { data: BulkResult } => ({
  data: {
    results: [
      { index: 0, id: EXAMPLE_ACCOUNT_ID, success: true, outcome },
      { index: 1, success: false, outcome: "Failed", error: nameTooLong(message) },
    ],
    counts: { Created: 0, Updated: 0, Upserted: 0, Failed: 1, OutcomeUnknown: 0, NotStarted: 0, [outcome]: 1 },
    requests: 4,
    throttled: 0,
    elapsedMs: 412,
    sentAs: message,
  },
});
