import { randomBytes } from "node:crypto";
import component from "../../src";
import { CHUNK_SIZE, failChunk, pngImage, pngSize } from "../emulator/files";
import { SEED } from "../emulator/seed";
import type { RecordedRequest } from "../emulator/server";
import { actionError, expectSameShape, runAction, useEmulator, useTestClock } from "../support";

const fixture = useEmulator();
const clock = useTestClock();
const examples = (key: string) => (component.actions[key].examplePayload as { data: unknown }).data;

const account = (id: string) => fixture.emulator.store.find(fixture.emulator.store.byLogicalName("account")!, id)!;
const contact = (id: string) => fixture.emulator.store.find(fixture.emulator.store.byLogicalName("contact")!, id)!;

const params = (entityType: string, entityId: string, columnName: string, extra: Record<string, unknown> = {}) => ({
  connection: fixture.connection,
  entityType,
  entityId,
  columnName,
  ...extra,
});

const upload = (entityId: string, content: unknown, fileName: string, columnName = "new_contract") =>
  runAction("uploadFile", params("accounts", entityId, columnName, { fileContent: content, fileName }));

const download = (entityId: string, columnName = "new_contract", extra: Record<string, unknown> = {}) =>
  runAction("downloadFile", params("accounts", entityId, columnName, extra));

/** The requests that touched records, leaving out the column definition reads before them. */
const fileRequests = (): RecordedRequest[] =>
  fixture.emulator.takeRequests().filter((request) => !request.path.startsWith("EntityDefinitions"));

const ranges = (requests: RecordedRequest[], header: "content-range" | "range") => requests.map((request) => request.headers[header]);

