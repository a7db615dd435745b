import { action } from "@prismatic-io/spectral";
import { downloadFile as download, fileColumnOf } from "../../client";
import { connectionInput, entityId, entityType } from "../../inputs/entities";
import { columnName, FILE_INPUT_LABELS, fullSize } from "../../inputs/files";
import { EXAMPLE_FILE_NAME } from "./examples";
import { clientFor } from "../clientFor";

const EXAMPLE_CONTENT = Buffer.from("%PDF-1.7\n");

export const downloadFile = action({
  display: {
    label: "[CRM] Download File",
    description: "Read the file or image in a column of a Microsoft Dynamics 365 CRM record, as binary data a later step can pass on.",
  },
  inputs: { entityType, entityId, columnName, fullSize, connection: connectionInput },
  perform: async (context, params) => {
    const client = clientFor(context, params.connection);
    const column = await fileColumnOf(client, params.entityType, params.columnName, FILE_INPUT_LABELS);
    const record = { entitySetName: params.entityType, key: params.entityId };
    const file = await download(client, record, column, { fullSize: params.fullSize });
    return { data: { file: { data: file.content, contentType: file.mimeType }, fileName: file.fileName, fileSize: file.fileSize } };
  },
  examplePayload: {
    data: {
      file: { data: EXAMPLE_CONTENT, contentType: "application/pdf" },
      fileName: EXAMPLE_FILE_NAME,
      fileSize: EXAMPLE_CONTENT.length,
    },
  },
});
