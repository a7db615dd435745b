import { action } from "@prismatic-io/spectral";
import { listRecordLinks } from "../../client";
import { connectionInput, entityId, entityType } from "../../inputs/entities";
import { navigationProperty } from "../../inputs/relationships";
import { impersonationInputs, requestOptionsOf } from "../../inputs/requestOptions";
import { clientFor } from "../clientFor";

export const listAssociatedEntities = action({
  display: {
    label: "[CRM] List Associated Entities",
    description: "List the Microsoft Dynamics 365 CRM entity records associated with a record through a navigation property.",
  },
  inputs: { entityType, entityId, navigationProperty, connection: connectionInput, ...impersonationInputs },
  perform: async (context, params) => {
    const client = clientFor(context, params.connection);
    const links = await listRecordLinks(
      client,
      { entitySetName: params.entityType, key: params.entityId },
      params.navigationProperty,
      requestOptionsOf(params),
    );
    // Prismatic's component names the entity set `entityType` in its output.
    return { data: { links: links.map(({ entitySetName, id, url }) => ({ entityType: entitySetName, id, url })) } };
  },
  examplePayload: {
    data: {
      links: [
        {
          entityType: "contacts",
          id: "25a17064-1ae7-e611-80f4-e0071b661f01",
          url: "https://my-org.crm.dynamics.com/api/data/v9.2/contacts(25a17064-1ae7-e611-80f4-e0071b661f01)",
        },
      ],
    },
  },
});
