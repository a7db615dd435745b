import { action } from "@prismatic-io/spectral";
import { deleteFile as clear, describeRecordKey, fileColumnOf } from "../../client";
import { connectionInput, entityId, entityType } from "../../inputs/entities";
import { columnName, FILE_INPUT_LABELS } from "../../inputs/files";
import { EXAMPLE_FILE } from "./examples";
import { clientFor } from "../clientFor";

export const deleteFile = action({
  display: {
    label: "[CRM] Delete File",
    description: "Clear a file or image column of a Microsoft Dynamics 365 CRM record; a column that is already empty stays empty.",
  },
  inputs: { entityType, entityId, columnName, connection: connectionInput },
  perform: async (context, params) => {
    const client = clientFor(context, params.connection);
    const column = await fileColumnOf(client, params.entityType, params.columnName, FILE_INPUT_LABELS);
    await clear(client, { entitySetName: params.entityType, key: params.entityId }, column);
    return {
      data: { entityType: params.entityType, id: describeRecordKey(params.entityId), columnName: params.columnName, deleted: true },
    };
  },
  examplePayload: { data: { ...EXAMPLE_FILE, deleted: true } },
});
