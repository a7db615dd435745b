import { action } from "@prismatic-io/spectral";
import { retrieveEntityDefinition } from "../../client";
import { connectionInput } from "../../inputs/entities";
import { lookupField, metadataEntityType, toEntityDefinitionLookup } from "../../inputs/metadata";
import { exampleEntityDefinition } from "./examples";
import { clientFor } from "../clientFor";

export const getEntityMetaData = action({
  display: {
    label: "[CRM] Get Entity Metadata",
    description: "Get definition of Microsoft Dynamics 365 CRM entity.",
  },
  inputs: { entityType: metadataEntityType, connection: connectionInput, lookupField },
  perform: async (context, params) => {
    const lookup = toEntityDefinitionLookup(params.entityType, params.lookupField);
    const client = clientFor(context, params.connection);
    // Under `result`, as Prismatic's component returns it.
    return { data: { result: await retrieveEntityDefinition(client, lookup) } };
  },
  examplePayload: { data: { result: exampleEntityDefinition } },
});
