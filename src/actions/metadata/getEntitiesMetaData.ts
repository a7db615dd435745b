import { action } from "@prismatic-io/spectral";
import { createDataverseClient, listEntityTypes, selectEntityTypes } from "../../client";
import { connectionInput } from "../../inputs/entities";
import {
  defaultSelectedRecordTypes,
  includeAllCustomRecordTypes,
  includeOnlyTopLevelRecordTypes,
  recordTypeFilter,
} from "../../inputs/metadata";
import { exampleEntityType } from "./examples";

export const getEntitiesMetaData = action({
  display: {
    label: "[CRM] Get Entities Metadata",
    description: "A subset of Dynamics CRM Entity Types.",
  },
  inputs: {
    connection: connectionInput,
    defaultSelectedRecordTypes,
    recordTypeFilter,
    includeAllCustomRecordTypes,
    includeOnlyTopLevelRecordTypes,
  },
  perform: async (_context, params) => {
    const client = createDataverseClient(params.connection);
    const entityTypes = await listEntityTypes(client, { onlyTopLevel: params.includeOnlyTopLevelRecordTypes });
    return {
      data: {
        entityTypes: selectEntityTypes(entityTypes, {
          filter: params.recordTypeFilter,
          defaultSelected: params.defaultSelectedRecordTypes,
          includeAllCustom: params.includeAllCustomRecordTypes,
        }),
      },
    };
  },
  examplePayload: { data: { entityTypes: [{ ...exampleEntityType, defaultSelected: true }] } },
});
