import { action } from "@prismatic-io/spectral";
import { executeBatch } from "../../client";
import { atomic, batchActions, continueOnError } from "../../inputs/batch";
import { connectionInput } from "../../inputs/entities";
import { createOptionInputs, requestOptionsOf } from "../../inputs/requestOptions";
import { exampleAccount, EXAMPLE_ACCOUNT_ID } from "../examples";
import { clientFor } from "../clientFor";

const MISSING_ACCOUNT_ID = "00000000-0000-0000-0000-000000000002";

export const batchEntityActions = action({
  display: {
    label: "[CRM] Batch Entity Actions",
    description: "Perform multiple create/update/delete actions on Microsoft Dynamics 365 CRM entity records.",
  },
  inputs: { connection: connectionInput, actions: batchActions, atomic, continueOnError, ...createOptionInputs },
  perform: async (context, params) => {
    const client = clientFor(context, params.connection);
    const results = await executeBatch(client, params.actions, {
      atomic: params.atomic,
      continueOnError: params.continueOnError,
      requestOptions: requestOptionsOf(params),
      labels: { atomic: atomic.label },
    });
    const succeeded = results.filter((result) => result.success).length;
    return { data: { results, summary: { succeeded, failed: results.length - succeeded } } };
  },
  examplePayload: {
    data: {
      results: [
        { index: 0, action: "create", collection: "accounts", status: 201, success: true, id: EXAMPLE_ACCOUNT_ID, data: exampleAccount },
        {
          index: 1,
          action: "update",
          collection: "accounts",
          status: 404,
          success: false,
          id: MISSING_ACCOUNT_ID,
          error: { code: "0x80040217", message: `Entity 'account' With Id = ${MISSING_ACCOUNT_ID} Does Not Exist` },
        },
        { index: 2, action: "delete", collection: "accounts", status: 204, success: true, id: EXAMPLE_ACCOUNT_ID },
      ],
      summary: { succeeded: 2, failed: 1 },
    },
  },
});