describe("uploadFile and downloadFile", () => {
  it("sends a 1 KB file in one request and reads it back", async () => {
    const content = randomBytes(1024);
    const uploaded = await upload(SEED.accounts.contoso, { data: content, contentType: "application/pdf" }, "terms.pdf");
    expect(uploaded).toEqual({
      entityType: "accounts",
      id: SEED.accounts.contoso,
      columnName: "new_contract",
      fileName: "terms.pdf",
      mimeType: "application/pdf",
      fileSize: 1024,
      chunks: 1,
    });
    expectSameShape(uploaded, examples("uploadFile"));
    const [patch, ...others] = fileRequests();
    expect(others).toHaveLength(0);
    expect(`${patch.method} ${patch.path}`).toBe(`PATCH accounts(${SEED.accounts.contoso})/new_contract`);
    expect(patch.headers).toMatchObject({ "content-type": "application/octet-stream", "x-ms-file-name": "terms.pdf" });
    expect(patch.headers["x-ms-transfer-mode"]).toBeUndefined();
    expect(account(SEED.accounts.contoso).new_contract_name).toBe("terms.pdf");

    const downloaded = await download(SEED.accounts.contoso);
    expect(Buffer.isBuffer(downloaded.file.data)).toBe(true);
    expect(downloaded.file.data.equals(content)).toBe(true);
    expect(downloaded).toMatchObject({ file: { contentType: "application/pdf" }, fileName: "terms.pdf", fileSize: 1024 });
    expectSameShape(downloaded, examples("downloadFile"));
    expect(fileRequests()).toHaveLength(1);
  });

  it("round-trips a 10 MB file byte for byte in chunks both ways", async () => {
    const content = randomBytes(10 * 1024 * 1024);
    const uploaded = await upload(SEED.accounts.fabrikam, content, "archive.zip");
    expect(uploaded).toMatchObject({ fileSize: content.length, chunks: 3, mimeType: "application/zip" });
    const [start, ...chunks] = fileRequests();
    expect(start.headers["x-ms-transfer-mode"]).toBe("chunked");
    expect(start.query).toEqual({ "x-ms-file-name": "archive.zip" });
    expect(start.body).toBe("");
    expect(chunks.map((chunk) => chunk.query.sessiontoken)).toEqual(Array(3).fill(expect.any(String)));
    expect(ranges(chunks, "content-range")).toEqual([
      "bytes 0-4194303/10485760",
      "bytes 4194304-8388607/10485760",
      "bytes 8388608-10485759/10485760",
    ]);
    expect(chunks.every((chunk) => chunk.headers["x-ms-file-name"] === "archive.zip")).toBe(true);

    const downloaded = await download(SEED.accounts.fabrikam);
    expect(downloaded.file.data.equals(content)).toBe(true);
    expect(downloaded.fileSize).toBe(content.length);
    expect(ranges(fileRequests(), "range")).toEqual(["bytes=0-4194303", "bytes=4194304-8388607", "bytes=8388608-10485759"]);
  });

  it("retries a middle chunk whose answer was lost, and the file is still exact", async () => {
    const content = randomBytes(2 * CHUNK_SIZE + 1000);
    failChunk(fixture.emulator.store, {
      start: CHUNK_SIZE,
      status: 503,
      headers: { "Retry-After": "0" },
      body: { error: { code: "0x80040216", message: "Service Unavailable" } },
      afterHandling: true,
    });
    const uploaded = await upload(SEED.accounts.adventureWorks, content, "plans.bin");
    expect(uploaded.chunks).toBe(3);
    const [, ...chunks] = fileRequests();
    expect(ranges(chunks, "content-range").map((range) => range.split(/[ -]/)[1])).toEqual(["0", "4194304", "4194304", "8388608"]);
    expect((await download(SEED.accounts.adventureWorks)).file.data.equals(content)).toBe(true);
  });

  it("reports how many bytes were sent when a session cannot be completed", async () => {
    failChunk(fixture.emulator.store, {
      start: CHUNK_SIZE,
      status: 500,
      body: { error: { code: "0x80040216", message: "An unexpected error occurred." } },
    });
    const error = await actionError(
      "uploadFile",
      params("accounts", SEED.accounts.litware, "new_contract", { fileContent: randomBytes(CHUNK_SIZE + 10), fileName: "big.bin" }),
    );
    expect(error).toMatchObject({
      name: "FileTransferError",
      status: 500,
      code: "0x80040216",
      bytesSent: CHUNK_SIZE,
      totalBytes: CHUNK_SIZE + 10,
    });
    expect(error.message).toMatch(/stopped after 4194304 of 4194314 bytes/);
    expect(account(SEED.accounts.litware).new_contract).toBeNull();
  });

  it("reports a last chunk whose answer never came as an outcome unknown, not as a file that was not stored", async () => {
    const content = randomBytes(CHUNK_SIZE + 10);
    failChunk(fixture.emulator.store, {
      start: CHUNK_SIZE,
      status: 503,
      headers: { "Retry-After": "0" },
      body: { error: { code: "0x80040216", message: "Service Unavailable" } },
      afterHandling: true,
      // Every attempt within the request's time budget.
      times: 1000,
    });
    const error = await actionError(
      "uploadFile",
      params("accounts", SEED.accounts.litware, "new_contract", { fileContent: content, fileName: "last.bin" }),
    );
    const attempts = ranges(fileRequests().slice(1), "content-range").filter((range) => range.startsWith(`bytes ${CHUNK_SIZE}-`));
    expect(attempts.length).toBeGreaterThan(1);
    expect(attempts).toHaveLength(clock.slept.length + 1);
    expect(error).toMatchObject({ name: "FileTransferError", status: 503, outcomeUnknown: true, bytesSent: CHUNK_SIZE });
    expect(error.message).not.toMatch(/was not stored/);
    // It was stored: reporting a plain failure would have the flow upload it again.
    expect(account(SEED.accounts.litware).new_contract_name).toBe("last.bin");
    expect((await download(SEED.accounts.litware)).file.data.equals(content)).toBe(true);
  });

  it("reports a last chunk whose lost answer was followed by a refusal as an outcome unknown: the first attempt stored it", async () => {
    const content = randomBytes(CHUNK_SIZE + 10);
    const lost = { start: CHUNK_SIZE, status: 504, headers: { "Retry-After": "0" }, body: "<html>Gateway Timeout</html>" };
    failChunk(fixture.emulator.store, { ...lost, afterHandling: true });
    // Dataverse ends a session with its last chunk, so the retry meets a refusal.
    failChunk(fixture.emulator.store, { start: CHUNK_SIZE, status: 400, body: { error: { code: "0x80040216", message: "No session." } } });
    const error = await actionError(
      "uploadFile",
      params("accounts", SEED.accounts.litware, "new_contract", { fileContent: content, fileName: "retried.bin" }),
    );
    expect(error).toMatchObject({ name: "FileTransferError", status: 400, outcomeUnknown: true, bytesSent: CHUNK_SIZE });
    expect(error.message).not.toMatch(/was not stored/);
    expect((await download(SEED.accounts.litware)).file.data.equals(content)).toBe(true);
  });

  it("sends a file name that is not ASCII in the query string only, and reads it back", async () => {
    const name = "Übersicht – 契約.txt";
    await upload(SEED.accounts.northwind, "hello", name);
    const [start, chunk] = fileRequests();
    expect(start.query["x-ms-file-name"]).toBe(name);
    expect(start.headers["x-ms-file-name"]).toBeUndefined();
    expect(chunk.headers).toMatchObject({ "content-range": "bytes 0-4/5" });
    expect(chunk.headers["x-ms-file-name"]).toBeUndefined();
    const downloaded = await download(SEED.accounts.northwind);
    expect(downloaded).toMatchObject({ fileName: name, fileSize: 5, file: { contentType: "text/plain" } });
    expect(downloaded.file.data.toString()).toBe("hello");
  });

  it("downloads an image's thumbnail, or its full image with Full Size", async () => {
    const image = pngImage(300, 200, 7);
    const uploaded = await upload(SEED.accounts.contoso, { data: image, contentType: "image/png" }, "logo.png", "entityimage");
    expect(uploaded).toMatchObject({ columnName: "entityimage", mimeType: "image/png", chunks: 1 });
    fileRequests();
    const thumbnail = await download(SEED.accounts.contoso, "entityimage");
    expect(pngSize(thumbnail.file.data)).toEqual({ width: 144, height: 144 });
    expect(thumbnail.file.contentType).toBe("image/png");
    expect(fileRequests()[0].query).toEqual({});
    const full = await download(SEED.accounts.contoso, "entityimage", { fullSize: true });
    expect(full.file.data.equals(image)).toBe(true);
    expect(full.fileSize).toBe(image.length);
    expect(fileRequests()[0].query).toEqual({ size: "full" });
    expect(account(SEED.accounts.contoso).entityimage).toBe(thumbnail.file.data.toString("base64"));
  });

  it("says so when a column keeps no full image, or holds no file", async () => {
    await runAction(
      "uploadFile",
      params("contacts", SEED.contacts.maria, "entityimage", { fileContent: pngImage(60, 80), fileName: "maria.png" }),
    );
    const noFull = await actionError("downloadFile", params("contacts", SEED.contacts.maria, "entityimage", { fullSize: true }));
    expect(noFull).toMatchObject({ name: "DataverseError", status: 204 });
    expect(noFull.message).toMatch(/has no full-size image.*Turn off Full Size/);
    const thumbnail = await runAction("downloadFile", params("contacts", SEED.contacts.maria, "entityimage"));
    expect(pngSize(thumbnail.file.data)).toEqual({ width: 60, height: 60 });
    const empty = await actionError("downloadFile", params("contacts", SEED.contacts.james, "new_resume"));
    expect(empty).toMatchObject({ status: 404, code: "0x80040217" });
    expect(empty.message).toMatch(new RegExp(`contacts\\(${SEED.contacts.james}\\)/new_resume holds no file`));
  });

  it("downloads whole when the environment cannot send chunks", async () => {
    const content = randomBytes(CHUNK_SIZE + 5);
    await upload(SEED.accounts.fabrikam, content, "whole.bin");
    fileRequests();
    fixture.emulator.inject({
      method: "GET",
      path: /\/new_contract\/\$value$/,
      status: 400,
      body: {
        error: { code: "0x80090017", message: "Downloading in multiple chunks is not supported for the files stored in the database." },
      },
    });
    const downloaded = await download(SEED.accounts.fabrikam);
    expect(downloaded.file.data.equals(content)).toBe(true);
    expect(ranges(fileRequests(), "range")).toEqual(["bytes=0-4194303", undefined]);
  });

  it("uploads whole when the environment cannot take chunks", async () => {
    fixture.emulator.inject({
      method: "PATCH",
      path: /\/new_contract$/,
      status: 400,
      body: {
        error: { code: "0x80090017", message: "Uploading in multiple chunks is not supported for the files stored in the database." },
      },
    });
    const content = randomBytes(CHUNK_SIZE + 5);
    expect(await upload(SEED.accounts.northwind, content, "whole.bin")).toMatchObject({ chunks: 1 });
    const [start, whole] = fileRequests();
    expect(start.headers["x-ms-transfer-mode"]).toBe("chunked");
    expect(whole.headers["x-ms-file-name"]).toBe("whole.bin");
    expect((await download(SEED.accounts.northwind)).file.data.equals(content)).toBe(true);
  });
});

