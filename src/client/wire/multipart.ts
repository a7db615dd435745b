import { randomUUID } from "node:crypto";

/**
 * multipart/mixed as `$batch` uses it (RFC 2046, OData 4.0 §11.7): CRLF line endings, a
 * part starts after a line that is exactly `--<boundary>` and the whole message ends with
 * `--<boundary>--`. The line break before a delimiter belongs to the delimiter, not to the
 * part. Nothing here does I/O.
 */
const CRLF = "\r\n";

export interface MimePart {
  /** Lower-case names when parsed; written as given. */
  headers: Record<string, string>;
  body: string;
}

export interface HttpMessage {
  /** `HTTP/1.1 204 No Content` or `POST /api/data/v9.2/accounts HTTP/1.1` */
  startLine: string;
  /** Lower-case names. */
  headers: Record<string, string>;
  body: string;
}

/** Thrown when a multipart body cannot be read; the caller says which request it answered. */
export class MultipartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MultipartError";
  }
}

export const newBoundary = (prefix: string): string => `${prefix}_${randomUUID()}`;

/** The `boundary` parameter of a `multipart/*` content type, quoted or not. */
export const boundaryOf = (contentType: string | undefined): string | undefined => {
  const [type, ...parameters] = (contentType ?? "").split(";");
  if (!/^\s*multipart\//i.test(type)) {
    return undefined;
  }
  for (const parameter of parameters) {
    const eq = parameter.indexOf("=");
    if (eq > 0 && parameter.slice(0, eq).trim().toLowerCase() === "boundary") {
      const value = parameter
        .slice(eq + 1)
        .trim()
        .replace(/^"(.*)"$/, "$1");
      return value || undefined;
    }
  }
  return undefined;
};

