import { action } from "@prismatic-io/spectral";
import { retrieveRecord } from "../../client";
import { connectionInput, entityId, entityType, expandPropertyNames, fieldNames } from "../../inputs/entities";
import { readOptionInputs, requestOptionsOf } from "../../inputs/requestOptions";
import { exampleAccount } from "../examples";
import { clientFor } from "../clientFor";

export const getEntity = action({
  display: {
    label: "[CRM] Get Entity",
    description: "Retrieve a single Microsoft Dynamics 365 CRM entity record.",
  },
  inputs: { entityType, entityId, fieldNames, expandPropertyNames, connection: connectionInput, ...readOptionInputs },
  perform: async (context, params) => {
    const client = clientFor(context, params.connection);
    const record = await retrieveRecord(
      client,
      params.entityType,
      params.entityId,
      {
        select: params.fieldNames,
        expand: params.expandPropertyNames,
      },
      requestOptionsOf(params),
    );
    return { data: record };
  },
  examplePayload: { data: exampleAccount },
});
