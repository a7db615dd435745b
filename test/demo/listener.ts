/** A local HTTP listener on 127.0.0.1 standing in for the flow's Prismatic webhook URL. */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface Delivery {
  headers: Record<string, string>;
  query: Record<string, string>;
  body: Buffer;
}

export interface Listener {
  url: string;
  /** The next request the listener receives, or an error after `timeoutMs`. */
  next(timeoutMs: number): Promise<Delivery>;
  stop(): Promise<void>;
}

export const startListener = async (): Promise<Listener> => {
  const received: Delivery[] = [];
  let notify: (() => void) | undefined;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const url = new URL(request.url ?? "/", "http://127.0.0.1");
      const headers = Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, String(value)]));
      received.push({ headers, query: Object.fromEntries(url.searchParams), body: Buffer.concat(chunks) });
      response.writeHead(200).end();
      notify?.();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const next = (timeoutMs: number): Promise<Delivery> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no webhook request arrived within ${timeoutMs / 1000} s`)), timeoutMs);
      notify = () => {
        const delivery = received.shift();
        if (!delivery) return;
        clearTimeout(timer);
        notify = undefined;
        resolve(delivery);
      };
      notify();
    });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/trigger/demo-flow`,
    next,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};