describe("bad input is refused before anything is written", () => {
  const writes = () =>
    fixture.emulator.takeRequests().filter((request) => request.method !== "GET" || !request.path.startsWith("EntityDefinitions"));

  it("refuses a missing file before any request", async () => {
    for (const fileContent of [undefined, "", Buffer.alloc(0)]) {
      const error = await actionError(
        "uploadFile",
        params("accounts", SEED.accounts.contoso, "new_contract", { fileContent, fileName: "a.txt" }),
      );
      expect(error.message).toMatch(/^File Content: is empty/);
    }
    const error = await actionError("attachNote", {
      connection: fixture.connection,
      entityType: "accounts",
      entityId: SEED.accounts.contoso,
      fileName: "a.txt",
    });
    expect(error.message).toMatch(/^File Content: is empty/);
    expect(fixture.emulator.takeRequests()).toHaveLength(0);
  });

  it("refuses an unknown column and a column that is not a file column, naming Column Name", async () => {
    for (const key of ["uploadFile", "downloadFile", "deleteFile"]) {
      const unknown = await actionError(
        key,
        params("accounts", SEED.accounts.contoso, "new_nothing", { fileContent: "x", fileName: "a.txt" }),
      );
      expect(unknown.message).toMatch(/^Column Name: 'new_nothing' is not a column of accounts/);
      const notFile = await actionError(key, params("accounts", SEED.accounts.contoso, "name", { fileContent: "x", fileName: "a.txt" }));
      expect(notFile.message).toMatch(/^Column Name: 'name' is a String column of accounts, not a file or image column/);
    }
    expect(writes()).toHaveLength(0);
    expect(account(SEED.accounts.contoso).name).toBe("Contoso Ltd");
  });

  it("refuses a file above the column's MaxSizeInKB, read from its definition", async () => {
    const error = await actionError(
      "uploadFile",
      params("contacts", SEED.contacts.nancy, "new_resume", { fileContent: randomBytes(6 * 1024 * 1024), fileName: "cv.pdf" }),
    );
    expect(error.message).toMatch(
      /^File Content: is 6\.0 MB \(6291456 bytes\), larger than the 5120 KB the column 'new_resume' of contacts takes/,
    );
    const definitions = fixture.emulator.takeRequests();
    expect(definitions.map((request) => `${request.method} ${request.path}`)).toEqual([
      "GET EntityDefinitions",
      "GET EntityDefinitions(LogicalName='contact')/Attributes(LogicalName='new_resume')",
    ]);
  });

  it("refuses a file that is not an image for an image column", async () => {
    const error = await actionError(
      "uploadFile",
      params("accounts", SEED.accounts.contoso, "entityimage", { fileContent: "not an image", fileName: "logo.png" }),
    );
    expect(error.message).toMatch(/^File Content: is not a GIF, JPEG, TIFF, BMP or PNG image/);
    expect(writes()).toHaveLength(0);
  });

  it("refuses an unknown table, naming Entity Type", async () => {
    const error = await actionError("deleteFile", params("widgets", SEED.accounts.contoso, "new_contract"));
    expect(error.message).toMatch(/^Entity Type: no table has the entity set name 'widgets'/);
    expect(writes()).toHaveLength(0);
  });
});

