import { action } from "@prismatic-io/spectral";
import { createDataverseClient, upsertRecord } from "../../client";
import { connectionInput, dynamicValues, entityId, entityType, fieldValues, mergeRecordValues } from "../../inputs/entities";
import { updateOptionInputs, requestOptionsOf } from "../../inputs/requestOptions";
import { exampleAccount, EXAMPLE_ACCOUNT_ID } from "../examples";

export const upsertEntity = action({
  display: {
    label: "[CRM] Upsert Entity",
    description: "Upsert a Microsoft Dynamics 365 CRM entity record.",
  },
  inputs: { entityType, entityId, fieldValues, dynamicValues, connection: connectionInput, ...updateOptionInputs },
  perform: async (_context, params) => {
    const client = createDataverseClient(params.connection);
    const { id, created, record } = await upsertRecord(
      client,
      params.entityType,
      params.entityId,
      mergeRecordValues(params.fieldValues, params.dynamicValues),
      requestOptionsOf(params),
    );
    return { data: { id, created, record: record ?? null } };
  },
  // created is null (and record null) when Dataverse answered 204 without saying which happened.
  examplePayload: {
    data: { id: EXAMPLE_ACCOUNT_ID, created: false as boolean | null, record: exampleAccount as typeof exampleAccount | null },
  },
});
