import { pollingTrigger } from "@prismatic-io/spectral";
import { InputError } from "../client";
import { EXAMPLE_ACCOUNT_ID, exampleAccountRow } from "../actions/examples";
import { connectionInput, entityType, fieldNames } from "../inputs/entities";
import { lookBackDate, pollingMode, showNewRecords, showUpdatedRecords } from "../inputs/polling";
import { filterExpression } from "../inputs/queries";
import { exampleTriggerPayload } from "./examples";
import { pollChangeTracking, pollModifiedOn, queryKey, type PollResult, type PollState } from "./polling";
import { clientFor } from "../actions/clientFor";

/**
 * Without a Look-back Date the first poll only sets the starting point. With one, it starts at
 * that midnight and reads nothing before it: a record created after it is reported as created,
 * one created earlier and modified since as updated.
 */
const startingState = (since: string | undefined): PollState => (since ? { watermark: since, seen: {}, floor: since, lookBack: true } : {});

export const pollChangesTrigger = pollingTrigger({
  display: {
    label: "New, Updated and Deleted Records",
    description:
      "Checks a Microsoft Dynamics 365 table on a schedule and returns the records created, updated or deleted since the last check.",
  },
  // In the order of Prismatic's component, with ours (Field Name, Mode) where they fit.
  inputs: {
    connection: connectionInput,
    entityType,
    lookBackDate,
    fieldNames,
    filterExpression,
    showNewRecords,
    showUpdatedRecords,
    mode: pollingMode,
  },
  perform: async (context, payload, params) => {
    if (params.mode === "Change Tracking" && params.filterExpression) {
      throw new InputError(
        "Filter Expression",
        "Dataverse refuses $filter together with change tracking: clear the filter, or use the Modified On mode.",
      );
    }
    const client = clientFor(context, params.connection);
    const query = { entitySetName: params.entityType, fieldNames: params.fieldNames, filterExpression: params.filterExpression };
    const key = queryKey(client.webApi.origin, params.mode, query);
    const saved = context.polling.getState() as PollState;
    const state = saved.query === key ? saved : startingState(params.lookBackDate);
    const poll = params.mode === "Change Tracking" ? pollChangeTracking : pollModifiedOn;
    const { result: found, state: next } = await poll(client, query, state);
    context.polling.setState({ ...next, query: key });
    // As in Prismatic's component the switches only choose what is reported; the position moves on either way.
    const result = {
      ...found,
      created: params.showNewRecords ? found.created : [],
      updated: params.showUpdatedRecords ? found.updated : [],
    };
    const changed = result.created.length + result.updated.length + result.deleted.length > 0;
    // Prismatic's API keys for the flow's URL are not the flow's to read.
    return { payload: { ...payload, webhookApiKeys: {}, body: { data: result } }, polledNoChanges: !changed };
  },
  examplePayload: {
    payload: {
      ...exampleTriggerPayload,
      body: {
        data: {
          mode: "Change Tracking",
          created: [exampleAccountRow],
          updated: [{ ...exampleAccountRow, name: "Contoso Pharmaceuticals", modifiedon: "2026-11-03T10:15:00Z" }],
          deleted: [EXAMPLE_ACCOUNT_ID],
          moreChanges: false,
          restarted: false,
          notice: null,
        } satisfies PollResult,
      },
    },
    polledNoChanges: false,
  },
});
