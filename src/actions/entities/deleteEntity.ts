import { action } from "@prismatic-io/spectral";
import { deleteRecord, describeRecordKey } from "../../client";
import { connectionInput, entityId, entityType } from "../../inputs/entities";
import { EXAMPLE_ACCOUNT_ID } from "../examples";
import { clientFor } from "../clientFor";

export const deleteEntity = action({
  display: {
    label: "[CRM] Delete Entity",
    description: "Delete the specified Microsoft Dynamics 365 CRM entity record.",
  },
  inputs: { entityType, entityId, connection: connectionInput },
  perform: async (context, params) => {
    const client = clientFor(context, params.connection);
    await deleteRecord(client, params.entityType, params.entityId);
    return { data: { id: describeRecordKey(params.entityId), deleted: true } };
  },
  examplePayload: { data: { id: EXAMPLE_ACCOUNT_ID, deleted: true } },
});
