import { dataSource } from "@prismatic-io/spectral";
import { listEntityTypes } from "../client";
import { connectionInput } from "../inputs/entities";
import { includeCustom, includeOnlyTopLevel } from "../inputs/tables";
import { clientFor } from "../actions/clientFor";

/** Tables keyed by MetadataId, which every metadata action accepts as well as a logical name. */
export const entities = dataSource({
  display: {
    label: "Select Entity",
    description: "Pick a table by its display name; the value is its MetadataId.",
  },
  dataSourceType: "picklist",
  inputs: { connection: connectionInput, includeCustom, includeOnlyTopLevel },
  perform: async (context, params) => {
    const client = clientFor(context, params.connection);
    const listed = await listEntityTypes(client, { onlyTopLevel: params.includeOnlyTopLevel });
    const tables = params.includeCustom ? listed : listed.filter((table) => !table.isCustomEntity);
    return { result: tables.map((table) => ({ key: table.metadataId, label: `${table.displayName} (${table.logicalName})` })) };
  },
  examplePayload: { result: [{ key: "70e7ba1d-7d5a-4b7f-9e1a-2c7b5e0f1a01", label: "Account (account)" }] },
});
