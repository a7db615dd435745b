import { action } from "@prismatic-io/spectral";
import { updateAttribute as updateAttributeDefinition } from "../../client";
import { connectionInput } from "../../inputs/entities";
import { attributeChanges, attributeKeyFor, attributeToUpdate, metadataEntityId } from "../../inputs/metadata";
import { EXAMPLE_ATTRIBUTE_ID, exampleMoneyAttribute } from "./examples";
import { clientFor } from "../clientFor";

export const updateAttribute = action({
  display: {
    label: "[CRM] Update Attribute",
    description: "Update an existing CRM Attribute on an Entity",
  },
  inputs: { connection: connectionInput, entityId: metadataEntityId, attributeId: attributeToUpdate, attributeBody: attributeChanges },
  perform: async (context, params) => {
    const attribute = attributeKeyFor(params.attributeId, params.attributeBody);
    const client = clientFor(context, params.connection);
    const labels = { attribute: attributeToUpdate.label, changes: attributeChanges.label };
    const { id, definition } = await updateAttributeDefinition(client, params.entityId, attribute, params.attributeBody, labels);
    return { data: { id, definition } };
  },
  examplePayload: { data: { id: EXAMPLE_ATTRIBUTE_ID, definition: exampleMoneyAttribute } },
});
