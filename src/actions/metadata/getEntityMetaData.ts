import { action } from "@prismatic-io/spectral";
import { createDataverseClient, retrieveEntityDefinition } from "../../client";
import { connectionInput } from "../../inputs/entities";
import { lookupField, metadataEntityType, toEntityDefinitionLookup } from "../../inputs/metadata";
import { exampleEntityDefinition } from "./examples";

export const getEntityMetaData = action({
  display: {
    label: "[CRM] Get Entity Metadata",
    description: "Get definition of Microsoft Dynamics 365 CRM entity.",
  },
  inputs: { entityType: metadataEntityType, connection: connectionInput, lookupField },
  perform: async (_context, params) => {
    const lookup = toEntityDefinitionLookup(params.entityType, params.lookupField);
    const client = createDataverseClient(params.connection);
    return { data: await retrieveEntityDefinition(client, lookup) };
  },
  examplePayload: { data: exampleEntityDefinition },
});
