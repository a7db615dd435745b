/**
 * File and image columns (reference §12) and notes with attachments (`annotations`).
 * Accounts have a file column `new_contract` (MaxSizeInKB 32768) and the primary image
 * `entityimage` with its full image kept; contacts have `new_resume` (MaxSizeInKB 5120) and
 * an `entityimage` that keeps only the thumbnail.
 * Reproduces: the single upload (`PATCH <set>(<key>)/<col>`, `application/octet-stream`,
 * `x-ms-file-name` → 204); the chunked upload (a bodiless PATCH with `x-ms-transfer-mode: chunked`
 * → 200 with `Location: …?sessiontoken=…`, `x-ms-chunk-size: 4194304`, `Accept-Ranges: bytes`;
 * then `Content-Range` chunks → 206, and 204 once every byte has arrived); the name from the
 * `x-ms-file-name` query parameter or header, the header winning; a chunk sent again writes the
 * same bytes again; downloads (`…/<col>/$value` → 200 with `x-ms-file-size`, `x-ms-file-name`,
 * `mimetype`; with `Range: bytes=a-b` → 206 and `x-ms-chunk-size`); image thumbnails by default
 * and the full image with `?size=full` (204 when none is kept); `DELETE …/<col>` → 204, also
 * when the column is empty; `MaxSizeInKB` (`0x80044a02` for files, `0x80072553` for images);
 * image columns take only GIF, JPEG, TIFF, BMP and PNG (`0x80072553`); a file column's value is
 * a file id with the name in `<col>_name`, an image column's the base64 thumbnail with
 * `<col>id`, `<col>_timestamp` and `<col>_url`; notes with `documentbody` (base64), `filesize`
 * computed, and the environment's 5 MB attachment limit (MaxUploadFileSize, `0x80044a02`).
 * The emulator's own: the thumbnail is a generated PNG of the right size (144×144, or the
 * smaller side of a smaller PNG), not a crop of the image; a file name that is not ASCII is
 * sent in the download's `x-ms-file-name` header percent-encoded (the docs do not say how
 * Dataverse sends one); the texts of the errors the docs do not give; sessions never expire.
 * `failChunk` makes one chunk of a session fail, for tests of a client's retries.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { crc32, deflateSync } from "node:zlib";
import { badRequest, DataverseFault, notFoundRecord } from "./faults";
import { createInSet, parseBody, parseKey } from "./records";
import { defineAttribute, defineTable, type AttributeDefinition, type TableDefinition } from "./schema";
import type { Store, StoredRecord } from "./store";
import type { EmuContext, EmuRequest, EmuResponse } from "./types";

export const CHUNK_SIZE = 4 * 1024 * 1024;
/** The environment's MaxUploadFileSize, which limits note attachments: 5 MB unless an admin changes it. */
export const NOTE_MAX_BYTES = 5 * 1024 * 1024;

interface StoredFile {
  name: string;
  mimeType: string;
  /** A file's bytes, or an image's full bytes when the column keeps them. */
  bytes?: Buffer;
  thumbnail?: Buffer;
}

/** One record's file or image column. */
interface Slot {
  table: TableDefinition;
  recordId: string;
  column: AttributeDefinition;
}

interface UploadSession extends Slot {
  name: string;
  total?: number;
  chunks: Map<number, Buffer>;
  /** The Content-Range of the chunk that completed the file. */
  completedBy?: string;
}

export interface ChunkFault {
  /** The first byte of the chunk that fails. */
  start: number;
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** How many times that chunk fails (default 1). */
  times?: number;
  /** Store the chunk first, then answer with the fault: an answer lost on the way back. */
  afterHandling?: boolean;
}

interface FileState {
  files: Map<string, StoredFile>;
  sessions: Map<string, UploadSession>;
  chunkFaults: (ChunkFault & { remaining: number })[];
}

const states = new WeakMap<Store, FileState>();

const stateOf = (store: Store): FileState => {
  let state = states.get(store);
  if (!state) {
    state = { files: new Map(), sessions: new Map(), chunkFaults: [] };
    states.set(store, state);
  }
  return state;
};

/** Makes the chunk starting at `start` of the next upload session fail. */
export const failChunk = (store: Store, fault: ChunkFault): void => {
  stateOf(store).chunkFaults.push({ ...fault, remaining: fault.times ?? 1 });
};

