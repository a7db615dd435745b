import { dataSource } from "@prismatic-io/spectral";
import { listEntityTypes } from "../client";
import { connectionInput } from "../inputs/entities";
import { includeCustom, includeOnlyTopLevel } from "../inputs/tables";
import { clientFor } from "../actions/clientFor";

/** Entity set names, as the record actions' Entity Type takes them, labelled with display names. */
export const entityTypes = dataSource({
  display: {
    label: "Select Entity Type",
    description: "Pick a table by its display name; the value is its entity set name.",
  },
  dataSourceType: "picklist",
  inputs: { connection: connectionInput, includeCustom, includeOnlyTopLevel },
  perform: async (context, params) => {
    const client = clientFor(context, params.connection);
    const listed = await listEntityTypes(client, { onlyTopLevel: params.includeOnlyTopLevel });
    const tables = params.includeCustom ? listed : listed.filter((table) => !table.isCustomEntity);
    return {
      result: tables
        .filter((table) => table.entitySetName)
        .map((table) => ({ key: table.entitySetName as string, label: table.displayName })),
    };
  },
  examplePayload: { result: [{ key: "accounts", label: "Account" }] },
});
