import { dataSource } from "@prismatic-io/spectral";
import { listSelectedEntityTypes, withColumnChoices } from "../client";
import { clientFor } from "../actions/clientFor";
import { toObjectSelection } from "../actions/metadata/objectSelection";
import { connectionInput } from "../inputs/entities";
import { entityTypeSelectionInputs, toEntityTypeSelection } from "../inputs/metadata";

/** The tables [CRM] Get Entities Metadata selects, with their columns, for a config wizard's object selection. */
export const getEntitiesMetaData = dataSource({
  display: {
    label: "Get Entities Metadata",
    description: "A subset of Dynamics CRM Entity Types.",
  },
  dataSourceType: "objectSelection",
  inputs: { connection: connectionInput, ...entityTypeSelectionInputs },
  perform: async (context, params) => {
    const client = clientFor(context, params.connection);
    const selected = await listSelectedEntityTypes(client, toEntityTypeSelection(params));
    // The selection's value is what the designer stores: the object, its columns and the default; nothing more.
    const result = (await withColumnChoices(client, selected)).map(toObjectSelection).map(({ object, fields, defaultSelected }) => ({
      object,
      fields,
      defaultSelected,
    }));
    return { result };
  },
  examplePayload: {
    result: [
      {
        object: { key: "70e7ba1d-7d5a-4b7f-9e1a-2c7b5e0f1a01", label: "Account" },
        fields: [
          { key: "accountid", label: "Account" },
          { key: "name", label: "Account Name" },
        ],
        defaultSelected: true,
      },
    ],
  },
});
