import { dataSource } from "@prismatic-io/spectral";
import { createDataverseClient, listSelectedEntityTypes } from "../client";
import { connectionInput } from "../inputs/entities";
import { entityTypeSelectionInputs, toEntityTypeSelection } from "../inputs/metadata";

/** The tables [CRM] Get Entities Metadata selects, for a config wizard's object selection, keyed by entity set name. */
export const getEntitiesMetaData = dataSource({
  display: {
    label: "Get Entities Metadata",
    description: "A subset of Dynamics CRM Entity Types.",
  },
  dataSourceType: "objectSelection",
  inputs: { connection: connectionInput, ...entityTypeSelectionInputs },
  perform: async (_context, params) => {
    const client = createDataverseClient(params.connection);
    const selected = await listSelectedEntityTypes(client, toEntityTypeSelection(params));
    return {
      result: selected
        .filter((table) => table.entitySetName)
        .map((table) => ({
          object: { key: table.entitySetName as string, label: table.displayName },
          defaultSelected: table.defaultSelected,
        })),
    };
  },
  examplePayload: { result: [{ object: { key: "accounts", label: "Account" }, defaultSelected: true }] },
});
