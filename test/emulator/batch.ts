/**
 * `$batch` (reference §4). Reads a multipart/mixed request whose lines end in CRLF, runs each
 * `application/http` part through the same routing as a direct request, in order, and
 * answers `200` with a `batchresponse_` multipart body: full `HTTP/1.1 <code> <reason>` status
 * lines, `Location` and `OData-EntityId` for writes, a `REQ_ID` on failures.
 * Change sets run all or nothing (Store.atomically) and answer with a nested
 * `changesetresponse_` body whose parts echo their Content-ID; `$n` in a URL or an
 * `@odata.bind`/`@odata.id` value names the record created by part `n`. A rolled-back change
 * set answers with only its failing part. Without `Prefer: odata.continue-on-error` the batch
 * stops at the first failure and the outer status is that failure's. A batch that cannot be
 * read, or holds more than 1000 requests, gets a plain JSON 400.
 * A GET part outside any change set runs with its own headers (Prefer, CallerObjectId), so a
 * FetchXML query too long for a URL of its own can be sent this way; a part's URL may be up
 * to 65,536 characters ("Execute batch operations using the Web API"), and a longer one is
 * answered with a 414 part, the emulator's own stand-in.
 * When the batch stops, the parts processed before the failure are answered too: the
 * reference's example fails at its first part, so it shows only that one, and users report
 * Dataverse answering "account-1, account-2 and a 404 for contact-1" (MicrosoftDocs/powerapps-docs#1241).
 * A top-level part echoes the request's Content-ID too. Microsoft's Dataverse docs show the
 * echo only inside change set responses and say nothing either way for top-level parts;
 * OData 4.0 (Part 1 §11.7.4) has a response part carry the Content-ID its request had, and
 * MS-ODATA 2.2.7.6.6 asks servers to write it back where they read it. Clients must cope
 * with either (ours falls back to position).
 * Simplifies: a part's own Content-Length is not needed, as its body ends at the next
 * delimiter line; Content-ID is echoed but not required.
 */
import { randomUUID } from "node:crypto";
import { STATUS_CODES } from "node:http";
import { badRequest, DataverseFault } from "./faults";
import { parsePrefer } from "./odata";
import type { EmuContext, EmuRequest, EmuResponse } from "./types";

const CRLF = "\r\n";
const MAX_REQUESTS = 1000;
const MAX_URL_LENGTH = 65_536;
const API_PREFIX = "/api/data/v9.2/";
const JSON_TYPE = "application/json; odata.metadata=minimal; odata.streaming=true";

interface Part {
  headers: Record<string, string>;
  body: string;
}

interface InnerRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
  contentId?: string;
}

type BatchItem = { kind: "request"; request: InnerRequest } | { kind: "changeSet"; requests: InnerRequest[] };

const boundaryOf = (contentType: string | undefined): string | undefined => {
  const match = /^\s*multipart\/mixed\s*;.*\bboundary=("([^"]+)"|[^;\s]+)/i.exec(contentType ?? "");
  return match ? (match[2] ?? match[1]) : undefined;
};

/** Parts between exact delimiter lines; undefined when there is no closing delimiter. */
const splitMultipart = (body: string, boundary: string): string[] | undefined => {
  const pieces = `${CRLF}${body}`.split(`${CRLF}--${boundary}`);
  const parts: string[] = [];
  for (const piece of pieces.slice(1)) {
    if (piece.startsWith("--")) return parts;
    if (!piece.startsWith(CRLF)) return undefined;
    parts.push(piece.slice(CRLF.length));
  }
  return undefined;
};

