import { action } from "@prismatic-io/spectral";
import { createDataverseClient, retrieveAttribute } from "../../client";
import { connectionInput, expandPropertyNames, fieldNames } from "../../inputs/entities";
import { attributeId, attributeType, metadataEntityId } from "../../inputs/metadata";
import { exampleAttribute } from "./examples";

export const getAttribute = action({
  display: {
    label: "[CRM] Get Attribute",
    description: "Retrieve a single CRM Attribute",
  },
  inputs: { connection: connectionInput, entityId: metadataEntityId, attributeId, attributeType, fieldNames, expandPropertyNames },
  perform: async (_context, params) => {
    const client = createDataverseClient(params.connection);
    const attribute = await retrieveAttribute(client, params.entityId, params.attributeId, {
      type: params.attributeType,
      select: params.fieldNames,
      expand: params.expandPropertyNames,
    });
    return { data: attribute };
  },
  examplePayload: { data: exampleAttribute },
});