const fileColumn = (logicalName: string, displayName: string, maxSizeInKB: number): AttributeDefinition[] => [
  // Dataverse does not take a file column's value in a record's JSON, so the emulator ignores one there.
  defineAttribute(logicalName, "File", displayName, { maxSizeInKB, isCustom: true, readOnly: true }),
  defineAttribute(`${logicalName}_name`, "String", `${displayName} Name`, { maxLength: 255, isCustom: true, readOnly: true }),
];

const primaryImage = (canStoreFullImage: boolean): AttributeDefinition[] => [
  defineAttribute("entityimage", "Image", "Default Image", { maxSizeInKB: 10240, canStoreFullImage, isPrimaryImage: true }),
  defineAttribute("entityimageid", "Uniqueidentifier", "Entity Image Id", { readOnly: true }),
  defineAttribute("entityimage_timestamp", "BigInt", "Entity Image Timestamp", { readOnly: true }),
  defineAttribute("entityimage_url", "String", "Entity Image URL", { maxLength: 200, readOnly: true }),
];

const NOTE_TARGETS = ["account", "contact", "lead", "opportunity"];

const noteTable = (): TableDefinition =>
  defineTable({
    logicalName: "annotation",
    entitySetName: "annotations",
    primaryIdAttribute: "annotationid",
    primaryNameAttribute: "subject",
    displayName: "Note",
    displayCollectionName: "Notes",
    objectTypeCode: 5,
    attributes: [
      defineAttribute("subject", "String", "Title", { maxLength: 500 }),
      defineAttribute("notetext", "Memo", "Description", { maxLength: 100000 }),
      defineAttribute("filename", "String", "File Name", { maxLength: 255 }),
      defineAttribute("mimetype", "String", "Mime Type", { maxLength: 256 }),
      defineAttribute("documentbody", "Memo", "Document", { maxLength: 1073741823 }),
      defineAttribute("filesize", "Integer", "File Size (Bytes)"),
      defineAttribute("isdocument", "Boolean", "Is Document"),
      defineAttribute("objectid", "Lookup", "Regarding", { targets: NOTE_TARGETS }),
    ],
    lookups: [
      ...NOTE_TARGETS.map((target) => ({ name: `objectid_${target}`, attribute: "objectid", target })),
      { name: "ownerid", attribute: "ownerid", target: "systemuser" },
    ],
  });

/** Adds the file and image columns and the notes table; called before the seed data, so every record has the columns. */
export const addFileColumns = (store: Store): void => {
  store.byLogicalName("account")?.attributes.push(...fileColumn("new_contract", "Contract", 32768), ...primaryImage(true));
  store.byLogicalName("contact")?.attributes.push(...fileColumn("new_resume", "Resume", 5120), ...primaryImage(false));
  store.addTable(noteTable());
};

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const pngChunk = (type: string, data: Buffer): Buffer => {
  const typed = Buffer.concat([Buffer.from(type, "latin1"), data]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const checksum = Buffer.alloc(4);
  checksum.writeUInt32BE(crc32(typed));
  return Buffer.concat([length, typed, checksum]);
};

/** A real PNG of the given size, its pixels varied by `seed`: test images and the emulator's thumbnails. */
export const pngImage = (width: number, height: number, seed = 0): Buffer => {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bits per channel
  header[9] = 2; // RGB
  const rows: Buffer[] = [];
  for (let y = 0; y < height; y += 1) {
    const row = Buffer.alloc(1 + width * 3); // filter byte 0: the row as it is
    for (let x = 0; x < width; x += 1) row.set([(x + seed) & 255, (y + seed * 3) & 255, (x * y + seed) & 255], 1 + x * 3);
    rows.push(row);
  }
  return Buffer.concat([
    PNG_SIGNATURE,
    pngChunk("IHDR", header),
    pngChunk("IDAT", deflateSync(Buffer.concat(rows))),
    pngChunk("IEND", Buffer.alloc(0)),
  ]);
};

/** A PNG's width and height, from its header. */
export const pngSize = (bytes: Buffer): { width: number; height: number } | undefined =>
  bytes.length >= 24 && bytes.subarray(0, 8).equals(PNG_SIGNATURE)
    ? { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) }
    : undefined;

