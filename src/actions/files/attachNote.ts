import { action } from "@prismatic-io/spectral";
import { attachNote as attach, describeRecordKey } from "../../client";
import { connectionInput, entityId, entityType } from "../../inputs/entities";
import { FILE_INPUT_LABELS, fileContent, fileName, mimeType, noteText, resolveMimeType, subject } from "../../inputs/files";
import { EXAMPLE_ACCOUNT_ID } from "../examples";
import { EXAMPLE_FILE_NAME } from "./examples";
import { clientFor } from "../clientFor";

export const attachNote = action({
  display: {
    label: "[CRM] Attach File as Note",
    description: "Create a note holding a file, attached to any Microsoft Dynamics 365 CRM record.",
  },
  inputs: { entityType, entityId, fileContent, fileName, mimeType, subject, noteText, connection: connectionInput },
  perform: async (context, params) => {
    const client = clientFor(context, params.connection);
    const content = params.fileContent.data;
    const type = resolveMimeType(params.mimeType, params.fileName, params.fileContent);
    const note = await attach(
      client,
      { entitySetName: params.entityType, key: params.entityId },
      { content, fileName: params.fileName, mimeType: type, subject: params.subject, noteText: params.noteText },
      FILE_INPUT_LABELS,
    );
    return {
      data: {
        id: note.id,
        regardingEntityType: params.entityType,
        regardingId: describeRecordKey(params.entityId),
        fileName: params.fileName,
        mimeType: type,
        fileSize: content.length,
      },
    };
  },
  examplePayload: {
    data: {
      id: "1f2e3d4c-5b6a-4798-8a9b-0c1d2e3f4a5b",
      regardingEntityType: "accounts",
      regardingId: EXAMPLE_ACCOUNT_ID,
      fileName: EXAMPLE_FILE_NAME,
      mimeType: "application/pdf",
      fileSize: 48213,
    },
  },
});
