import { decodeBatchResponse, encodeBatch, parseRecordKey, type BatchOperation } from "../../src/client";
import { boundaryOf, MultipartError, parseHttpMessage, parseMultipart, statusOf } from "../../src/client/wire/multipart";

const ACCOUNT = "6d81597f-0f9f-e711-8122-000d3aa2331c";
const lines = (...text: string[]): string => text.join("\r\n");

const operations: BatchOperation[] = [
  { action: "create", entitySetName: "accounts", data: { name: "A" }, returnRepresentation: true },
  { action: "update", entitySetName: "accounts", key: parseRecordKey(ACCOUNT, "key"), data: { name: "B" } },
  { action: "upsert", entitySetName: "accounts", key: parseRecordKey("accountnumber='A 1'", "key"), data: { name: "C" } },
  { action: "delete", entitySetName: "contacts", key: parseRecordKey(ACCOUNT, "key") },
];

describe("encodeBatch", () => {
  it("writes one part per operation with CRLF lines, a Content-ID, root-relative URLs and per-part headers", () => {
    const { contentType, text } = encodeBatch(operations, false, "batch_b1");
    expect(contentType).toBe('multipart/mixed; boundary="batch_b1"');
    expect(text).toBe(
      lines(
        "--batch_b1",
        "Content-Type: application/http",
        "Content-Transfer-Encoding: binary",
        "Content-ID: 1",
        "",
        "POST /api/data/v9.2/accounts HTTP/1.1",
        "Content-Type: application/json; type=entry",
        "Prefer: return=representation",
        "",
        '{"name":"A"}',
        "--batch_b1",
        "Content-Type: application/http",
        "Content-Transfer-Encoding: binary",
        "Content-ID: 2",
        "",
        `PATCH /api/data/v9.2/accounts(${ACCOUNT}) HTTP/1.1`,
        "Content-Type: application/json; type=entry",
        "If-Match: *",
        "",
        '{"name":"B"}',
        "--batch_b1",
        "Content-Type: application/http",
        "Content-Transfer-Encoding: binary",
        "Content-ID: 3",
        "",
        "PATCH /api/data/v9.2/accounts(accountnumber='A%201') HTTP/1.1",
        "Content-Type: application/json; type=entry",
        "",
        '{"name":"C"}',
        "--batch_b1",
        "Content-Type: application/http",
        "Content-Transfer-Encoding: binary",
        "Content-ID: 4",
        "",
        `DELETE /api/data/v9.2/contacts(${ACCOUNT}) HTTP/1.1`,
        "",
        "",
        "--batch_b1--",
        "",
      ),
    );
  });

  it("puts an atomic batch into one change set whose parts carry Content-IDs", () => {
    const { text } = encodeBatch(operations.slice(0, 2), true, "batch_b2", "changeset_c2");
    expect(text).toBe(
      lines(
        "--batch_b2",
        'Content-Type: multipart/mixed; boundary="changeset_c2"',
        "",
        "--changeset_c2",
        "Content-Type: application/http",
        "Content-Transfer-Encoding: binary",
        "Content-ID: 1",
        "",
        "POST /api/data/v9.2/accounts HTTP/1.1",
        "Content-Type: application/json; type=entry",
        "Prefer: return=representation",
        "",
        '{"name":"A"}',
        "--changeset_c2",
        "Content-Type: application/http",
        "Content-Transfer-Encoding: binary",
        "Content-ID: 2",
        "",
        `PATCH /api/data/v9.2/accounts(${ACCOUNT}) HTTP/1.1`,
        "Content-Type: application/json; type=entry",
        "If-Match: *",
        "",
        '{"name":"B"}',
        "--changeset_c2--",
        "",
        "--batch_b2--",
        "",
      ),
    );
  });

  it("chooses a new random boundary for every batch", () => {
    const first = encodeBatch(operations, false).contentType;
    const second = encodeBatch(operations, false).contentType;
    expect(first).toMatch(/^multipart\/mixed; boundary="batch_[0-9a-f-]{36}"$/);
    expect(first).not.toBe(second);
  });

  it("keeps line breaks in record text escaped, so no body line can look like a delimiter", () => {
    const { text } = encodeBatch(
      [{ action: "create", entitySetName: "accounts", data: { description: "x\r\n--batch_b3\r\ny" } }],
      false,
      "batch_b3",
    );
    expect(text.split("\r\n").filter((line) => line === "--batch_b3")).toHaveLength(1);
    expect(text).toContain('{"description":"x\\r\\n--batch_b3\\r\\ny"}');
  });
});

const changeSetResponse = lines(
  "--batchresponse_r1",
  "Content-Type: multipart/mixed; boundary=changesetresponse_c1",
  "",
  "--changesetresponse_c1",
  "Content-Type: application/http",
  "Content-Transfer-Encoding: binary",
  "Content-ID: 2",
  "",
  "HTTP/1.1 204 No Content",
  "OData-Version: 4.0",
  `OData-EntityId: https://org.crm.dynamics.com/api/data/v9.2/accounts(${ACCOUNT})`,
  "",
  "",
  "--changesetresponse_c1",
  "Content-Type: application/http",
  "Content-Transfer-Encoding: binary",
  "Content-ID: 1",
  "",
  "HTTP/1.1 201 Created",
  "Content-Type: application/json; odata.metadata=minimal",
  "",
  '{"accountid":"a","name":"--changesetresponse_c1 and --batchresponse_r1"}',
  "--changesetresponse_c1--",
  "--batchresponse_r1",
  "Content-Type: application/http",
  "Content-Transfer-Encoding: binary",
  "",
  "HTTP/1.1 404 Not Found",
  "REQ_ID: 5ecd1cb3-1730-4ffc-909c-d44c22270026",
  "Content-Type: application/json; odata.metadata=minimal",
  "",
  '{"error":{"code":"0x80040217","message":"Entity \'account\' With Id = x Does Not Exist"}}',
  "--batchresponse_r1--",
  "",
);

