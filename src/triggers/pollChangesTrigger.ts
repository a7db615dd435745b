import { pollingTrigger } from "@prismatic-io/spectral";
import { InputError } from "../client";
import { exampleAccount, EXAMPLE_ACCOUNT_ID } from "../actions/examples";
import { connectionInput, entityType, fieldNames } from "../inputs/entities";
import { pollingMode } from "../inputs/polling";
import { filterExpression } from "../inputs/queries";
import { exampleTriggerPayload } from "./examples";
import { pollChangeTracking, pollModifiedOn, queryKey, type PollResult, type PollState } from "./polling";
import { clientFor } from "../actions/clientFor";

export const pollChangesTrigger = pollingTrigger({
  display: {
    label: "New, Updated and Deleted Records",
    description:
      "Checks a Microsoft Dynamics 365 table on a schedule and returns the records created, updated or deleted since the last check.",
  },
  inputs: { connection: connectionInput, entityType, fieldNames, filterExpression, mode: pollingMode },
  perform: async (context, payload, params) => {
    if (params.mode === "Change Tracking" && params.filterExpression) {
      throw new InputError(
        "Filter Expression",
        "Dataverse refuses $filter together with change tracking: clear the filter, or use the Modified On mode.",
      );
    }
    const client = clientFor(context, params.connection);
    const query = { entityType: params.entityType, fieldNames: params.fieldNames, filterExpression: params.filterExpression };
    const key = queryKey(client.webApi.origin, params.mode, query);
    const saved = context.polling.getState() as PollState;
    const state = saved.query === key ? saved : {};
    const poll = params.mode === "Change Tracking" ? pollChangeTracking : pollModifiedOn;
    const { result, state: next } = await poll(client, query, state);
    context.polling.setState({ ...next, query: key });
    const changed = result.created.length + result.updated.length + result.deleted.length > 0;
    return { payload: { ...payload, body: { data: result } }, polledNoChanges: !changed };
  },
  examplePayload: {
    payload: {
      ...exampleTriggerPayload,
      body: {
        data: {
          mode: "Change Tracking",
          created: [exampleAccount],
          updated: [{ ...exampleAccount, name: "Contoso Pharmaceuticals", modifiedon: "2026-11-03T10:15:00Z" }],
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
