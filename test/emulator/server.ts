/**
 * The emulator's HTTP server on 127.0.0.1: the Web API under `/api/data/v9.2/` behind a
 * bearer-token check (401 without a token it issued), the Entra ID stand-in, a record of
 * every request it received, and injectable faults (throttling, gateway errors, dropped
 * connections, HTML or cut-off bodies) for testing how clients cope.
 * A URL longer than 32,768 characters is refused with a 414 (Microsoft Learn, "Compose HTTP
 * requests and handle errors": "The maximum length of URL accepted is 32 KB"); the status and
 * the HTML page are the emulator's own, as the docs give neither.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { addFileColumns } from "./files";
import { dispatch } from "./router";
import { seedStore } from "./seed";
import { Store } from "./store";
import { answerTokenRequest, authorizeRedirect, createTokenIssuer, type TokenIssuer } from "./token";
import type { EmuContext, EmuRequest, EmuResponse } from "./types";
import { seedSdkMessages, startWebhookDelivery, webhookTables } from "./webhooks";
import { seedBulkMessages } from "./bulk";
import { ServiceProtection, type EmulatorClock, type ServiceProtectionOptions } from "./serviceProtection";

const API_PREFIX = "/api/data/v9.2/";
const JSON_TYPE = "application/json; odata.metadata=minimal; odata.streaming=true; IEEE754Compatible=false; charset=utf-8";
const MAX_URL_LENGTH = 32_768;
/** Node's default (16 KB for the request line and headers) would refuse long URLs before Dataverse's own limit. */
const MAX_HEADER_BYTES = 128 * 1024;

export interface RecordedRequest {
  method: string;
  /** Relative to the Web API root and URL-decoded: `accounts(…)`. */
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: string;
}

export interface InjectedFault {
  method?: string;
  /** Matches the decoded path relative to the Web API root. */
  path?: string | RegExp;
  /** How many matching requests it answers (default 1). */
  times?: number;
  status?: number;
  headers?: Record<string, string>;
  /** A string is sent as it is (HTML, cut-off JSON); an object as JSON. */
  body?: unknown;
  /** Close the connection without an answer. */
  drop?: boolean;
  /** Never answer: the connection stays open until the emulator stops. */
  hang?: boolean;
  /**
   * Send the status line, the headers with the full body's Content-Length, then only half of
   * the body, and close the connection. Without a status or body of its own (with
   * afterHandling) it cuts off the real answer.
   */
  cutOff?: boolean;
  /** Carry the request out first, then answer with the fault: a write whose answer is lost. */
  afterHandling?: boolean;
}

export interface EmulatorOptions {
  port?: number;
  /** Seed realistic data (default true). */
  seed?: boolean;
  /** Dataverse's service protection limits and simulated server cost (off and free by default). */
  serviceProtection?: Partial<ServiceProtectionOptions>;
  /** The time service protection measures its windows and spends its costs in (real time by default). */
  clock?: EmulatorClock;
}

export interface Emulator {
  /** `http://127.0.0.1:<port>`: the Web API URL a connection uses. */
  url: string;
  apiRoot: string;
  tokenUrl: string;
  authorizeUrl: string;
  /** A token the Web API accepts, for tests that skip the OAuth dance. */
  accessToken: string;
  issuer: TokenIssuer;
  store: Store;
  serviceProtection: ServiceProtection;
  requests: RecordedRequest[];
  inject(fault: InjectedFault): void;
  /** Forgets the faults not yet used up. */
  clearFaults(): void;
  /** Requests to the Web API that arrived since the last call (and forgets them). */
  takeRequests(): RecordedRequest[];
  stop(): Promise<void>;
}

const readBytes = (request: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks)));
    request.on("error", reject);
  });

export const readBody = async (request: IncomingMessage): Promise<string> => (await readBytes(request)).toString("utf8");

export const lowerHeaders = (request: IncomingMessage): Record<string, string> =>
  Object.fromEntries(
    Object.entries(request.headers).map(([name, value]) => [
      name.toLowerCase(),
      Array.isArray(value) ? value.join(", ") : String(value ?? ""),
    ]),
  );

