/**
 * A transport with no network for the in-memory `$batch` figure: `http.request` answers every
 * request from a canned response, so what is left is each client's own work, building the
 * request and reading the answer. Both clients (ours and dynamics-web-api, each on node:http)
 * reach the network through `http.request`.
 */
import http from "node:http";
import { PassThrough, Readable } from "node:stream";

export interface CannedAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

type Callback = (response: http.IncomingMessage) => void;

const fakeRequest = (answer: CannedAnswer, callback: Callback | undefined): http.ClientRequest => {
  const request = new PassThrough() as unknown as http.ClientRequest & PassThrough;
  Object.assign(request, { setTimeout: () => request, abort: () => undefined, setHeader: () => undefined });
  request.resume();
  // As Node's own request does, the callback is a 'response' listener; the body is complete once read.
  if (callback) request.once("response", callback);
  request.on("finish", () => {
    const response = Readable.from([Buffer.from(answer.body, "utf8")]) as unknown as http.IncomingMessage;
    Object.assign(response, { statusCode: answer.status, statusMessage: "OK", headers: answer.headers, rawHeaders: [], complete: true });
    request.emit("response", response);
  });
  return request;
};

/**
 * Runs `work` with every `http.request` answered by `answer`, then puts the real one back; `answered`
 * counts the requests it answered, so a figure can tell that its client went through it.
 */
export const withCannedTransport = async <T>(answer: CannedAnswer, work: (answered: () => number) => Promise<T>): Promise<T> => {
  const real = http.request;
  let answered = 0;
  const patched = (...args: unknown[]) => {
    answered += 1;
    return fakeRequest(answer, args.find((arg) => typeof arg === "function") as Callback | undefined);
  };
  (http as { request: unknown }).request = patched;
  try {
    return await work(() => answered);
  } finally {
    (http as { request: unknown }).request = real;
  }
};