const splitHead = (text: string): { headers: Record<string, string>; body: string; firstLine?: string } | undefined => {
  const end = text.startsWith(CRLF) ? 0 : text.indexOf(`${CRLF}${CRLF}`);
  if (end < 0) return undefined;
  const headers: Record<string, string> = {};
  for (const line of end ? text.slice(0, end).split(CRLF) : []) {
    const colon = line.indexOf(":");
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { headers, body: text.slice(end ? end + 4 : 2) };
};

const malformed = (problem: string) => badRequest(`The batch request could not be read: ${problem}.`);

const readPart = (text: string): Part => {
  const part = splitHead(text);
  if (!part) throw malformed("a part has no empty line after its headers");
  return part;
};

const readRequest = (part: Part): InnerRequest => {
  if (!/^application\/http\b/i.test(part.headers["content-type"] ?? "")) {
    throw malformed(`a part has Content-Type '${part.headers["content-type"] ?? ""}', expected application/http`);
  }
  const lineEnd = part.body.indexOf(CRLF);
  const requestLine = /^(GET|POST|PATCH|PUT|DELETE) (\S+) HTTP\/1\.1$/.exec(lineEnd < 0 ? part.body : part.body.slice(0, lineEnd));
  const message = lineEnd < 0 ? undefined : splitHead(part.body.slice(lineEnd + CRLF.length));
  if (!requestLine || !message) throw malformed(`'${part.body.slice(0, 60)}' is not an HTTP request`);
  return {
    method: requestLine[1],
    url: requestLine[2],
    headers: message.headers,
    body: message.body,
    contentId: part.headers["content-id"],
  };
};

const readChangeSet = (part: Part, boundary: string): InnerRequest[] => {
  const texts = splitMultipart(part.body, boundary);
  if (!texts) throw malformed(`the change set has no closing delimiter '--${boundary}--'`);
  const requests = texts.map((text) => readRequest(readPart(text)));
  if (requests.some((request) => request.method === "GET")) {
    throw badRequest("GET requests are not allowed inside a change set.");
  }
  return requests;
};

const readBatch = (request: EmuRequest): BatchItem[] => {
  const boundary = boundaryOf(request.headers["content-type"]);
  if (!boundary) throw malformed("the Content-Type must be multipart/mixed with a boundary");
  const texts = splitMultipart(request.body, boundary);
  if (!texts) throw malformed(`the body has no closing delimiter '--${boundary}--' or its lines do not end in CRLF`);
  return texts.map((text) => {
    const part = readPart(text);
    const changeSetBoundary = boundaryOf(part.headers["content-type"]);
    return changeSetBoundary
      ? { kind: "changeSet", requests: readChangeSet(part, changeSetBoundary) }
      : { kind: "request", request: readRequest(part) };
  });
};

const parseQuery = (query: string): Record<string, string> =>
  Object.fromEntries(
    query
      .split("&")
      .filter(Boolean)
      .map((pair) => {
        const eq = pair.indexOf("=");
        return [decodeURIComponent(eq < 0 ? pair : pair.slice(0, eq)), eq < 0 ? "" : decodeURIComponent(pair.slice(eq + 1))];
      }),
  );

/** `$1…` becomes the URL of the record part 1 created; an absolute or root-relative URL becomes a path under the API root. */
const resolveUrl = (url: string, references: Map<string, string>, context: EmuContext): string => {
  const reference = /^\$(\d+)(.*)$/.exec(url);
  if (reference) {
    const target = references.get(reference[1]);
    if (!target) throw badRequest(`Content-ID Reference: '$${reference[1]}' does not exist in the batch context.`);
    return `${target.slice(context.apiRoot.length)}${reference[2]}`;
  }
  const path = url.startsWith(context.apiRoot)
    ? url.slice(context.apiRoot.length)
    : url.startsWith(API_PREFIX)
      ? url.slice(API_PREFIX.length)
      : url;
  if (/^[a-z]+:\/\//i.test(path) || path.startsWith("/")) throw badRequest(`The request URL '${url}' is not under ${API_PREFIX}.`);
  return path;
};

/** `"x@odata.bind": "$1"` and `"@odata.id": "$1"` name the record part 1 created. */
const resolveBody = (body: string, references: Map<string, string>): string => {
  if (!body.includes('"$')) return body;
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(body) as Record<string, unknown>;
  } catch {
    return body;
  }
  if (!parsed || typeof parsed !== "object") return body;
  for (const [name, value] of Object.entries(parsed)) {
    const reference = typeof value === "string" ? /^\$(\d+)$/.exec(value) : null;
    if (!reference || !(name.endsWith("@odata.bind") || name === "@odata.id")) continue;
    const target = references.get(reference[1]);
    if (!target) throw badRequest(`Content-ID Reference: '$${reference[1]}' does not exist in the batch context.`);
    parsed[name] = target;
  }
  return JSON.stringify(parsed);
};

const runRequest = async (inner: InnerRequest, context: EmuContext, references: Map<string, string>): Promise<EmuResponse> => {
  if (inner.url.length > MAX_URL_LENGTH) {
    return { status: 414, body: { error: { message: `The request URL is longer than ${MAX_URL_LENGTH} characters.` } } };
  }
  let request: EmuRequest;
  try {
    const url = resolveUrl(inner.url, references, context);
    const question = url.indexOf("?");
    request = {
      method: inner.method,
      path: question < 0 ? url : url.slice(0, question),
      query: question < 0 ? {} : parseQuery(url.slice(question + 1)),
      headers: inner.headers,
      body: resolveBody(inner.body, references),
    };
  } catch (error) {
    if (error instanceof DataverseFault) return error.toResponse();
    throw error;
  }
  const response = await context.dispatch(request);
  const entityId = response.headers?.["OData-EntityId"];
  if (response.status === 204 && entityId) {
    response.headers = { Location: entityId, ...response.headers };
  }
  if (inner.contentId && entityId) references.set(inner.contentId, entityId);
  return response;
};

const httpResponsePart = (response: EmuResponse, contentId?: string): string => {
  const headers: Record<string, string> = { "OData-Version": "4.0", ...response.headers };
  if (response.status >= 400) headers.REQ_ID = randomUUID();
  let body = "";
  if (response.body !== undefined) {
    body = typeof response.body === "string" ? response.body : JSON.stringify(response.body);
    headers["Content-Type"] = headers["Content-Type"] ?? JSON_TYPE;
  }
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}${CRLF}`);
  return (
    `Content-Type: application/http${CRLF}Content-Transfer-Encoding: binary${CRLF}` +
    (contentId ? `Content-ID: ${contentId}${CRLF}` : "") +
    CRLF +
    `HTTP/1.1 ${response.status} ${STATUS_CODES[response.status] ?? ""}${CRLF}${lines.join("")}${CRLF}${body}`
  );
};

const multipart = (boundary: string, parts: string[]): string =>
  parts.map((part) => `--${boundary}${CRLF}${part}${CRLF}`).join("") + `--${boundary}--${CRLF}`;

class ChangeSetFailure extends Error {}

/** All or nothing: the first failing request rolls back the ones before it and is the only one answered. */
const runChangeSet = async (requests: InnerRequest[], context: EmuContext): Promise<{ part: string; failure?: EmuResponse }> => {
  const references = new Map<string, string>();
  const answered: { response: EmuResponse; contentId?: string }[] = [];
  let failure: { response: EmuResponse; contentId?: string } | undefined;
  try {
    await context.store.atomically(async () => {
      for (const request of requests) {
        const response = await runRequest(request, context, references);
        if (response.status >= 400) {
          failure = { response, contentId: request.contentId };
          throw new ChangeSetFailure();
        }
        answered.push({ response, contentId: request.contentId });
      }
    });
  } catch (error) {
    if (!(error instanceof ChangeSetFailure)) throw error;
  }
  const boundary = `changesetresponse_${randomUUID()}`;
  const parts = (failure ? [failure] : answered).map(({ response, contentId }) => httpResponsePart(response, contentId));
  return {
    part: `Content-Type: multipart/mixed; boundary=${boundary}${CRLF}${CRLF}${multipart(boundary, parts)}`,
    failure: failure?.response,
  };
};

const requestCount = (items: BatchItem[]): number =>
  items.reduce((count, item) => count + (item.kind === "changeSet" ? item.requests.length : 1), 0);

export const handleBatch = async (request: EmuRequest, context: EmuContext): Promise<EmuResponse> => {
  const items = readBatch(request);
  if (requestCount(items) > MAX_REQUESTS) {
    throw badRequest(
      `The current batch message contains too many parts. Only batch messages with a maximum number of '${MAX_REQUESTS}' query operations, including changeset operations, are allowed.`,
    );
  }
  const continueOnError = parsePrefer(request.headers.prefer).continueOnError;
  const parts: string[] = [];
  let status = 200;
  for (const item of items) {
    let failure: EmuResponse | undefined;
    if (item.kind === "changeSet") {
      const answer = await runChangeSet(item.requests, context);
      parts.push(answer.part);
      failure = answer.failure;
    } else {
      const response = await runRequest(item.request, context, new Map());
      parts.push(httpResponsePart(response, item.request.contentId));
      failure = response.status >= 400 ? response : undefined;
    }
    if (failure && !continueOnError) {
      status = failure.status;
      break;
    }
  }
  const boundary = `batchresponse_${randomUUID()}`;
  return {
    status,
    headers: {
      "Content-Type": `multipart/mixed; boundary=${boundary}`,
      ...(continueOnError ? { "Preference-Applied": "odata.continue-on-error" } : {}),
    },
    body: multipart(boundary, parts),
  };
};