/** Query options decoded, keeping `+` as a plus: OData does not read it as a space. */
const parseQuery = (rawQuery: string): Record<string, string> => {
  const query: Record<string, string> = {};
  for (const part of rawQuery.split("&")) {
    if (!part) continue;
    const eq = part.indexOf("=");
    const name = decodeURIComponent(eq < 0 ? part : part.slice(0, eq));
    query[name] = eq < 0 ? "" : decodeURIComponent(part.slice(eq + 1));
  }
  return query;
};

/** The status, headers and body text an answer goes out with. */
const encode = (answer: EmuResponse): { headers: Record<string, string>; body: string | Buffer } => {
  const headers: Record<string, string> = { "OData-Version": "4.0", "x-ms-service-request-id": randomUUID(), ...answer.headers };
  let body: string | Buffer = "";
  if (answer.body !== undefined) {
    if (typeof answer.body === "string" || Buffer.isBuffer(answer.body)) {
      body = answer.body;
    } else {
      body = JSON.stringify(answer.body);
      headers["Content-Type"] = headers["Content-Type"] ?? JSON_TYPE;
    }
  }
  return { headers, body };
};

const send = (response: ServerResponse, answer: EmuResponse): void => {
  const { headers, body } = encode(answer);
  response.writeHead(answer.status, headers);
  response.end(body);
};

/** Half the body after headers that promise all of it, then the connection closes. */
const sendCutOff = (response: ServerResponse, answer: EmuResponse): void => {
  const { headers, body } = encode(answer);
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body, "utf8");
  response.writeHead(answer.status, { ...headers, "Content-Length": String(bytes.length) });
  response.write(bytes.subarray(0, Math.floor(bytes.length / 2)), () => response.socket?.destroy());
};

export const matches = (fault: InjectedFault, method: string, path: string): boolean =>
  (!fault.method || fault.method.toUpperCase() === method) &&
  (!fault.path || (typeof fault.path === "string" ? path.startsWith(fault.path) : fault.path.test(path)));

