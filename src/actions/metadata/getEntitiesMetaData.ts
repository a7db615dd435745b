import { action } from "@prismatic-io/spectral";
import { listSelectedEntityTypes, withColumnChoices } from "../../client";
import { connectionInput } from "../../inputs/entities";
import { entityTypeSelectionInputs, toEntityTypeSelection } from "../../inputs/metadata";
import { clientFor } from "../clientFor";
import { exampleEntityType } from "./examples";
import { toObjectSelection } from "./objectSelection";

export const getEntitiesMetaData = action({
  display: {
    label: "[CRM] Get Entities Metadata",
    description: "A subset of Dynamics CRM Entity Types.",
  },
  inputs: { connection: connectionInput, ...entityTypeSelectionInputs },
  perform: async (context, params) => {
    const client = clientFor(context, params.connection);
    const selected = await listSelectedEntityTypes(client, toEntityTypeSelection(params));
    return { data: (await withColumnChoices(client, selected)).map(toObjectSelection) };
  },
  examplePayload: {
    data: [
      {
        object: { key: exampleEntityType.metadataId, label: "Account" },
        defaultSelected: true,
        fields: [
          { key: "accountid", label: "Account" },
          { key: "name", label: "Account Name" },
        ],
        ...exampleEntityType,
      },
    ],
  },
});
