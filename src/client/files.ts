/**
 * File and image columns (reference §12) and notes holding a file: upload (in one request, or
 * in Dataverse's chunked protocol), download (in `Range` chunks), delete, and attach as a note.
 */
import { DataverseError, InputError, type DataverseErrorDetails } from "./wire/errors";
import type { DataverseClient, DataverseResponse } from "./wire/http";
import { recordPath, type RecordKey } from "./wire/names";
import { listEntityDefinitions, retrieveAttribute, type MetadataDefinition } from "./metadata";
import { createRecord } from "./records";

/** Dataverse's chunk size (4 MB); the first answer of a chunked transfer may recommend another. */
export const CHUNK_SIZE = 4 * 1024 * 1024;

const OCTET_STREAM = "application/octet-stream";

/** Dataverse's codes for a file it will not take, and for chunking where files live in the database. */
const FILE_TOO_BIG = "0x80044a02";
const IMAGE_REFUSED = "0x80072553";
const NOT_CHUNKABLE = "0x80090017";

/** The inputs a caller's errors name: the client knows which value was wrong, the caller what it is called. */
export interface FileInputLabels {
  entitySetName: string;
  columnName: string;
  fileContent: string;
}

export interface FileColumn {
  entitySetName: string;
  /** The table's logical name. */
  table: string;
  column: string;
  kind: "file" | "image";
  maxSizeInKB?: number;
}

export interface RecordRef {
  entitySetName: string;
  key: RecordKey;
}

export interface FileUpload {
  content: Buffer;
  fileName: string;
}

export interface UploadResult {
  fileSize: number;
  /** 1 for a single request; otherwise the number of chunks sent. */
  chunks: number;
}

export interface DownloadedFile {
  content: Buffer;
  fileName: string;
  fileSize: number;
  mimeType: string;
}

/** An upload session that stopped before the file was complete, with how far it got. */
export class FileTransferError extends DataverseError {
  constructor(
    message: string,
    details: DataverseErrorDetails,
    readonly bytesSent: number,
    readonly totalBytes: number,
  ) {
    super(message, details);
    this.name = "FileTransferError";
  }

  toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), bytesSent: this.bytesSent, totalBytes: this.totalBytes };
  }
}

const isDataverseError = (error: unknown, code?: string): error is DataverseError =>
  error instanceof DataverseError && (code === undefined || error.code === code);

const detailsOf = (error: DataverseError): DataverseErrorDetails => ({
  status: error.status,
  code: error.code,
  requestId: error.requestId,
  method: error.method,
  path: error.path,
  outcomeUnknown: error.outcomeUnknown,
});

const sizeText = (bytes: number): string =>
  bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(1)} MB (${bytes} bytes)` : `${bytes} bytes`;

/** Dataverse's size and type refusals, said so a person knows what to change. */
const explain = (error: unknown, fileName: string, size: number, into: "column" | "note"): unknown => {
  if (!isDataverseError(error)) return error;
  const said = `Dataverse said: ${error.dataverseMessage}`;
  if (error.code === FILE_TOO_BIG) {
    const limit =
      into === "note"
        ? "the environment's maximum attachment size (System Settings > Email > Maximum file size, 5 MB unless an administrator changed it)"
        : "the column's Maximum file size (MaxSizeInKB)";
    return new DataverseError(
      `'${fileName}' (${sizeText(size)}) is larger than ${limit} allows: send a smaller file or raise the limit. ${said}`,
      detailsOf(error),
    );
  }
  if (error.code === IMAGE_REFUSED) {
    return new DataverseError(
      `Dataverse could not store '${fileName}' as an image: image columns take only GIF, JPEG, TIFF, BMP and PNG files, up to the column's Maximum file size (at most 30 MB). ${said}`,
      detailsOf(error),
    );
  }
  if (error.code === NOT_CHUNKABLE) {
    return new DataverseError(
      `This environment keeps files in its database (on-premises, or with a customer-managed encryption key), where Dataverse does not transfer a file in chunks; a file of at most 128 MB with an ASCII file name goes in one request instead. ${said}`,
      detailsOf(error),
    );
  }
  return error;
};

/** Dataverse's answer for a file column with no file; a missing record says "Does Not Exist" instead. */
const isNoFile = (error: unknown): boolean =>
  isDataverseError(error) &&
  error.status === 404 &&
  /file ?attachment/i.test(error.dataverseMessage) &&
  !/does not exist/i.test(error.dataverseMessage);

