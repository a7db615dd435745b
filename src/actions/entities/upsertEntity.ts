import { action } from "@prismatic-io/spectral";
import { upsertRecord } from "../../client";
import { connectionInput, dynamicValues, entityId, entityType, fieldValues, mergeRecordValues } from "../../inputs/entities";
import { updateOptionInputs, requestOptionsOf } from "../../inputs/requestOptions";
import { exampleAccount, EXAMPLE_ACCOUNT_ID } from "../examples";
import { RECORD_CREATED, RECORD_ID, withRecordId } from "./addedKeys";
import { clientFor } from "../clientFor";

export const upsertEntity = action({
  display: {
    label: "[CRM] Upsert Entity",
    description: "Upsert a Microsoft Dynamics 365 CRM entity record.",
  },
  inputs: { entityType, entityId, fieldValues, dynamicValues, connection: connectionInput, ...updateOptionInputs },
  perform: async (context, params) => {
    const client = clientFor(context, params.connection);
    const { id, created, record } = await upsertRecord(
      client,
      params.entityType,
      params.entityId,
      mergeRecordValues(params.fieldValues, params.dynamicValues),
      requestOptionsOf(params),
    );
    return { data: { ...withRecordId(record, id), [RECORD_CREATED]: created } };
  },
  // Created is null (and no columns come) when Dataverse answered 204 without saying which happened.
  examplePayload: { data: { ...exampleAccount, [RECORD_ID]: EXAMPLE_ACCOUNT_ID, [RECORD_CREATED]: false as boolean | null } },
});