describe("decodeBatchResponse", () => {
  it("reads top-level parts and nested change set responses by their declared boundaries", () => {
    const items = decodeBatchResponse("multipart/mixed; boundary=batchresponse_r1", changeSetResponse);
    expect(items).toEqual([
      {
        kind: "changeSet",
        parts: [
          {
            status: 204,
            contentId: "2",
            headers: { "odata-version": "4.0", "odata-entityid": `https://org.crm.dynamics.com/api/data/v9.2/accounts(${ACCOUNT})` },
            body: "",
          },
          {
            status: 201,
            contentId: "1",
            headers: { "content-type": "application/json; odata.metadata=minimal" },
            body: '{"accountid":"a","name":"--changesetresponse_c1 and --batchresponse_r1"}',
          },
        ],
      },
      {
        kind: "part",
        part: {
          status: 404,
          contentId: undefined,
          headers: { req_id: "5ecd1cb3-1730-4ffc-909c-d44c22270026", "content-type": "application/json; odata.metadata=minimal" },
          body: '{"error":{"code":"0x80040217","message":"Entity \'account\' With Id = x Does Not Exist"}}',
        },
      },
    ]);
  });

  it("reads a part by its Content-Length even when its body holds the exact delimiter line", () => {
    const body = `first line\r\n--batchresponse_r2\r\nHTTP/1.1 500 Internal Server Error\r\n\r\nlast ünicode line`;
    const text = lines(
      "--batchresponse_r2",
      "Content-Type: text/plain",
      `Content-Length: ${Buffer.byteLength(body)}`,
      "",
      body,
      "--batchresponse_r2--",
    );
    expect(parseMultipart(text, "batchresponse_r2")).toEqual([
      { headers: { "content-type": "text/plain", "content-length": String(Buffer.byteLength(body)) }, body },
    ]);
  });

  it("ignores lines that only start like the delimiter, and other boundaries", () => {
    const text = lines(
      "preamble",
      "--batchresponse_r3",
      "",
      "a",
      "--batchresponse_r3x",
      "--batchresponse_other",
      " --batchresponse_r3",
      "b",
      "--batchresponse_r3--",
      "epilogue --batchresponse_r3",
    );
    expect(parseMultipart(text, "batchresponse_r3")).toEqual([
      { headers: {}, body: lines("a", "--batchresponse_r3x", "--batchresponse_other", " --batchresponse_r3", "b") },
    ]);
  });

  it("accepts transport padding after a delimiter and bare LF line ends", () => {
    expect(parseMultipart("--b  \t\nX-A: 1\n\nbody\n--b--\n", "b")).toEqual([{ headers: { "x-a": "1" }, body: "body" }]);
  });

  it.each([
    ["a cut-off body", '--batchresponse_r4\r\nContent-Type: application/http\r\n\r\nHTTP/1.1 200 OK\r\n\r\n{"name":', /closing delimiter/],
    ["a body without delimiters", '{"error":{"code":"0x0","message":"bad"}}', /no part delimiter/],
  ])("refuses %s", (_name, text, message) => {
    expect(() => decodeBatchResponse("multipart/mixed; boundary=batchresponse_r4", text)).toThrow(message);
    expect(() => decodeBatchResponse("multipart/mixed; boundary=batchresponse_r4", text)).toThrow(MultipartError);
  });

  it("refuses a response that is not multipart, naming its content type", () => {
    expect(() => decodeBatchResponse("application/json; charset=utf-8", "{}")).toThrow(
      "the response is not multipart/mixed with a boundary (application/json; charset=utf-8)",
    );
  });

  it("refuses a part without an HTTP status line", () => {
    const text = lines("--r5", "Content-Type: application/http", "", "<html>oops</html>", "--r5--");
    expect(() => decodeBatchResponse("multipart/mixed; boundary=r5", text)).toThrow(/no HTTP status line: '<html>oops<\/html>'/);
  });
});

describe("multipart helpers", () => {
  it.each([
    ['multipart/mixed; boundary="batch_1"', "batch_1"],
    ["multipart/mixed;boundary=batchresponse_2", "batchresponse_2"],
    ["Multipart/Mixed; charset=utf-8; BOUNDARY=x", "x"],
    ["application/json", undefined],
    ["multipart/mixed", undefined],
    [undefined, undefined],
  ])("boundaryOf(%p) = %p", (contentType, boundary) => {
    expect(boundaryOf(contentType)).toBe(boundary);
  });

  it("reads an HTTP message and its status", () => {
    const message = parseHttpMessage('HTTP/1.1 412 Precondition Failed\r\nETag: W/"1"\r\n\r\n{}\r\n');
    expect(message).toEqual({ startLine: "HTTP/1.1 412 Precondition Failed", headers: { etag: 'W/"1"' }, body: "{}\r\n" });
    expect(statusOf(message.startLine)).toBe(412);
    expect(statusOf("POST /api/data/v9.2/accounts HTTP/1.1")).toBeUndefined();
  });

  it.each([
    ["HTTP/ 1.1 200 OK", 200],
    ["http/1.1 204 No Content", 204],
    ["HTTP/2 201 Created", 201],
    ["HTTP/1.1 20 OK", undefined],
    ["HTTPS/1.1 200 OK", undefined],
  ])("reads the status line %p leniently where its meaning is plain", (line, status) => {
    expect(statusOf(line)).toBe(status);
  });
});