export const tableLogicalName = async (client: DataverseClient, entitySetName: string, inputLabel: string): Promise<string> => {
  const [definition] = await listEntityDefinitions(client, { select: ["LogicalName"], filter: `EntitySetName eq '${entitySetName}'` });
  const logicalName = definition?.LogicalName;
  if (typeof logicalName !== "string" || !logicalName) {
    throw new InputError(inputLabel, `no table has the entity set name '${entitySetName}': give an entity set name such as 'accounts'.`);
  }
  return logicalName;
};

const kindOf = (definition: MetadataDefinition): FileColumn["kind"] | undefined => {
  const type = `${String(definition["@odata.type"] ?? "")} ${String((definition.AttributeTypeName as { Value?: unknown })?.Value ?? "")}`;
  if (/FileAttributeMetadata|\bFileType\b/.test(type)) return "file";
  if (/ImageAttributeMetadata|\bImageType\b/.test(type)) return "image";
  return undefined;
};

/**
 * The column's definition, read once before anything is written: a column that is not a
 * file or image column would otherwise be read or cleared as an ordinary property.
 */
export const fileColumnOf = async (
  client: DataverseClient,
  entitySetName: string,
  column: string,
  labels: FileInputLabels,
): Promise<FileColumn> => {
  const table = await tableLogicalName(client, entitySetName, labels.entitySetName);
  let definition: MetadataDefinition;
  try {
    definition = await retrieveAttribute(client, { kind: "logicalName", logicalName: table }, { kind: "logicalName", logicalName: column });
  } catch (error) {
    if (isDataverseError(error) && error.status === 404) {
      throw new InputError(
        labels.columnName,
        `'${column}' is not a column of ${entitySetName}: give the logical name of a file or image column, such as 'entityimage'.`,
      );
    }
    throw error;
  }
  const kind = kindOf(definition);
  if (!kind) {
    const type = String((definition.AttributeTypeName as { Value?: unknown })?.Value ?? definition.AttributeType ?? "another kind of");
    throw new InputError(
      labels.columnName,
      `'${column}' is a ${type.replace(/Type$/, "")} column of ${entitySetName}, not a file or image column: give the logical name of a file or image column, such as 'entityimage'.`,
    );
  }
  const maxSizeInKB = typeof definition.MaxSizeInKB === "number" ? definition.MaxSizeInKB : undefined;
  return { entitySetName, table, column, kind, maxSizeInKB };
};

/** How PNG, JPEG, GIF, BMP and TIFF (both byte orders) files begin, in hex: the only types an image column takes. */
const IMAGE_MAGIC = ["89504e470d0a1a0a", "ffd8ff", "47494638", "424d", "49492a00", "4d4d002a"];

const isImage = (content: Buffer): boolean => {
  const head = content.subarray(0, 8).toString("hex");
  return IMAGE_MAGIC.some((magic) => head.startsWith(magic));
};

/** Refuses, before any write, a file the column would refuse after it had all been sent. */
const checkFits = (column: FileColumn, content: Buffer, inputLabel: string): void => {
  if (column.kind === "image" && !isImage(content)) {
    throw new InputError(
      inputLabel,
      `is not a GIF, JPEG, TIFF, BMP or PNG image, the only types the image column '${column.column}' takes.`,
    );
  }
  if (column.maxSizeInKB !== undefined && content.length > column.maxSizeInKB * 1024) {
    throw new InputError(
      inputLabel,
      `is ${sizeText(content.length)}, larger than the ${column.maxSizeInKB} KB the column '${column.column}' of ${column.entitySetName} takes (its Maximum file size, MaxSizeInKB): send a smaller file or raise the column's maximum.`,
    );
  }
};

/** Header values are ASCII here; a name beyond it can only go in the query string, which the chunked protocol's first request has. */
const isHeaderSafe = (fileName: string): boolean => /^[\x20-\x7e]+$/.test(fileName);

const positiveInteger = (value: string | undefined): number | undefined => {
  const number = Number(value);
  return value && Number.isSafeInteger(number) && number > 0 ? number : undefined;
};

const columnPath = (record: RecordRef, column: string): string => `${recordPath(record.entitySetName, record.key)}/${column}`;

const uploadWhole = async (client: DataverseClient, path: string, upload: FileUpload): Promise<UploadResult> => {
  await client.send({
    method: "PATCH",
    path,
    headers: { "x-ms-file-name": upload.fileName },
    rawBody: { contentType: OCTET_STREAM, text: upload.content },
  });
  return { fileSize: upload.content.length, chunks: 1 };
};