/** The image types image columns take, by their first bytes. */
const IMAGE_SIGNATURES: [string, Buffer][] = [
  ["image/png", PNG_SIGNATURE],
  ["image/jpeg", Buffer.from([0xff, 0xd8, 0xff])],
  ["image/gif", Buffer.from("GIF8", "latin1")],
  ["image/bmp", Buffer.from("BM", "latin1")],
  ["image/tiff", Buffer.from([0x49, 0x49, 0x2a, 0x00])],
  ["image/tiff", Buffer.from([0x4d, 0x4d, 0x00, 0x2a])],
];

const imageTypeOf = (bytes: Buffer): string | undefined =>
  IMAGE_SIGNATURES.find(([, signature]) => bytes.subarray(0, signature.length).equals(signature))?.[0];

const EXTENSION_TYPES: Record<string, string> = {
  pdf: "application/pdf",
  txt: "text/plain",
  csv: "text/csv",
  json: "application/json",
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
};

const mimeTypeOfName = (name: string): string => EXTENSION_TYPES[name.split(".").pop()?.toLowerCase() ?? ""] ?? "application/octet-stream";

const fileKey = ({ table, recordId, column }: Slot): string => `${table.logicalName}|${recordId}|${column.logicalName}`;

const megabytes = (bytes: number): string => (bytes / (1024 * 1024)).toFixed(0);

const checkSize = (column: AttributeDefinition, size: number): void => {
  const max = (column.maxSizeInKB ?? 32768) * 1024;
  if (size <= max) return;
  if (column.type === "Image") {
    throw new DataverseFault(
      400,
      "0x80072553",
      `Error occured when processing image. Reason: File size is too big. MaxSize: ${megabytes(max)} MB, Uploaded filesize: ${megabytes(size)} MB.`,
    );
  }
  throw new DataverseFault(400, "0x80044a02", "Attachment file size is too big.");
};

const storeImage = (context: EmuContext, slot: Slot, name: string, bytes: Buffer) => {
  const { table, recordId, column } = slot;
  const type = imageTypeOf(bytes);
  if (!type) {
    throw new DataverseFault(
      400,
      "0x80072553",
      `Error occured when processing image. Reason: Update image properties failed for objectid: ${recordId}, logicalName: ${table.logicalName}, attribute: ${column.logicalName}`,
    );
  }
  const size = pngSize(bytes);
  const side = size ? Math.min(144, size.width, size.height) : 144;
  const thumbnail = pngImage(side, side, crc32(bytes) & 255);
  stateOf(context.store).files.set(fileKey(slot), {
    name,
    mimeType: type,
    bytes: column.canStoreFullImage ? bytes : undefined,
    thumbnail,
  });
  const imageId = randomUUID();
  const timestamp = Date.now();
  const property = column.logicalName;
  context.store.update(table, recordId, {
    [property]: thumbnail.toString("base64"),
    [`${property}id`]: imageId,
    [`${property}_timestamp`]: timestamp,
    [`${property}_url`]: `/Image/download.aspx?Entity=${table.logicalName}&Attribute=${property}&Id=${imageId}&Timestamp=${timestamp}`,
  });
};

const storeFile = (context: EmuContext, slot: Slot, name: string, bytes: Buffer) => {
  const { table, recordId, column } = slot;
  checkSize(column, bytes.length);
  if (column.type === "Image") {
    storeImage(context, slot, name, bytes);
    return;
  }
  stateOf(context.store).files.set(fileKey(slot), { name, mimeType: mimeTypeOfName(name), bytes });
  context.store.update(table, recordId, { [column.logicalName]: randomUUID(), [`${column.logicalName}_name`]: name });
};

/** The header wins over the query parameter; only the query parameter can carry a name that is not ASCII. */
const fileNameOf = (request: EmuRequest): string | undefined =>
  request.headers["x-ms-file-name"] || request.query["x-ms-file-name"] || undefined;

const checkOctetStream = (request: EmuRequest): void => {
  const type = (request.headers["content-type"] ?? "").split(";")[0].trim().toLowerCase();
  if (type !== "application/octet-stream") {
    throw badRequest(`A file's bytes must be sent with Content-Type application/octet-stream, not '${type || "none"}'.`);
  }
};

/** Every byte of the file, once the chunks cover it without a gap. */
const assemble = (session: UploadSession): Buffer | undefined => {
  const total = session.total ?? 0;
  const file = Buffer.alloc(total);
  let covered = 0;
  for (const start of [...session.chunks.keys()].sort((a, b) => a - b)) {
    if (start > covered) return undefined;
    const chunk = session.chunks.get(start) as Buffer;
    chunk.copy(file, start);
    covered = Math.max(covered, start + chunk.length);
  }
  return covered >= total ? file : undefined;
};

