import { action } from "@prismatic-io/spectral";
import { updateRecord } from "../../client";
import { connectionInput, dynamicValues, entityId, entityType, fieldValues, mergeRecordValues } from "../../inputs/entities";
import { updateOptionInputs, requestOptionsOf } from "../../inputs/requestOptions";
import { exampleAccount, EXAMPLE_ACCOUNT_ID } from "../examples";
import { RECORD_ID, withRecordId } from "./addedKeys";
import { clientFor } from "../clientFor";

export const updateEntity = action({
  display: {
    label: "[CRM] Update Entity",
    description: "Update a Microsoft Dynamics 365 CRM entity record.",
  },
  inputs: { entityType, entityId, fieldValues, dynamicValues, connection: connectionInput, ...updateOptionInputs },
  perform: async (context, params) => {
    const client = clientFor(context, params.connection);
    const { id, record } = await updateRecord(
      client,
      params.entityType,
      params.entityId,
      mergeRecordValues(params.fieldValues, params.dynamicValues),
      requestOptionsOf(params),
    );
    return { data: withRecordId(record, id) };
  },
  examplePayload: { data: { ...exampleAccount, [RECORD_ID]: EXAMPLE_ACCOUNT_ID } },
});