export const startEmulator = async (options: EmulatorOptions = {}): Promise<Emulator> => {
  const store = new Store();
  webhookTables().forEach((table) => store.addTable(table));
  seedSdkMessages(store);
  addFileColumns(store);
  seedBulkMessages(store);
  const protection = new ServiceProtection(options.serviceProtection, options.clock);
  if (options.seed !== false) seedStore(store);
  const requests: RecordedRequest[] = [];
  const faults: (InjectedFault & { remaining: number })[] = [];
  let origin = "";
  const issuer = createTokenIssuer(() => origin);
  const context: EmuContext = {
    store,
    get apiRoot() {
      return `${origin}${API_PREFIX}`;
    },
    dispatch: (request: EmuRequest) => dispatch(request, context),
  };

  const handleApi = async (request: IncomingMessage, response: ServerResponse, url: URL, rawQuery: string): Promise<void> => {
    const method = (request.method ?? "GET").toUpperCase();
    const headers = lowerHeaders(request);
    const bytes = await readBytes(request);
    const body = bytes.toString("utf8");
    const emuRequest: EmuRequest = {
      method,
      path: url.pathname.slice(API_PREFIX.length),
      query: parseQuery(rawQuery),
      headers,
      body,
      bytes,
    };
    const decodedPath = decodeURIComponent(emuRequest.path);
    requests.push({ method, path: decodedPath, query: emuRequest.query, headers, body });
    if (`${origin}${request.url ?? ""}`.length > MAX_URL_LENGTH) {
      const page = `<html><body><h1>414 URI Too Long</h1><p>The request URL is longer than ${MAX_URL_LENGTH} characters.</p></body></html>`;
      send(response, { status: 414, headers: { "Content-Type": "text/html; charset=utf-8" }, body: page });
      return;
    }
    const bearer = /^Bearer (.+)$/.exec(headers.authorization ?? "")?.[1];
    if (!bearer || !issuer.accessTokens.has(bearer)) {
      send(response, {
        status: 401,
        headers: { "WWW-Authenticate": `Bearer authorization_uri=${origin}/common/oauth2/authorize` },
        body: "",
      });
      return;
    }
    const ticket = protection.enter(bearer, emuRequest);
    if (ticket.refusal) {
      send(response, ticket.refusal);
      return;
    }
    try {
      await ticket.work();
      const fault = faults.find((candidate) => candidate.remaining > 0 && matches(candidate, method, decodedPath));
      if (fault) fault.remaining -= 1;
      if (fault && !fault.afterHandling) {
        answerFault(response, fault);
        return;
      }
      const answer = await dispatch(emuRequest, context);
      if (fault) {
        answerFault(response, fault, answer);
        return;
      }
      send(response, answer);
    } finally {
      ticket.leave();
    }
  };

  const answerFault = (response: ServerResponse, fault: InjectedFault, real?: EmuResponse): void => {
    if (fault.drop) {
      response.socket?.destroy();
      return;
    }
    if (fault.hang) return;
    const headers = { ...(fault.cutOff && fault.body === undefined ? real?.headers : undefined), ...fault.headers };
    if (typeof fault.body === "string" && !Object.keys(headers).some((name) => name.toLowerCase() === "content-type")) {
      headers["Content-Type"] = "text/html; charset=utf-8";
    }
    const answer = {
      status: fault.status ?? (fault.cutOff && real ? real.status : 500),
      headers,
      body: fault.body ?? (fault.cutOff ? real?.body : undefined),
    };
    (fault.cutOff ? sendCutOff : send)(response, answer);
  };

  const handleOAuth = async (request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> => {
    if (url.pathname.endsWith("/oauth2/v2.0/authorize")) {
      const location = authorizeRedirect(issuer, url.searchParams);
      response.writeHead(location ? 302 : 400, location ? { Location: location } : {});
      response.end();
      return;
    }
    const form = new URLSearchParams(await readBody(request));
    const basic = /^Basic (.+)$/.exec(request.headers.authorization ?? "")?.[1];
    const answer = answerTokenRequest(issuer, form, basic);
    response.writeHead(answer.status, { "Content-Type": "application/json; charset=utf-8" });
    response.end(JSON.stringify(answer.body));
  };

  const server: Server = createServer({ maxHeaderSize: MAX_HEADER_BYTES }, (request, response) => {
    response.setHeader("x-ms-dop-hint", String(protection.options.dopHint));
    const rawUrl = request.url ?? "/";
    // Joined, not resolved: a path such as `//x` is a path on this host, not a protocol-relative URL.
    const url = new URL(`${origin || "http://127.0.0.1"}${rawUrl.startsWith("/") ? rawUrl : `/${rawUrl}`}`);
    const rawQuery = rawUrl.includes("?") ? rawUrl.slice(rawUrl.indexOf("?") + 1) : "";
    const work =
      url.pathname.startsWith(API_PREFIX) || url.pathname === API_PREFIX.slice(0, -1)
        ? handleApi(request, response, new URL(url.pathname.endsWith("/v9.2") ? `${url.pathname}/` : url.pathname, origin), rawQuery)
        : /\/oauth2\/v2\.0\/(token|authorize)$/.test(url.pathname)
          ? handleOAuth(request, response, url)
          : Promise.resolve(
              send(response, {
                status: 404,
                body: { error: { code: "0x8006088a", message: `Resource not found for the segment '${url.pathname}'.` } },
              }),
            );
    work.catch((error: Error) => {
      if (!response.headersSent) send(response, { status: 500, body: { error: { code: "0x80040216", message: error.message } } });
    });
  });
  const sockets = new Set<Socket>();
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const stopDelivery = startWebhookDelivery(store, origin);

  return {
    url: origin,
    apiRoot: `${origin}${API_PREFIX}`,
    tokenUrl: `${origin}/organizations/oauth2/v2.0/token`,
    authorizeUrl: `${origin}/organizations/oauth2/v2.0/authorize`,
    accessToken: issuer.issue(),
    issuer,
    store,
    serviceProtection: protection,
    requests,
    inject(fault) {
      faults.push({ ...fault, remaining: fault.times ?? 1 });
    },
    clearFaults() {
      faults.length = 0;
    },
    takeRequests() {
      return requests.splice(0, requests.length);
    },
    async stop() {
      await stopDelivery();
      sockets.forEach((socket) => socket.destroy());
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
};
