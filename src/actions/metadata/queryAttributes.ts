import { action } from "@prismatic-io/spectral";
import { createDataverseClient, queryAttributes as queryAttributeDefinitions } from "../../client";
import { connectionInput, expandPropertyNames, fieldNames } from "../../inputs/entities";
import { attributeType, metadataEntityId } from "../../inputs/metadata";
import { filterExpression } from "../../inputs/queries";
import { examplePicklistAttribute } from "./examples";

export const queryAttributes = action({
  display: {
    label: "[CRM] Query Attributes",
    description: "Query for CRM Attributes that satisfy the filter expression",
  },
  inputs: { connection: connectionInput, entityId: metadataEntityId, attributeType, fieldNames, filterExpression, expandPropertyNames },
  perform: async (_context, params) => {
    const client = createDataverseClient(params.connection);
    const attributes = await queryAttributeDefinitions(client, params.entityId, {
      type: params.attributeType,
      select: params.fieldNames,
      filter: params.filterExpression,
      expand: params.expandPropertyNames,
    });
    return { data: { attributes } };
  },
  examplePayload: { data: { attributes: [examplePicklistAttribute] } },
});
