import { action } from "@prismatic-io/spectral";
import { createDataverseClient, listSelectedEntityTypes } from "../../client";
import { connectionInput } from "../../inputs/entities";
import { entityTypeSelectionInputs, toEntityTypeSelection } from "../../inputs/metadata";
import { exampleEntityType } from "./examples";

export const getEntitiesMetaData = action({
  display: {
    label: "[CRM] Get Entities Metadata",
    description: "A subset of Dynamics CRM Entity Types.",
  },
  inputs: { connection: connectionInput, ...entityTypeSelectionInputs },
  perform: async (_context, params) => {
    const client = createDataverseClient(params.connection);
    const entityTypes = await listSelectedEntityTypes(client, toEntityTypeSelection(params));
    return { data: { entityTypes } };
  },
  examplePayload: { data: { entityTypes: [{ ...exampleEntityType, defaultSelected: true }] } },
});