describe("deleteFile", () => {
  it("clears a column by alternate key, and an empty column stays empty without an error", async () => {
    await upload(SEED.accounts.litware, "draft", "draft.txt");
    fileRequests();
    const deleted = await runAction("deleteFile", params("accounts", "accountnumber='A-1004'", "new_contract"));
    expect(deleted).toEqual({ entityType: "accounts", id: "accountnumber='A-1004'", columnName: "new_contract", deleted: true });
    expectSameShape(deleted, examples("deleteFile"));
    const [request] = fileRequests();
    expect(`${request.method} ${request.path}`).toBe("DELETE accounts(accountnumber='A-1004')/new_contract");
    expect(account(SEED.accounts.litware)).toMatchObject({ new_contract: null, new_contract_name: null });
    await expect(runAction("deleteFile", params("accounts", SEED.accounts.litware, "new_contract"))).resolves.toMatchObject({
      deleted: true,
    });
  });
});

describe("attachNote", () => {
  it("creates a note holding the file, linked to the record, and returns its id", async () => {
    const note = await runAction("attachNote", {
      connection: fixture.connection,
      entityType: "contacts",
      entityId: SEED.contacts.yvonne,
      fileContent: "Meeting minutes",
      fileName: "minutes.txt",
      subject: "Minutes",
      noteText: "From Tuesday",
    });
    expect(note).toEqual({
      id: expect.any(String),
      regardingEntityType: "contacts",
      regardingId: SEED.contacts.yvonne,
      fileName: "minutes.txt",
      mimeType: "text/plain",
      fileSize: 15,
    });
    expectSameShape(note, examples("attachNote"));
    const post = fileRequests().find((request) => request.method === "POST")!;
    expect(post.path).toBe("annotations");
    expect(JSON.parse(post.body)).toEqual({
      subject: "Minutes",
      notetext: "From Tuesday",
      filename: "minutes.txt",
      mimetype: "text/plain",
      documentbody: Buffer.from("Meeting minutes").toString("base64"),
      "objectid_contact@odata.bind": `/contacts(${SEED.contacts.yvonne})`,
    });
    const notes = fixture.emulator.store.byLogicalName("annotation")!;
    expect(fixture.emulator.store.find(notes, note.id)).toMatchObject({
      _objectid_value: SEED.contacts.yvonne,
      filesize: 15,
      isdocument: true,
    });
    expect(contact(SEED.contacts.yvonne)).toBeDefined();
  });

  it("explains a file above the environment's attachment limit", async () => {
    const error = await actionError("attachNote", {
      connection: fixture.connection,
      entityType: "accounts",
      entityId: "accountnumber='A-1001'",
      fileContent: randomBytes(6 * 1024 * 1024),
      fileName: "scan.pdf",
    });
    expect(error).toMatchObject({ status: 400, code: "0x80044a02" });
    expect(error.message).toMatch(/'scan\.pdf' \(6\.0 MB \(6291456 bytes\)\) is larger than the environment's maximum attachment size/);
  });
});