/**
 * Dataverse stores the file when its last chunk arrives, so only that chunk's unknown outcome (as
 * the loop tells it: an answer lost on the last attempt or on an earlier one) leaves the file possibly stored.
 */
const stopped = (error: unknown, fileName: string, sent: number, total: number, lastChunk: boolean): unknown => {
  if (!isDataverseError(error)) return error;
  const mayBeStored = lastChunk && error.outcomeUnknown;
  // An outcome-unknown error gets its own closing advice (DataverseError), so this message then ends without one.
  const message = mayBeStored
    ? `the upload of '${fileName}' sent all ${total} bytes, but the last chunk's answer was lost (${error.dataverseMessage}), so the file may be complete: download it to check`
    : `the upload of '${fileName}' stopped after ${sent} of ${total} bytes: ${error.dataverseMessage}. Dataverse stores the file only once its last chunk has arrived, so it was not stored: run the step again to upload the whole file.`;
  return new FileTransferError(message, { ...detailsOf(error), outcomeUnknown: mayBeStored }, sent, total);
};

const uploadInChunks = async (client: DataverseClient, path: string, upload: FileUpload): Promise<UploadResult> => {
  const total = upload.content.length;
  const nameHeader = isHeaderSafe(upload.fileName) ? { "x-ms-file-name": upload.fileName } : undefined;
  let session: DataverseResponse;
  try {
    session = await client.send({
      method: "PATCH",
      path,
      query: { "x-ms-file-name": upload.fileName },
      headers: { "x-ms-transfer-mode": "chunked" },
    });
  } catch (error) {
    // Nothing was sent yet, so a file Dataverse cannot take in chunks can still go whole.
    if (isDataverseError(error, NOT_CHUNKABLE) && nameHeader) return uploadWhole(client, path, upload);
    throw error;
  }
  const location = session.headers.location;
  if (!location) {
    throw new DataverseError("Dataverse started no upload session: its answer had no Location header", {
      status: session.status,
      method: "PATCH",
      path,
    });
  }
  const chunkSize = positiveInteger(session.headers["x-ms-chunk-size"]) ?? CHUNK_SIZE;
  let sent = 0;
  let chunks = 0;
  while (sent < total) {
    const end = Math.min(sent + chunkSize, total);
    let response: DataverseResponse;
    try {
      // A chunk is its Content-Range: sending it again (the HTTP layer retries a failed PATCH) writes the same bytes again.
      response = await client.send({
        method: "PATCH",
        path: location,
        headers: { ...nameHeader, "Content-Range": `bytes ${sent}-${end - 1}/${total}` },
        rawBody: { contentType: OCTET_STREAM, text: upload.content.subarray(sent, end) },
        responseKind: "text",
      });
    } catch (error) {
      throw stopped(explain(error, upload.fileName, total, "column"), upload.fileName, sent, total, end === total);
    }
    sent = end;
    chunks += 1;
    const expected = sent < total ? 206 : 204;
    if (response.status !== expected) {
      const problem = `Dataverse answered ${response.status} to the chunk ending at byte ${sent}, where the protocol gives ${expected}`;
      throw new FileTransferError(
        `the upload of '${upload.fileName}' stopped after ${sent} of ${total} bytes: ${problem}.`,
        { status: response.status, method: "PATCH", path },
        sent,
        total,
      );
    }
  }
  return { fileSize: total, chunks };
};

/**
 * A file up to one chunk with an ASCII name goes in one request; a larger one, or one whose
 * name only the query string can carry, in Dataverse's chunked protocol.
 */
export const uploadFile = async (
  client: DataverseClient,
  record: RecordRef,
  column: FileColumn,
  upload: FileUpload,
  labels: FileInputLabels,
): Promise<UploadResult> => {
  checkFits(column, upload.content, labels.fileContent);
  const path = columnPath(record, column.column);
  try {
    if (upload.content.length <= CHUNK_SIZE && isHeaderSafe(upload.fileName)) return await uploadWhole(client, path, upload);
    return await uploadInChunks(client, path, upload);
  } catch (error) {
    throw error instanceof FileTransferError ? error : explain(error, upload.fileName, upload.content.length, "column");
  }
};

const rangeHeader = (start: number, length: number) => ({ Range: `bytes=${start}-${start + length - 1}` });

/** A name Dataverse could only send percent-encoded arrives that way; one that merely contains a `%` stays as it is. */
const decodeFileName = (header: string | undefined): string => {
  if (!header) return "";
  try {
    return /%[0-9A-Fa-f]{2}/.test(header) ? decodeURIComponent(header) : header;
  } catch {
    return header;
  }
};

