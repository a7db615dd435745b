import { action } from "@prismatic-io/spectral";
import { createDataverseClient, createRecord } from "../../client";
import { connectionInput, dynamicValues, entityType, fieldValues, mergeRecordValues } from "../../inputs/entities";
import { createOptionInputs, requestOptionsOf } from "../../inputs/requestOptions";
import { exampleAccount, EXAMPLE_ACCOUNT_ID } from "../examples";

export const createEntity = action({
  display: {
    label: "[CRM] Create Entity",
    description: "Create a new Microsoft Dynamics 365 CRM entity record.",
  },
  inputs: { entityType, dynamicValues, fieldValues, connection: connectionInput, ...createOptionInputs },
  perform: async (_context, params) => {
    const client = createDataverseClient(params.connection);
    const { id, record } = await createRecord(
      client,
      params.entityType,
      mergeRecordValues(params.fieldValues, params.dynamicValues),
      {},
      requestOptionsOf(params),
    );
    return { data: { id, record } };
  },
  examplePayload: { data: { id: EXAMPLE_ACCOUNT_ID, record: exampleAccount } },
});
