import { dataSource } from "@prismatic-io/spectral";
import { createDataverseClient, listEntityTypes } from "../client";
import { connectionInput } from "../inputs/entities";

/** Entity set names, as the record actions' Entity Type takes them, labelled with display names. */
export const entityTypes = dataSource({
  display: {
    label: "Select Entity Type",
    description: "Pick a table by its display name; the value is its entity set name.",
  },
  dataSourceType: "picklist",
  inputs: { connection: connectionInput },
  perform: async (_context, params) => {
    const client = createDataverseClient(params.connection);
    const tables = await listEntityTypes(client);
    return {
      result: tables
        .filter((table) => table.entitySetName)
        .map((table) => ({ key: table.entitySetName as string, label: table.displayName })),
    };
  },
  examplePayload: { result: [{ key: "accounts", label: "Account" }] },
});