const headerLines = (headers: Record<string, string>): string =>
  Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}${CRLF}`)
    .join("");

export const encodeMultipart = (boundary: string, parts: MimePart[]): string =>
  parts.map((part) => `--${boundary}${CRLF}${headerLines(part.headers)}${CRLF}${part.body}${CRLF}`).join("") + `--${boundary}--${CRLF}`;

/** One request inside a batch: request line, headers, a blank line, then the body. */
export const encodeHttpRequest = (method: string, url: string, headers: Record<string, string>, body = ""): string =>
  `${method} ${url} HTTP/1.1${CRLF}${headerLines(headers)}${CRLF}${body}`;

const LF = 0x0a;
const CR = 0x0d;
const DASH = 0x2d;

/** The index just past a line break at `index` (CRLF or a bare LF), or -1 if there is none. */
const pastLineBreak = (buffer: Buffer, index: number): number => {
  if (buffer[index] === CR && buffer[index + 1] === LF) return index + 2;
  if (buffer[index] === LF) return index + 1;
  return -1;
};

/** Where a delimiter line's content begins, or -1: after `--boundary--`, or after `--boundary` and its padding and line break. */
const delimiterEnd = (buffer: Buffer, index: number, delimiter: Buffer): number => {
  if (index > 0 && buffer[index - 1] !== LF) return -1;
  // Called at every header line: compared in place, as a view of the bytes per call costs more than the comparison.
  const end = index + delimiter.length;
  if (buffer[index] !== DASH || end > buffer.length || buffer.compare(delimiter, 0, delimiter.length, index, end) !== 0) return -1;
  let cursor = index + delimiter.length;
  if (buffer[cursor] === DASH && buffer[cursor + 1] === DASH) return cursor + 2;
  while (buffer[cursor] === 0x20 || buffer[cursor] === 0x09) cursor += 1;
  return pastLineBreak(buffer, cursor);
};

const findDelimiter = (buffer: Buffer, delimiter: Buffer, from: number): number => {
  for (let index = buffer.indexOf(delimiter, from); index >= 0; index = buffer.indexOf(delimiter, index + 1)) {
    if (delimiterEnd(buffer, index, delimiter) >= 0) return index;
  }
  return -1;
};

const isCloseDelimiter = (buffer: Buffer, index: number, delimiter: Buffer): boolean =>
  buffer[index + delimiter.length] === DASH && buffer[index + delimiter.length + 1] === DASH;

/** Header lines up to the first empty line. Headers are never record text, so a plain line scan is safe. */
const readHeaderBlock = (text: string): { headers: Record<string, string>; rest: string } => {
  const headers: Record<string, string> = {};
  let cursor = 0;
  while (cursor < text.length) {
    const lineEnd = text.indexOf("\n", cursor);
    const next = lineEnd < 0 ? text.length : lineEnd + 1;
    const end = lineEnd < 0 ? text.length : text.charCodeAt(lineEnd - 1) === CR && lineEnd > cursor ? lineEnd - 1 : lineEnd;
    if (end === cursor) {
      cursor = next;
      break;
    }
    const colon = text.indexOf(":", cursor);
    if (colon > cursor && colon < end) {
      headers[text.slice(cursor, colon).trim().toLowerCase()] = text.slice(colon + 1, end).trim();
    }
    cursor = next;
  }
  return { headers, rest: text.slice(cursor) };
};

/** The end of a part's header block in bytes: just past its empty line (or at a delimiter, for a part with no body). */
const headerBlockEnd = (buffer: Buffer, start: number, delimiter: Buffer): number => {
  let cursor = start;
  while (cursor < buffer.length) {
    if (delimiterEnd(buffer, cursor, delimiter) >= 0) return cursor;
    const emptyLine = pastLineBreak(buffer, cursor);
    if (emptyLine >= 0) return emptyLine;
    const lineEnd = buffer.indexOf(LF, cursor);
    if (lineEnd < 0) return buffer.length;
    cursor = lineEnd + 1;
  }
  return buffer.length;
};

/** A part's body by its own Content-Length, when that length ends exactly at a delimiter line. */
const bodyEndByLength = (buffer: Buffer, bodyStart: number, headers: Record<string, string>, delimiter: Buffer): number | undefined => {
  const length = /^\d+$/.test(headers["content-length"] ?? "") ? Number(headers["content-length"]) : undefined;
  if (length === undefined || bodyStart + length > buffer.length) return undefined;
  const next = pastLineBreak(buffer, bodyStart + length);
  return next >= 0 && delimiterEnd(buffer, next, delimiter) >= 0 ? bodyStart + length : undefined;
};

/** The line break in front of a delimiter is part of the delimiter. */
const withoutLineBreakBefore = (buffer: Buffer, index: number): number =>
  buffer[index - 1] === LF ? (buffer[index - 2] === CR ? index - 2 : index - 1) : index;

/** A part as bytes: a nested multipart body (a change set) is read from them without a round trip through text. */
export interface BytePart {
  /** Lower-case names. */
  headers: Record<string, string>;
  bytes: Buffer;
}

/**
 * The parts of a multipart body, split only at lines that are exactly the declared
 * boundary's delimiters. A part with a Content-Length is cut at that length, so even a
 * body holding a delimiter-like line of its own is read whole. Works on bytes, as
 * Content-Length counts bytes.
 */
export const parseMultipart = (body: string, boundary: string): MimePart[] =>
  parseMultipartBytes(Buffer.from(body, "utf8"), boundary).map(({ headers, bytes }) => ({ headers, body: bytes.toString("utf8") }));

export const parseMultipartBytes = (buffer: Buffer, boundary: string): BytePart[] => {
  const delimiter = Buffer.from(`--${boundary}`, "utf8");
  let index = findDelimiter(buffer, delimiter, 0);
  if (index < 0) {
    throw new MultipartError(`the body has no part delimiter for its boundary '${boundary}'`);
  }
  const parts: BytePart[] = [];
  while (!isCloseDelimiter(buffer, index, delimiter)) {
    const partStart = delimiterEnd(buffer, index, delimiter);
    const bodyStart = headerBlockEnd(buffer, partStart, delimiter);
    const { headers } = readHeaderBlock(buffer.toString("utf8", partStart, bodyStart));
    let bodyEnd = bodyEndByLength(buffer, bodyStart, headers, delimiter);
    if (bodyEnd === undefined) {
      const next = findDelimiter(buffer, delimiter, bodyStart);
      if (next < 0) {
        throw new MultipartError(`the body ends without its closing delimiter '--${boundary}--' (cut off?)`);
      }
      bodyEnd = withoutLineBreakBefore(buffer, next);
      index = next;
    } else {
      index = pastLineBreak(buffer, bodyEnd);
    }
    parts.push({ headers, bytes: buffer.subarray(bodyStart, Math.max(bodyStart, bodyEnd)) });
  }
  return parts;
};

/** A request or response inside a part: its first line, headers, and the body after the empty line. */
export const parseHttpMessage = (text: string): HttpMessage => {
  const lineEnd = text.indexOf("\n");
  const startLine = (lineEnd < 0 ? text : text.slice(0, lineEnd)).replace(/\r$/, "").trim();
  const { headers, rest } = readHeaderBlock(lineEnd < 0 ? "" : text.slice(lineEnd + 1));
  return { startLine, headers, body: rest };
};

/** `HTTP/1.1 404 Not Found` → 404; read leniently where the meaning is plain (answers in the wild include `HTTP/ 1.1 200 OK`). */
export const statusOf = (startLine: string): number | undefined => {
  const match = /^HTTP\/\s*\d+(?:\.\d+)?\s+(\d{3})\b/i.exec(startLine);
  return match ? Number(match[1]) : undefined;
};
