import { action } from "@prismatic-io/spectral";
import { retrieveAttribute } from "../../client";
import { connectionInput, expandPropertyNames, fieldNames } from "../../inputs/entities";
import { attributeId, attributeToGet, attributeTypeOrKey, metadataEntityId } from "../../inputs/metadata";
import { exampleAttribute } from "./examples";
import { clientFor } from "../clientFor";

export const getAttribute = action({
  display: {
    label: "[CRM] Get Attribute",
    description: "Retrieve a single CRM Attribute",
  },
  inputs: {
    connection: connectionInput,
    entityId: metadataEntityId,
    attributeId,
    attributeType: attributeTypeOrKey,
    fieldNames,
    expandPropertyNames,
  },
  perform: async (context, params) => {
    const { attribute: key, type } = attributeToGet(params.attributeId, params.attributeType);
    const client = clientFor(context, params.connection);
    const attribute = await retrieveAttribute(client, params.entityId, key, {
      type,
      select: params.fieldNames,
      expand: params.expandPropertyNames,
    });
    return { data: attribute };
  },
  examplePayload: { data: exampleAttribute },
});
