import { action } from "@prismatic-io/spectral";
import { describeRecordKey, disassociateRecords } from "../../client";
import { connectionInput, entityId, entityType } from "../../inputs/entities";
import { disassociatedEntityId, navigationProperty } from "../../inputs/relationships";
import { writeOptionInputs, requestOptionsOf } from "../../inputs/requestOptions";
import { EXAMPLE_ACCOUNT_ID } from "../examples";
import { clientFor } from "../clientFor";

export const disassociateEntities = action({
  display: {
    label: "[CRM] Disassociate Entities",
    description: "Remove the association between two Microsoft Dynamics 365 CRM entity records.",
  },
  inputs: {
    entityType,
    entityId,
    navigationProperty,
    relatedEntityId: disassociatedEntityId,
    connection: connectionInput,
    ...writeOptionInputs,
  },
  perform: async (context, params) => {
    const client = clientFor(context, params.connection);
    await disassociateRecords(
      client,
      { entitySetName: params.entityType, key: params.entityId },
      params.navigationProperty,
      params.relatedEntityId,
      requestOptionsOf(params),
    );
    return {
      data: {
        entityType: params.entityType,
        id: describeRecordKey(params.entityId),
        navigationProperty: params.navigationProperty,
        relatedId: params.relatedEntityId ?? null,
        disassociated: true,
      },
    };
  },
  examplePayload: {
    data: {
      entityType: "accounts",
      id: EXAMPLE_ACCOUNT_ID,
      navigationProperty: "contact_customer_accounts",
      relatedId: "25a17064-1ae7-e611-80f4-e0071b661f01",
      disassociated: true,
    },
  },
});
