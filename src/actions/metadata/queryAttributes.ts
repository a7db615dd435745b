import { action } from "@prismatic-io/spectral";
import { queryAttributes as queryAttributeDefinitions } from "../../client";
import { connectionInput, expandPropertyNames, fieldNames } from "../../inputs/entities";
import { attributeType, metadataEntityId } from "../../inputs/metadata";
import { filterExpression } from "../../inputs/queries";
import { examplePicklistAttribute } from "./examples";
import { clientFor } from "../clientFor";

export const queryAttributes = action({
  display: {
    label: "[CRM] Query Attributes",
    description: "Query for CRM Attributes that satisfy the filter expression",
  },
  inputs: { connection: connectionInput, entityId: metadataEntityId, attributeType, fieldNames, filterExpression, expandPropertyNames },
  perform: async (context, params) => {
    const client = clientFor(context, params.connection);
    const attributes = await queryAttributeDefinitions(client, params.entityId, {
      type: params.attributeType,
      select: params.fieldNames,
      filter: params.filterExpression,
      expand: params.expandPropertyNames,
    });
    return { data: { value: attributes } };
  },
  examplePayload: { data: { value: [examplePicklistAttribute] } },
});
