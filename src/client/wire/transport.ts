import http from "node:http";
import https from "node:https";
import type { Socket } from "node:net";
import { TLSSocket } from "node:tls";
import zlib from "node:zlib";

/**
 * One HTTP attempt and nothing else: no retries, no redirects, the body as bytes. Its
 * one job beyond that is to say truthfully how far a failed attempt got, because that
 * decides whether a write may have happened.
 */

/** How far a failed attempt got. */
export type TransportFailureKind =
  /** The connection was never made, so nothing reached a server. */
  | "never-sent"
  /** The request went out and no answer came back. */
  | "sent-no-answer"
  /** An answer began (its status line arrived) but its body did not arrive whole. */
  | "answer-cut-off";

export interface TransportRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string | Buffer;
  /** The attempt fails once it has taken this long, wherever it is. */
  timeoutMs: number;
  /** The most bytes an answer's body may hold, as received and once decompressed (default MAX_BODY_BYTES). */
  maxBodyBytes?: number;
}

/** Far above any Dataverse answer (a file comes in 4 MB chunks); a body beyond it, or a gzip bomb, is refused, not held in memory. */
export const MAX_BODY_BYTES = 256 * 1024 * 1024;

export interface TransportAnswer {
  ok: true;
  status: number;
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** The body as received, decompressed. */
  bytes: Buffer;
}

export interface TransportFailure {
  ok: false;
  failure: TransportFailureKind;
  /** The attempt ran out of time rather than failed on the network. */
  timedOut: boolean;
  /** Node refused to build the request (a header it cannot send): sending it again would fail the same way. */
  unsendable?: boolean;
  /** The body (as received or decompressed) passed maxBodyBytes: sending it again would meet the same answer. */
  oversized?: boolean;
  /** The system's code and message, e.g. `ECONNRESET: socket hang up`. */
  reason: string;
  /** When the answer was cut off: what had arrived of it. */
  status?: number;
  headers?: Record<string, string>;
  bytes?: Buffer;
}

export type TransportResult = TransportAnswer | TransportFailure;

/** Built once for the process: connections are kept alive and shared by every client and action. */
const agents = {
  "http:": new http.Agent({ keepAlive: true }),
  "https:": new https.Agent({ keepAlive: true }),
};

const flattenHeaders = (headers: http.IncomingHttpHeaders): Record<string, string> =>
  Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [name.toLowerCase(), Array.isArray(value) ? value.join(", ") : String(value ?? "")]),
  );

const decompress = (bytes: Buffer, encoding: string | undefined, maxOutputLength: number): Buffer => {
  switch ((encoding ?? "").trim().toLowerCase()) {
    case "gzip":
    case "x-gzip":
      return zlib.gunzipSync(bytes, { maxOutputLength });
    case "deflate":
      return zlib.inflateSync(bytes, { maxOutputLength });
    case "br":
      return zlib.brotliDecompressSync(bytes, { maxOutputLength });
    default:
      return bytes;
  }
};

/** A response with no body by definition (RFC 9110 §6.4.1), whatever its Content-Length says. */
const hasNoBody = (method: string, status: number): boolean => method === "HEAD" || status === 204 || status === 304 || status < 200;

const describe = (error: NodeJS.ErrnoException): string => (error.code ? `${error.code}: ${error.message}` : error.message);

/** Whether the socket has finished connecting (a TLS socket: its handshake too), so the request can have gone out. */
const watchConnection = (socket: Socket, connected: () => void): void => {
  const event = socket instanceof TLSSocket ? "secureConnect" : "connect";
  if (!socket.connecting && (!(socket instanceof TLSSocket) || socket.encrypted)) {
    connected();
    return;
  }
  socket.once(event, connected);
};

interface Answer {
  status: number;
  headers: Record<string, string>;
  chunks: Buffer[];
  received: number;
}

/** The Content-Length the answer's body must reach, where it has a body at all. */
const expectedLength = (method: string, answer: Answer): number | undefined => {
  const declared = Number(answer.headers["content-length"]);
  return Number.isInteger(declared) && !hasNoBody(method, answer.status) ? declared : undefined;
};

const cutOffReason = (method: string, answer: Answer): string => {
  const expected = expectedLength(method, answer);
  const of = expected === undefined ? "" : ` of the ${expected} its Content-Length declared`;
  return `the connection closed after ${answer.received} bytes${of}`;
};

export const sendAttempt = (request: TransportRequest): Promise<TransportResult> =>
  new Promise((resolve) => {
    const url = new URL(request.url);
    const library = url.protocol === "https:" ? https : http;
    const timeoutReason = `no complete answer within ${request.timeoutMs} ms`;
    const maxBodyBytes = request.maxBodyBytes ?? MAX_BODY_BYTES;
    const oversizedReason = `the answer's body is larger than the ${maxBodyBytes} bytes accepted`;
    let oversized = false;
    let connected = false;
    let answer: Answer | undefined;
    let settled = false;
    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;

    const settle = (result: TransportResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };

    const fail = (reason: string) => {
      const failure: TransportFailureKind = answer ? "answer-cut-off" : connected ? "sent-no-answer" : "never-sent";
      const partial = answer ? { status: answer.status, headers: answer.headers, bytes: Buffer.concat(answer.chunks) } : {};
      const why = timedOut ? timeoutReason : oversized ? oversizedReason : reason;
      settle({ ok: false, failure, timedOut, ...(oversized ? { oversized } : {}), reason: why, ...partial });
    };

    let outgoing: http.ClientRequest;
    try {
      outgoing = library.request(url, {
        method: request.method,
        headers: request.headers,
        agent: agents[url.protocol as keyof typeof agents],
      });
    } catch (error) {
      // Node refuses a header it cannot send (a line break in a value) before any connection.
      settle({ ok: false, failure: "never-sent", unsendable: true, timedOut: false, reason: describe(error as NodeJS.ErrnoException) });
      return;
    }
    timer = setTimeout(() => {
      timedOut = true;
      outgoing.destroy(new Error(timeoutReason));
    }, request.timeoutMs);

    outgoing.on("socket", (socket: Socket) =>
      watchConnection(socket, () => {
        connected = true;
      }),
    );
    outgoing.on("error", (error: NodeJS.ErrnoException) => fail(answer ? cutOffReason(request.method, answer) : describe(error)));
    outgoing.on("response", (incoming) => {
      const current: Answer = { status: incoming.statusCode ?? 0, headers: flattenHeaders(incoming.headers), chunks: [], received: 0 };
      answer = current;
      incoming.on("data", (chunk: Buffer) => {
        current.chunks.push(chunk);
        current.received += chunk.length;
        if (current.received > maxBodyBytes && !oversized) {
          oversized = true;
          fail(oversizedReason);
          outgoing.destroy();
        }
      });
      incoming.on("error", () => fail(cutOffReason(request.method, current)));
      incoming.on("close", () => {
        const expected = expectedLength(request.method, current);
        if (!incoming.complete || (expected !== undefined && current.received < expected)) {
          fail(cutOffReason(request.method, current));
          return;
        }
        try {
          settle({
            ok: true,
            status: current.status,
            headers: current.headers,
            bytes: decompress(Buffer.concat(current.chunks), current.headers["content-encoding"], maxBodyBytes),
          });
        } catch (error) {
          oversized = (error as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE";
          fail(`the body could not be decompressed (${(error as Error).message})`);
        }
      });
    });
    outgoing.end(request.body);
  });