const takeChunkFault = (state: FileState, start: number): (ChunkFault & { remaining: number }) | undefined => {
  const fault = state.chunkFaults.find((candidate) => candidate.remaining > 0 && candidate.start === start);
  if (fault) fault.remaining -= 1;
  return fault;
};

const faultResponse = (fault: ChunkFault): EmuResponse => ({ status: fault.status, headers: fault.headers, body: fault.body });

const uploadChunk = (request: EmuRequest, context: EmuContext, token: string, { recordId, column }: Slot): EmuResponse => {
  const state = stateOf(context.store);
  const session = state.sessions.get(token);
  if (!session || session.recordId !== recordId || session.column !== column) {
    throw badRequest("The session token does not belong to an upload session of this file column.");
  }
  const rangeText = request.headers["content-range"] ?? "";
  const range = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(rangeText);
  if (!range) throw badRequest(`A chunk needs a Content-Range header such as 'bytes 0-4194303/25870370', not '${rangeText}'.`);
  const [start, end, total] = range.slice(1).map(Number);
  const bytes = request.bytes ?? Buffer.alloc(0);
  if (end < start || end >= total || bytes.length !== end - start + 1) {
    throw badRequest(`The chunk has ${bytes.length} bytes, but its Content-Range '${rangeText}' names ${end - start + 1} of ${total}.`);
  }
  if (session.total !== undefined && session.total !== total) {
    throw badRequest(`The Content-Range '${rangeText}' gives another total size than the session's earlier chunks (${session.total}).`);
  }
  const fault = takeChunkFault(state, start);
  if (fault && !fault.afterHandling) return faultResponse(fault);
  checkOctetStream(request);
  let status = 206;
  if (session.completedBy) {
    if (session.completedBy !== rangeText) throw badRequest("The upload session is already complete.");
    status = 204;
  } else {
    checkSize(column, total);
    session.total = total;
    session.name = request.headers["x-ms-file-name"] || session.name;
    session.chunks.set(start, Buffer.from(bytes));
    const file = assemble(session);
    if (file) {
      storeFile(context, session, session.name, file);
      session.completedBy = rangeText;
      session.chunks.clear();
      status = 204;
    }
  }
  return fault ? faultResponse(fault) : { status };
};

const upload = (request: EmuRequest, context: EmuContext, slot: Slot): EmuResponse => {
  const { table, recordId, column } = slot;
  const token = request.query.sessiontoken;
  if (token !== undefined) return uploadChunk(request, context, token, slot);
  const name = fileNameOf(request);
  if (!name) throw badRequest("The file name is missing: send it in the x-ms-file-name header or query parameter.");
  if (request.headers["x-ms-transfer-mode"]?.toLowerCase() === "chunked") {
    const sessionToken = randomBytes(24).toString("base64url");
    stateOf(context.store).sessions.set(sessionToken, { table, recordId, column, name, chunks: new Map() });
    return {
      status: 200,
      headers: {
        Location: `${context.apiRoot}${table.entitySetName}(${recordId})/${column.logicalName}?sessiontoken=${sessionToken}`,
        "x-ms-chunk-size": String(CHUNK_SIZE),
        "Accept-Ranges": "bytes",
        "Access-Control-Expose-Headers": "x-ms-chunk-size",
      },
    };
  }
  checkOctetStream(request);
  storeFile(context, slot, name, request.bytes ?? Buffer.alloc(0));
  return { status: 204 };
};

/** Headers carry only Latin-1; a name beyond ASCII is percent-encoded (the emulator's choice). */
const headerSafe = (name: string): string => (/^[\x20-\x7e]*$/.test(name) ? name : encodeURIComponent(name));

