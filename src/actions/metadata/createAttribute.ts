import { action } from "@prismatic-io/spectral";
import { createAttribute as createAttributeDefinition } from "../../client";
import { connectionInput } from "../../inputs/entities";
import { attributeBody, metadataEntityId, solutionUniqueName } from "../../inputs/metadata";
import { EXAMPLE_ATTRIBUTE_ID } from "./examples";
import { clientFor } from "../clientFor";

export const createAttribute = action({
  display: {
    label: "[CRM] Create Attribute",
    description: "Create a CRM Attribute on an Entity",
  },
  inputs: { connection: connectionInput, entityId: metadataEntityId, attributeBody, solutionUniqueName },
  perform: async (context, params) => {
    const client = clientFor(context, params.connection);
    const { id } = await createAttributeDefinition(client, params.entityId, params.attributeBody, params.solutionUniqueName);
    // The new column's MetadataId on its own, as Prismatic's component returns it.
    return { data: id };
  },
  examplePayload: { data: EXAMPLE_ATTRIBUTE_ID },
});