const noFile = (record: RecordRef, column: FileColumn, fullSize: boolean, details: DataverseErrorDetails): DataverseError => {
  const where = `${columnPath(record, column.column)}`;
  const message =
    column.kind === "image" && fullSize
      ? `${where} has no full-size image: the column keeps only thumbnails, or the image was stored before it kept full images. Turn off Full Size to download the thumbnail`
      : `${where} holds no ${column.kind}`;
  return new DataverseError(message, details);
};

/** Reads the file in chunks of the size Dataverse recommends; a small file comes whole in the first. */
export const downloadFile = async (
  client: DataverseClient,
  record: RecordRef,
  column: FileColumn,
  options: { fullSize?: boolean } = {},
): Promise<DownloadedFile> => {
  const fullSize = options.fullSize === true && column.kind === "image";
  const path = `${columnPath(record, column.column)}/$value`;
  const read = (range?: Record<string, string>) =>
    client.send({ method: "GET", path, query: fullSize ? { size: "full" } : undefined, headers: range, responseKind: "binary" });
  let first: DataverseResponse;
  try {
    first = await read(rangeHeader(0, CHUNK_SIZE)).catch((error: unknown) => {
      // Where files live in the database Dataverse sends a file only whole.
      if (isDataverseError(error, NOT_CHUNKABLE)) return read();
      throw error;
    });
  } catch (error) {
    if (isNoFile(error)) throw noFile(record, column, fullSize, detailsOf(error as DataverseError));
    throw error;
  }
  if (first.status === 204) throw noFile(record, column, fullSize, { status: 204, method: "GET", path });
  const parts = [first.bytes ?? Buffer.alloc(0)];
  let received = parts[0].length;
  const size = positiveInteger(first.headers["x-ms-file-size"]) ?? received;
  const chunkSize = positiveInteger(first.headers["x-ms-chunk-size"]) ?? CHUNK_SIZE;
  while (first.status === 206 && received < size) {
    const next = await read(rangeHeader(received, Math.min(chunkSize, size - received)));
    const bytes = next.bytes ?? Buffer.alloc(0);
    if (next.status !== 206 || !bytes.length) {
      throw new DataverseError(
        `the download stopped after ${received} of ${size} bytes: Dataverse answered ${next.status} without the next bytes`,
        {
          status: next.status,
          method: "GET",
          path,
        },
      );
    }
    parts.push(bytes);
    received += bytes.length;
  }
  if (received !== size) {
    throw new DataverseError(`the download has ${received} bytes, but Dataverse gave the file's size as ${size}`, {
      status: first.status,
      method: "GET",
      path,
    });
  }
  return {
    content: Buffer.concat(parts),
    fileName: decodeFileName(first.headers["x-ms-file-name"]),
    fileSize: size,
    mimeType: first.headers.mimetype || OCTET_STREAM,
  };
};

/** Clearing a column that holds nothing leaves it as asked: empty. */
export const deleteFile = async (client: DataverseClient, record: RecordRef, column: FileColumn): Promise<void> => {
  try {
    await client.send({ method: "DELETE", path: columnPath(record, column.column), responseKind: "text" });
  } catch (error) {
    if (!isNoFile(error)) throw error;
  }
};

export interface NoteFile extends FileUpload {
  mimeType: string;
  subject?: string;
  noteText?: string;
}

/** A note (`annotations`) holding the file, regarding the record. Its id is the result. */
export const attachNote = async (
  client: DataverseClient,
  record: RecordRef,
  note: NoteFile,
  labels: Pick<FileInputLabels, "entitySetName">,
): Promise<{ id: string }> => {
  const table = await tableLogicalName(client, record.entitySetName, labels.entitySetName);
  const body = {
    subject: note.subject,
    notetext: note.noteText,
    filename: note.fileName,
    mimetype: note.mimeType,
    documentbody: note.content.toString("base64"),
    [`objectid_${table}@odata.bind`]: `/${recordPath(record.entitySetName, record.key)}`,
  };
  let id: string | undefined;
  try {
    ({ id } = await createRecord(client, "annotations", body, { select: ["annotationid"] }));
  } catch (error) {
    throw explain(error, note.fileName, note.content.length, "note");
  }
  if (!id) {
    throw new DataverseError("the note was created but Dataverse returned no id for it", { method: "POST", path: "annotations" });
  }
  return { id };
};
