/**
 * A gateway in front of the emulator that records every request exactly as it arrived (the raw
 * URL, before any decoding) and passes it on; when asked, it misbehaves: it
 * answers in the emulator's place with everything the request carried (headers, the
 * Authorization header among them, and the body) written back, as a Dataverse error, an
 * HTML error page, a plain-text error, or a 200 JSON body. It stands for a proxy, a gateway
 * or a plug-in that echoes what it received, which is how a token ends up in an answer.
 */
import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { type Emulator, lowerHeaders, readBody } from "./server";

/** How an echoed answer is shaped. */
export type EchoShape = "dataverseError" | "htmlError" | "textError" | "json200";

export const ECHO_SHAPES: EchoShape[] = ["dataverseError", "htmlError", "textError", "json200"];

export interface EchoedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface EchoGateway {
  /** The Web API URL a connection through the gateway uses. */
  url: string;
  /** The shape of echoed answers; undefined passes every request on to the emulator. */
  shape?: EchoShape;
  /** More text written into every echo: a secret the server holds for another reason (a client secret it was sent elsewhere). */
  alsoEchoes: string[];
  /** Which requests are echoed (default: all of them while a shape is set). */
  echoes: (request: EchoedRequest) => boolean;
  /** Requests answered with an echo. */
  echoed: EchoedRequest[];
  /** Every request received, raw, since the last call (and forgets them). */
  take(): EchoedRequest[];
  stop(): Promise<void>;
}

const echoAnswer = (shape: EchoShape, echoed: EchoedRequest, extra: string[]): { status: number; contentType: string; body: string } => {
  const dump = `${echoed.method} ${echoed.url} ${JSON.stringify(echoed.headers)} ${echoed.body} ${extra.join(" ")}`;
  switch (shape) {
    case "dataverseError":
      return {
        status: 400,
        contentType: "application/json; charset=utf-8",
        body: JSON.stringify({
          error: { code: "0x80040265", message: `Plug-in failed: ${dump}`, headers: echoed.headers, body: echoed.body },
        }),
      };
    case "htmlError":
      return {
        status: 500,
        contentType: "text/html; charset=utf-8",
        body: `<html><body><h1>Server Error</h1><pre>${dump}</pre><p>Authorization: ${echoed.headers.authorization ?? ""}</p></body></html>`,
      };
    case "textError":
      return { status: 403, contentType: "text/plain", body: `Forbidden. Request was: ${dump}` };
    case "json200":
      return {
        status: 200,
        contentType: "application/json; charset=utf-8",
        body: JSON.stringify({ value: [{ echo: dump, headers: echoed.headers }], echo: dump, headers: echoed.headers, body: echoed.body }),
      };
  }
};

export const startEchoGateway = async (emulator: Emulator): Promise<EchoGateway> => {
  const target = new URL(emulator.url);
  const received: EchoedRequest[] = [];
  const gateway: EchoGateway = {
    url: "",
    alsoEchoes: [],
    echoes: () => true,
    echoed: [],
    take: () => received.splice(0, received.length),
    stop: async () => undefined,
  };
  // As large as the emulator allows, so a long URL reaches it rather than stop here.
  const server: Server = createServer({ maxHeaderSize: 128 * 1024 }, async (request, response) => {
    const echoed: EchoedRequest = {
      method: request.method ?? "GET",
      url: request.url ?? "/",
      headers: lowerHeaders(request),
      body: await readBody(request),
    };
    received.push(echoed);
    if (gateway.shape && gateway.echoes(echoed)) {
      gateway.echoed.push(echoed);
      const answer = echoAnswer(gateway.shape, echoed, gateway.alsoEchoes);
      response.writeHead(answer.status, { "Content-Type": answer.contentType, "X-Echo-Authorization": echoed.headers.authorization ?? "" });
      response.end(answer.body);
      return;
    }
    const forwarded = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: echoed.method,
        path: echoed.url,
        headers: { ...echoed.headers, host: target.host },
      },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    forwarded.on("error", () => response.socket?.destroy());
    forwarded.end(echoed.body);
  });
  const sockets = new Set<Socket>();
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  gateway.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  gateway.stop = async () => {
    sockets.forEach((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return gateway;
};
