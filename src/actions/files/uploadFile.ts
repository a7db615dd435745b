import { action } from "@prismatic-io/spectral";
import { describeRecordKey, fileColumnOf, uploadFile as upload } from "../../client";
import { connectionInput, entityId, entityType } from "../../inputs/entities";
import { columnName, FILE_INPUT_LABELS, fileContent, fileName, mimeType, resolveMimeType } from "../../inputs/files";
import { EXAMPLE_FILE, EXAMPLE_FILE_NAME } from "./examples";
import { clientFor } from "../clientFor";

export const uploadFile = action({
  display: {
    label: "[CRM] Upload File",
    description: "Put a file into a file or image column of a Microsoft Dynamics 365 CRM record, in chunks when it is larger than 4 MB.",
  },
  inputs: { entityType, entityId, columnName, fileContent, fileName, mimeType, connection: connectionInput },
  perform: async (context, params) => {
    const client = clientFor(context, params.connection);
    const column = await fileColumnOf(client, params.entityType, params.columnName, FILE_INPUT_LABELS);
    const record = { entitySetName: params.entityType, key: params.entityId };
    const content = params.fileContent.data;
    const result = await upload(client, record, column, { content, fileName: params.fileName }, FILE_INPUT_LABELS);
    return {
      data: {
        entityType: params.entityType,
        id: describeRecordKey(params.entityId),
        columnName: params.columnName,
        fileName: params.fileName,
        mimeType: resolveMimeType(params.mimeType, params.fileName, params.fileContent),
        fileSize: result.fileSize,
        chunks: result.chunks,
      },
    };
  },
  examplePayload: {
    data: { ...EXAMPLE_FILE, fileName: EXAMPLE_FILE_NAME, mimeType: "application/pdf", fileSize: 10485760, chunks: 3 },
  },
});
