import { action } from "@prismatic-io/spectral";
import { associateRecords, describeRecordKey } from "../../client";
import { connectionInput, entityId, entityType } from "../../inputs/entities";
import { navigationKind, navigationProperty, relatedEntityId, relatedEntityType } from "../../inputs/relationships";
import { writeOptionInputs, requestOptionsOf } from "../../inputs/requestOptions";
import { EXAMPLE_ACCOUNT_ID } from "../examples";
import { clientFor } from "../clientFor";

export const associateEntities = action({
  display: {
    label: "[CRM] Associate Entities",
    description: "Associate two Microsoft Dynamics 365 CRM entity records through a relationship.",
  },
  inputs: {
    entityType,
    entityId,
    navigationProperty,
    navigationKind,
    relatedEntityType,
    relatedEntityId,
    connection: connectionInput,
    ...writeOptionInputs,
  },
  perform: async (context, params) => {
    const client = clientFor(context, params.connection);
    await associateRecords(
      client,
      { entitySetName: params.entityType, key: params.entityId },
      params.navigationProperty,
      { entitySetName: params.relatedEntityType, key: params.relatedEntityId },
      params.navigationKind,
      requestOptionsOf(params),
    );
    return {
      data: {
        entityType: params.entityType,
        id: describeRecordKey(params.entityId),
        navigationProperty: params.navigationProperty,
        relatedEntityType: params.relatedEntityType,
        relatedId: describeRecordKey(params.relatedEntityId),
        associated: true,
      },
    };
  },
  examplePayload: {
    data: {
      entityType: "accounts",
      id: EXAMPLE_ACCOUNT_ID,
      navigationProperty: "contact_customer_accounts",
      relatedEntityType: "contacts",
      relatedId: "25a17064-1ae7-e611-80f4-e0071b661f01",
      associated: true,
    },
  },
});
