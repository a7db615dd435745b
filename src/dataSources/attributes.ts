import { dataSource } from "@prismatic-io/spectral";
import { labelText, queryAttributes } from "../client";
import { connectionInput } from "../inputs/entities";
import { metadataEntityId } from "../inputs/metadata";
import { clientFor } from "../actions/clientFor";

/** One table's columns keyed by logical name. Columns that only extend another (AttributeOf) are left out. */
export const attributes = dataSource({
  display: {
    label: "Select Attribute",
    description: "Pick a column of a table; the value is its logical name.",
  },
  dataSourceType: "picklist",
  inputs: { connection: connectionInput, entityId: metadataEntityId },
  perform: async (context, params) => {
    const client = clientFor(context, params.connection);
    const definitions = await queryAttributes(client, params.entityId, { select: ["LogicalName", "DisplayName", "AttributeOf"] });
    return {
      result: definitions
        .filter((definition) => !definition.AttributeOf)
        .map((definition) => {
          const logicalName = String(definition.LogicalName);
          const displayName = labelText(definition.DisplayName);
          return { key: logicalName, label: displayName ? `${displayName} (${logicalName})` : logicalName };
        })
        .sort((a, b) => a.label.localeCompare(b.label, "en", { sensitivity: "base" })),
    };
  },
  examplePayload: { result: [{ key: "name", label: "Account Name (name)" }] },
});
