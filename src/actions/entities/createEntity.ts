import { action } from "@prismatic-io/spectral";
import { createRecord } from "../../client";
import { connectionInput, dynamicValues, entityType, fieldValues, mergeRecordValues } from "../../inputs/entities";
import { createOptionInputs, requestOptionsOf } from "../../inputs/requestOptions";
import { exampleAccount, EXAMPLE_ACCOUNT_ID } from "../examples";
import { RECORD_ID, withRecordId } from "./addedKeys";
import { clientFor } from "../clientFor";

export const createEntity = action({
  display: {
    label: "[CRM] Create Entity",
    description: "Create a new Microsoft Dynamics 365 CRM entity record.",
  },
  inputs: { entityType, dynamicValues, fieldValues, connection: connectionInput, ...createOptionInputs },
  perform: async (context, params) => {
    const client = clientFor(context, params.connection);
    const { id, record } = await createRecord(
      client,
      params.entityType,
      mergeRecordValues(params.fieldValues, params.dynamicValues),
      {},
      requestOptionsOf(params),
    );
    return { data: withRecordId(record, id) };
  },
  examplePayload: { data: { ...exampleAccount, [RECORD_ID]: EXAMPLE_ACCOUNT_ID } },
});
