import { action } from "@prismatic-io/spectral";
import { createAttribute as createAttributeDefinition, createDataverseClient } from "../../client";
import { connectionInput } from "../../inputs/entities";
import { attributeBody, metadataEntityId, solutionUniqueName } from "../../inputs/metadata";
import { EXAMPLE_ATTRIBUTE_ID } from "./examples";

export const createAttribute = action({
  display: {
    label: "[CRM] Create Attribute",
    description: "Create a CRM Attribute on an Entity",
  },
  inputs: { connection: connectionInput, entityId: metadataEntityId, attributeBody, solutionUniqueName },
  perform: async (_context, params) => {
    const client = createDataverseClient(params.connection);
    const { id } = await createAttributeDefinition(client, params.entityId, params.attributeBody, params.solutionUniqueName);
    return { data: { id } };
  },
  examplePayload: { data: { id: EXAMPLE_ATTRIBUTE_ID } },
});
