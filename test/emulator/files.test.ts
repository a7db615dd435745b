/** The emulator's file columns, spoken to with plain fetch: the chunked protocol's statuses and headers as §12 gives them. */
import { CHUNK_SIZE, pngImage } from "./files";
import { SEED } from "./seed";
import { startEmulator, type Emulator } from "./server";

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.stop());

const call = (method: string, url: string, headers: Record<string, string> = {}, body?: Buffer) =>
  fetch(url.startsWith("http") ? url : `${emulator.apiRoot}${url}`, {
    method,
    headers: { Authorization: `Bearer ${emulator.accessToken}`, "OData-Version": "4.0", ...headers },
    body,
  });

const octets = (extra: Record<string, string> = {}) => ({ "Content-Type": "application/octet-stream", ...extra });
const column = `accounts(${SEED.accounts.contoso})/new_contract`;

it("starts a session with a Location, takes chunks with 206 and the last with 204, and a repeated chunk again", async () => {
  const start = await call("PATCH", `${column}?x-ms-file-name=${encodeURIComponent("a.pdf")}`, { "x-ms-transfer-mode": "chunked" });
  expect(start.status).toBe(200);
  expect(start.headers.get("x-ms-chunk-size")).toBe(String(CHUNK_SIZE));
  expect(start.headers.get("accept-ranges")).toBe("bytes");
  const location = start.headers.get("location")!;
  expect(location).toMatch(
    new RegExp(`^${emulator.apiRoot.replace(/[.()]/g, "\\$&")}accounts\\(${SEED.accounts.contoso}\\)/new_contract\\?sessiontoken=.+`),
  );
  const bytes = Buffer.from("0123456789");
  const first = await call("PATCH", location, octets({ "Content-Range": "bytes 0-5/10", "x-ms-file-name": "a.pdf" }), bytes.subarray(0, 6));
  expect(first.status).toBe(206);
  expect((await call("PATCH", location, octets({ "Content-Range": "bytes 0-5/10" }), bytes.subarray(0, 6))).status).toBe(206);
  const last = await call("PATCH", location, octets({ "Content-Range": "bytes 6-9/10" }), bytes.subarray(6));
  expect(last.status).toBe(204);
  expect((await call("PATCH", location, octets({ "Content-Range": "bytes 6-9/10" }), bytes.subarray(6))).status).toBe(204);

  const whole = await call("GET", `${column}/$value`);
  expect(whole.status).toBe(200);
  expect(Object.fromEntries(["x-ms-file-size", "x-ms-file-name", "mimetype"].map((name) => [name, whole.headers.get(name)]))).toEqual({
    "x-ms-file-size": "10",
    "x-ms-file-name": "a.pdf",
    mimetype: "application/pdf",
  });
  expect(Buffer.from(await whole.arrayBuffer()).equals(bytes)).toBe(true);
  const part = await call("GET", `${column}/$value`, { Range: "bytes=2-4" });
  expect(part.status).toBe(206);
  expect(part.headers.get("x-ms-chunk-size")).toBe(String(CHUNK_SIZE));
  expect(Buffer.from(await part.arrayBuffer()).toString()).toBe("234");
});

it("refuses a chunk whose length is not its Content-Range's, and a file above MaxSizeInKB", async () => {
  const start = await call("PATCH", `${column}?x-ms-file-name=b.bin`, { "x-ms-transfer-mode": "chunked" });
  const location = start.headers.get("location")!;
  expect((await call("PATCH", location, octets({ "Content-Range": "bytes 0-9/20" }), Buffer.alloc(5))).status).toBe(400);
  const tooBig = await call("PATCH", location, octets({ "Content-Range": `bytes 0-0/${32768 * 1024 + 1}` }), Buffer.alloc(1));
  expect(tooBig.status).toBe(400);
  expect(((await tooBig.json()) as { error: { code: string } }).error.code).toBe("0x80044a02");
});

it("keeps an image's thumbnail and, where the column does, its full image; DELETE clears it and succeeds when empty", async () => {
  const image = `accounts(${SEED.accounts.fabrikam})/entityimage`;
  expect((await call("PATCH", image, octets({ "x-ms-file-name": "a.png" }), pngImage(200, 300))).status).toBe(204);
  expect((await call("GET", `${image}/$value`)).status).toBe(200);
  expect((await call("GET", `${image}/$value?size=full`)).status).toBe(200);
  const notImage = await call("PATCH", image, octets({ "x-ms-file-name": "a.png" }), Buffer.from("text"));
  expect(((await notImage.json()) as { error: { code: string } }).error.code).toBe("0x80072553");
  expect((await call("DELETE", image)).status).toBe(204);
  expect((await call("DELETE", image)).status).toBe(204);
  expect((await call("GET", `${image}/$value?size=full`)).status).toBe(204);
});
