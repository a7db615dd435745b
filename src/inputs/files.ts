import { input, util } from "@prismatic-io/spectral";
import { InputError, requireName, type FileInputLabels } from "../client";
import { toBoolean, toOptionalString } from "./clean";
import { entityType } from "./entities";

export const columnName = input({
  label: "Column Name",
  type: "string",
  required: true,
  placeholder: "entityimage",
  example: "entityimage",
  comments: "The logical name of the file or image column, for example entityimage (a table's primary image) or new_contract",
  // Logical names are lower case; a schema name's capitals would name no column.
  clean: (value: unknown) => requireName(value, "Column Name", "column logical name").toLowerCase(),
});

export const fileContent = input({
  label: "File Content",
  type: "data",
  required: true,
  comments: "The file: binary data from an earlier step (such as the file a Download File step returns), or text",
  clean: (value: unknown): { data: Buffer; contentType?: string } => {
    const empty = value === undefined || value === null || value === "";
    const payload = empty ? undefined : util.types.toBufferDataPayload(value);
    if (!payload?.data.length) {
      throw new InputError("File Content", "is empty: give the file, for example the file output of an earlier step, or some text.");
    }
    return payload;
  },
});

export const fileName = input({
  label: "File Name",
  type: "string",
  required: true,
  placeholder: "contract.pdf",
  example: "contract.pdf",
  comments: "The name Dataverse stores with the file; its extension also gives the MIME type when MIME Type is empty",
  clean: (value: unknown): string => {
    const name = toOptionalString(value);
    if (!name) throw new InputError("File Name", "is required: give the file's name with its extension, for example contract.pdf.");
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
    if (/[\x00-\x1f\x7f/\\]/.test(name)) {
      throw new InputError(
        "File Name",
        `'${name}' must not contain slashes or control characters: give only the file's own name, such as contract.pdf.`,
      );
    }
    if (name.length > 255) throw new InputError("File Name", `is ${name.length} characters long; Dataverse takes at most 255.`);
    return name;
  },
});

export const mimeType = input({
  label: "MIME Type",
  type: "string",
  required: false,
  placeholder: "application/pdf",
  example: "application/pdf",
  comments: "The file's MIME type; when empty it follows from the file name's extension",
  clean: (value: unknown): string | undefined => {
    const type = toOptionalString(value);
    if (type && !/^[\w.+-]+\/[\w.+-]+$/.test(type)) {
      throw new InputError("MIME Type", `'${type}' is not a MIME type: give one such as application/pdf or image/png, or leave it empty.`);
    }
    return type?.toLowerCase();
  },
});

export const fullSize = input({
  label: "Full Size",
  type: "boolean",
  required: false,
  default: "false",
  comments: "Image columns: download the full-size image instead of the 144x144 thumbnail. Ignored for file columns.",
  clean: (value: unknown) => toBoolean(value),
});

export const subject = input({
  label: "Subject",
  type: "string",
  required: false,
  example: "Signed contract",
  comments: "The note's title",
  clean: toOptionalString,
});

export const noteText = input({
  label: "Note Text",
  type: "text",
  required: false,
  comments: "The note's text, shown above the attachment",
  clean: toOptionalString,
});

export const FILE_INPUT_LABELS: FileInputLabels = {
  entitySetName: entityType.label,
  columnName: columnName.label,
  fileContent: fileContent.label,
};

const MIME_TYPES: Record<string, string> = {
  bmp: "image/bmp",
  csv: "text/csv",
  doc: "application/msword",
  docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  gif: "image/gif",
  htm: "text/html",
  html: "text/html",
  jpeg: "image/jpeg",
  jpg: "image/jpeg",
  json: "application/json",
  mp4: "video/mp4",
  msg: "application/vnd.ms-outlook",
  pdf: "application/pdf",
  png: "image/png",
  ppt: "application/vnd.ms-powerpoint",
  pptx: "application/vnd.openxmlformats-officedocument.presentationml.presentation",
  rtf: "application/rtf",
  svg: "image/svg+xml",
  tif: "image/tiff",
  tiff: "image/tiff",
  txt: "text/plain",
  xls: "application/vnd.ms-excel",
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  xml: "application/xml",
  zip: "application/zip",
};

const OCTET_STREAM = "application/octet-stream";

/** The MIME type given, else the one the file name's extension stands for, else the content's own, else generic bytes. */
export const resolveMimeType = (given: string | undefined, name: string, content: { contentType?: string }): string =>
  given ?? MIME_TYPES[/\.([^.]+)$/.exec(name)?.[1].toLowerCase() ?? ""] ?? (content.contentType?.split(";")[0].trim() || OCTET_STREAM);