const download = (request: EmuRequest, context: EmuContext, slot: Slot): EmuResponse => {
  const { table, recordId, column } = slot;
  const stored = stateOf(context.store).files.get(fileKey(slot));
  const thumbnail = column.type === "Image" && request.query.size !== "full";
  const bytes = thumbnail ? stored?.thumbnail : stored?.bytes;
  if (!stored || !bytes) {
    if (column.type === "Image") return { status: 204 };
    throw new DataverseFault(
      404,
      "0x80040217",
      `No FileAttachment records found for attribute ${column.logicalName} of ${table.logicalName} record with id ${recordId}.`,
    );
  }
  const headers: Record<string, string> = {
    "Content-Type": "application/octet-stream",
    "x-ms-file-size": String(bytes.length),
    "x-ms-file-name": headerSafe(stored.name),
    mimetype: thumbnail ? "image/png" : stored.mimeType,
    "Access-Control-Expose-Headers": "x-ms-file-size; x-ms-file-name; mimetype",
  };
  const range = request.headers.range;
  if (!range) return { status: 200, headers, body: bytes };
  const match = /^bytes=(\d+)-(\d*)$/.exec(range.trim());
  if (!match) throw badRequest(`The Range header must have the form bytes=<first>-<last>, not '${range}'.`);
  const start = Number(match[1]);
  const end = Math.min(match[2] ? Number(match[2]) : bytes.length - 1, bytes.length - 1);
  if (start >= bytes.length || end < start) return { status: 416, headers: { "Content-Range": `bytes */${bytes.length}` } };
  return {
    status: 206,
    headers: {
      ...headers,
      "x-ms-chunk-size": String(CHUNK_SIZE),
      "Access-Control-Expose-Headers": "x-ms-file-size; x-ms-file-name; x-ms-chunk-size; mimetype",
    },
    body: bytes.subarray(start, end + 1),
  };
};

const clear = (context: EmuContext, slot: Slot, record: StoredRecord): EmuResponse => {
  const { table, recordId, column } = slot;
  stateOf(context.store).files.delete(fileKey(slot));
  const name = column.logicalName;
  const companions = column.type === "Image" ? [`${name}id`, `${name}_timestamp`, `${name}_url`] : [`${name}_name`];
  if (record[name] !== null && record[name] !== undefined) {
    context.store.update(table, recordId, Object.fromEntries([name, ...companions].map((property) => [property, null])));
  }
  return { status: 204 };
};

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** A note is created as any record is, with its attachment's size worked out and the environment's limit applied. */
const createNote = (request: EmuRequest, context: EmuContext): EmuResponse => {
  const body = parseBody(request);
  const document = body.documentbody;
  if (document !== undefined && document !== null) {
    if (typeof document !== "string" || document.length % 4 !== 0 || !BASE64.test(document)) {
      throw badRequest("The documentbody of a note must be base64 text.");
    }
    const size = Buffer.from(document, "base64").length;
    if (size > NOTE_MAX_BYTES) throw new DataverseFault(400, "0x80044a02", "Attachment file size is too big.");
    body.filesize = size;
    body.isdocument = true;
  }
  return createInSet(context, context.store.bySetName("annotations") as TableDefinition, { ...request, body: JSON.stringify(body) });
};

const FILE_PATH = /^([A-Za-z_][A-Za-z0-9_]*)\((.*)\)\/([A-Za-z_][A-Za-z0-9_]*)(\/\$value)?$/;

const notAllowed = (method: string): DataverseFault =>
  new DataverseFault(405, "0x80060888", `The requested resource does not support http method '${method}'.`);

/** Answers undefined for anything but a file or image column of a record, or a new note. */
export const handleFileColumn = (request: EmuRequest, context: EmuContext): EmuResponse | undefined => {
  const method = request.method.toUpperCase();
  if (request.path === "annotations" && method === "POST") return createNote(request, context);
  const match = FILE_PATH.exec(decodeURIComponent(request.path));
  if (!match) return undefined;
  const [, setName, keyText, columnName, value] = match;
  const table = context.store.bySetName(setName);
  const column = table?.attributes.find((attribute) => attribute.logicalName === columnName && ["File", "Image"].includes(attribute.type));
  if (!table || !column) return undefined;
  const key = parseKey(keyText, table);
  const record = key.kind === "id" ? context.store.find(table, key.id) : context.store.findBy(table, key.values);
  if (!record) throw notFoundRecord(table.logicalName, keyText);
  const slot = { table, recordId: record[table.primaryIdAttribute] as string, column };
  if (value) {
    if (method !== "GET") throw notAllowed(method);
    return download(request, context, slot);
  }
  if (method === "PATCH") return upload(request, context, slot);
  if (method === "DELETE") return clear(context, slot, record);
  throw notAllowed(method);
};
