import http from "node:http";
import type { AddressInfo } from "node:net";
import zlib from "node:zlib";
import { sendAttempt } from "../../src/client/wire/transport";

/** A server answering every request with `answer`, for the transport's own limits (the emulator sends no compressed bodies). */
const serve = async (answer: (response: http.ServerResponse) => void) => {
  const server = http.createServer((_, response) => answer(response));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/api/data/v9.2/accounts`, close: () => new Promise((resolve) => server.close(resolve)) };
};

const get = (url: string, maxBodyBytes: number) => sendAttempt({ method: "GET", url, headers: {}, timeoutMs: 10_000, maxBodyBytes });

describe("the transport's body limit", () => {
  it("refuses a gzip bomb instead of expanding it without bound", async () => {
    const bomb = zlib.gzipSync(Buffer.alloc(8 * 1024 * 1024));
    const server = await serve((response) => {
      response.writeHead(200, { "Content-Type": "application/json", "Content-Encoding": "gzip", "Content-Length": bomb.length });
      response.end(bomb);
    });
    try {
      const result = await get(server.url, 1024 * 1024);
      expect(result).toMatchObject({ ok: false, oversized: true, status: 200 });
    } finally {
      await server.close();
    }
  });

  it("stops reading a body larger than the limit", async () => {
    const server = await serve((response) => {
      response.writeHead(200, { "Content-Type": "application/octet-stream" });
      response.end(Buffer.alloc(3 * 1024 * 1024));
    });
    try {
      const result = await get(server.url, 1024 * 1024);
      expect(result).toMatchObject({ ok: false, oversized: true, failure: "answer-cut-off", status: 200 });
    } finally {
      await server.close();
    }
  });

  it("reads a compressed body within the limit", async () => {
    const body = Buffer.from(JSON.stringify({ value: [{ name: "Contoso" }] }));
    const server = await serve((response) => {
      response.writeHead(200, { "Content-Type": "application/json", "Content-Encoding": "gzip" });
      response.end(zlib.gzipSync(body));
    });
    try {
      const result = await get(server.url, 1024);
      expect(result).toMatchObject({ ok: true, status: 200 });
      expect(result.ok && result.bytes.equals(body)).toBe(true);
    } finally {
      await server.close();
    }
  });
});
