import { action } from "@prismatic-io/spectral";
import { createDataverseClient, updateRecord } from "../../client";
import { connectionInput, dynamicValues, entityId, entityType, fieldValues, mergeRecordValues } from "../../inputs/entities";
import { updateOptionInputs, requestOptionsOf } from "../../inputs/requestOptions";
import { exampleAccount, EXAMPLE_ACCOUNT_ID } from "../examples";

export const updateEntity = action({
  display: {
    label: "[CRM] Update Entity",
    description: "Update a Microsoft Dynamics 365 CRM entity record.",
  },
  inputs: { entityType, entityId, fieldValues, dynamicValues, connection: connectionInput, ...updateOptionInputs },
  perform: async (_context, params) => {
    const client = createDataverseClient(params.connection);
    const { id, record } = await updateRecord(
      client,
      params.entityType,
      params.entityId,
      mergeRecordValues(params.fieldValues, params.dynamicValues),
      requestOptionsOf(params),
    );
    return { data: { id, record } };
  },
  examplePayload: { data: { id: EXAMPLE_ACCOUNT_ID, record: exampleAccount } },
});
