import { action } from "@prismatic-io/spectral";
import { deleteRecord, describeRecordKey } from "../../client";
import { connectionInput, entityId, entityType } from "../../inputs/entities";
import { deleteOptionInputs, requestOptionsOf } from "../../inputs/requestOptions";
import { EXAMPLE_ACCOUNT_ID } from "../examples";
import { clientFor } from "../clientFor";

export const deleteEntity = action({
  display: {
    label: "[CRM] Delete Entity",
    description: "Delete the specified Microsoft Dynamics 365 CRM entity record.",
  },
  inputs: { entityType, entityId, connection: connectionInput, ...deleteOptionInputs },
  perform: async (context, params) => {
    const client = clientFor(context, params.connection);
    const { alreadyGone } = await deleteRecord(client, params.entityType, params.entityId, requestOptionsOf(params));
    return { data: { id: describeRecordKey(params.entityId), deleted: true, alreadyGone } };
  },
  // alreadyGone: an earlier attempt whose answer was lost had deleted the record, so the retry found it gone.
  examplePayload: { data: { id: EXAMPLE_ACCOUNT_ID, deleted: true, alreadyGone: false } },
});
