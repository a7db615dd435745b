import { action } from "@prismatic-io/spectral";
import { readServiceDocument, readWholeServiceDocument } from "../../client";
import { connectionInput } from "../../inputs/entities";
import { fetchAllEntityTypes, maxPageSize, nextLink } from "../../inputs/tables";
import { clientFor } from "../clientFor";

export const listEntities = action({
  display: {
    label: "[CRM] List Entity Types",
    description: "List the entity sets of your Microsoft Dynamics 365 environment (the Web API's service document).",
  },
  inputs: { connection: connectionInput, maxPageSize, nextLink, fetchAll: fetchAllEntityTypes },
  perform: async (context, params) => {
    const client = clientFor(context, params.connection);
    const options = { pageSize: params.maxPageSize };
    const page = params.fetchAll
      ? { entries: await readWholeServiceDocument(client, options) }
      : await readServiceDocument(client, { ...options, nextLink: params.nextLink });
    const next = "nextLink" in page && page.nextLink ? page.nextLink : null;
    return { data: { entities: page.entries, totalCount: page.entries.length, nextLink: next, hasMore: next !== null } };
  },
  examplePayload: {
    data: {
      entities: [
        { name: "accounts", kind: "EntitySet", url: "accounts" },
        { name: "contacts", kind: "EntitySet", url: "contacts" },
      ],
      totalCount: 2,
      nextLink: null as string | null,
      hasMore: false,
    },
  },
});
