/** The emulator's `$batch`, spoken to with plain fetch and hand-written multipart bodies, as the reference shows them. */
import { SEED } from "./seed";
import { startEmulator, type Emulator } from "./server";

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.stop());

const crlf = (...lines: string[]): string => lines.join("\r\n");

const part = (requestLine: string, body?: unknown, headers: string[] = [], contentId?: number): string[] => [
  "Content-Type: application/http",
  "Content-Transfer-Encoding: binary",
  ...(contentId === undefined ? [] : [`Content-ID: ${contentId}`]),
  "",
  requestLine,
  ...(body === undefined ? [] : ["Content-Type: application/json; type=entry"]),
  ...headers,
  "",
  body === undefined ? "" : JSON.stringify(body),
];

const multipart = (boundary: string, parts: string[][]): string =>
  crlf(...parts.flatMap((lines) => [`--${boundary}`, ...lines]), `--${boundary}--`, "");

const changeSet = (boundary: string, parts: string[][]): string[] => [
  `Content-Type: multipart/mixed; boundary="${boundary}"`,
  "",
  multipart(boundary, parts),
];

const postBatch = async (body: string, headers: Record<string, string> = {}) => {
  const response = await fetch(`${emulator.apiRoot}$batch`, {
    method: "POST",
    headers: {
      Authorization: `Bearer ${emulator.accessToken}`,
      "OData-Version": "4.0",
      "Content-Type": 'multipart/mixed; boundary="batch_t"',
      ...headers,
    },
    body,
  });
  return { status: response.status, contentType: response.headers.get("content-type") ?? "", text: await response.text() };
};

/** The response with its random boundaries replaced by fixed names, to compare with the reference's shape. */
const normalized = (text: string): string =>
  text
    .replace(/batchresponse_[0-9a-f-]{36}/g, "batchresponse_B")
    .replace(/changesetresponse_[0-9a-f-]{36}/g, "changesetresponse_C")
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, "<guid>")
    .replace(/http:\/\/127\.0\.0\.1:\d+/g, "[Organization URI]");

const accountsNamed = (name: string) => emulator.store.list(emulator.store.bySetName("accounts")!).filter((record) => record.name === name);

it("answers a change set with Content-ID echoes and resolves $n in URLs and @odata.bind values", async () => {
  const response = await postBatch(
    multipart("batch_t", [
      changeSet("changeset_t", [
        part("POST /api/data/v9.2/contacts HTTP/1.1", { lastname: "Ref Contact" }, [], 1),
        part(`POST ${emulator.apiRoot}accounts HTTP/1.1`, { name: "Ref Account", "primarycontactid@odata.bind": "$1" }, [], 2),
        part("PATCH $2 HTTP/1.1", { revenue: 7 }, [], 3),
      ]),
    ]),
  );
  expect(response.status).toBe(200);
  expect(response.contentType).toMatch(/^multipart\/mixed; boundary=batchresponse_[0-9a-f-]{36}$/);
  const entityPart = (set: string, contentId: number) =>
    crlf(
      "--changesetresponse_C",
      "Content-Type: application/http",
      "Content-Transfer-Encoding: binary",
      `Content-ID: ${contentId}`,
      "",
      "HTTP/1.1 204 No Content",
      "OData-Version: 4.0",
      `Location: [Organization URI]/api/data/v9.2/${set}(<guid>)`,
      `OData-EntityId: [Organization URI]/api/data/v9.2/${set}(<guid>)`,
      "",
      "",
    );
  expect(normalized(response.text)).toBe(
    crlf(
      "--batchresponse_B",
      "Content-Type: multipart/mixed; boundary=changesetresponse_C",
      "",
      entityPart("contacts", 1),
      entityPart("accounts", 2),
      entityPart("accounts", 3),
      "--changesetresponse_C--",
      "",
      "--batchresponse_B--",
      "",
    ),
  );
  const [account] = accountsNamed("Ref Account");
  expect(account.revenue).toBe(7);
  const contact = emulator.store.find(emulator.store.bySetName("contacts")!, account._primarycontactid_value as string);
  expect(contact?.lastname).toBe("Ref Contact");
});

it("rolls a failed change set back and answers only its failing part", async () => {
  const response = await postBatch(
    multipart("batch_t", [
      changeSet("changeset_t", [
        part("POST /api/data/v9.2/accounts HTTP/1.1", { name: "Rolled Back" }, [], 1),
        part(`PATCH /api/data/v9.2/accounts(${SEED.accounts.contoso}) HTTP/1.1`, { revenue: 1 }, ["If-Match: *"], 2),
        part("PATCH /api/data/v9.2/accounts(00000000-0000-4000-8000-0000000000ff) HTTP/1.1", { revenue: 1 }, ["If-Match: *"], 3),
      ]),
    ]),
  );
  expect(response.status).toBe(404);
  expect(normalized(response.text)).toBe(
    crlf(
      "--batchresponse_B",
      "Content-Type: multipart/mixed; boundary=changesetresponse_C",
      "",
      "--changesetresponse_C",
      "Content-Type: application/http",
      "Content-Transfer-Encoding: binary",
      "Content-ID: 3",
      "",
      "HTTP/1.1 404 Not Found",
      "OData-Version: 4.0",
      "REQ_ID: <guid>",
      "Content-Type: application/json; odata.metadata=minimal; odata.streaming=true",
      "",
      `{"error":{"code":"0x80040217","message":"Entity 'account' With Id = <guid> Does Not Exist"}}`,
      "--changesetresponse_C--",
      "",
      "--batchresponse_B--",
      "",
    ),
  );
  expect(accountsNamed("Rolled Back")).toHaveLength(0);
  expect(emulator.store.find(emulator.store.bySetName("accounts")!, SEED.accounts.contoso)?.revenue).toBe(5000000);
});

it("refuses a Content-ID reference that is not declared before it", async () => {
  const response = await postBatch(
    multipart("batch_t", [
      changeSet("changeset_t", [
        part("POST /api/data/v9.2/contacts HTTP/1.1", { lastname: "Early", "parentcustomerid_account@odata.bind": "$2" }, [], 1),
        part("POST /api/data/v9.2/accounts HTTP/1.1", { name: "Late" }, [], 2),
      ]),
    ]),
  );
  expect(response.status).toBe(400);
  expect(response.text).toContain(`{"error":{"code":"0x0","message":"Content-ID Reference: '$2' does not exist in the batch context."}}`);
  expect(accountsNamed("Late")).toHaveLength(0);
});

it("stops at the first failure by default, and goes on with odata.continue-on-error", async () => {
  const body = multipart("batch_t", [
    part("POST /api/data/v9.2/accounts HTTP/1.1", { name: "Stop 1" }),
    part("DELETE /api/data/v9.2/accounts(00000000-0000-4000-8000-0000000000fe) HTTP/1.1"),
    part("POST /api/data/v9.2/accounts HTTP/1.1", { name: "Stop 3" }),
  ]);
  const stopped = await postBatch(body);
  expect(stopped.status).toBe(404);
  expect(stopped.text.match(/^HTTP\/1\.1 .*$/gm)).toEqual(["HTTP/1.1 204 No Content", "HTTP/1.1 404 Not Found"]);
  expect(accountsNamed("Stop 3")).toHaveLength(0);

  const continued = await postBatch(body, { Prefer: "odata.continue-on-error" });
  expect(continued.status).toBe(200);
  expect(continued.text.match(/^HTTP\/1\.1 .*$/gm)).toEqual([
    "HTTP/1.1 204 No Content",
    "HTTP/1.1 404 Not Found",
    "HTTP/1.1 204 No Content",
  ]);
  expect(accountsNamed("Stop 3")).toHaveLength(1);
});

it.each([
  [
    "a body whose lines end in LF only",
    multipart("batch_t", [part("POST /api/data/v9.2/accounts HTTP/1.1", { name: "LF" })]).replace(/\r\n/g, "\n"),
    {},
  ],
  ["a body without its closing delimiter", crlf("--batch_t", ...part("POST /api/data/v9.2/accounts HTTP/1.1", { name: "Open" })), {}],
  [
    "a Content-Type without a boundary",
    multipart("batch_t", [part("POST /api/data/v9.2/accounts HTTP/1.1", { name: "No Boundary" })]),
    { "Content-Type": "multipart/mixed" },
  ],
  ["a part that is not an HTTP request", multipart("batch_t", [["Content-Type: application/http", "", "hello"]]), {}],
  [
    "a GET inside a change set",
    multipart("batch_t", [changeSet("changeset_t", [part("GET /api/data/v9.2/accounts HTTP/1.1", undefined, [], 1)])]),
    {},
  ],
])("answers %s with a plain JSON 400", async (_name, body, headers) => {
  const response = await postBatch(body, headers);
  expect(response.status).toBe(400);
  expect(response.contentType).toMatch(/^application\/json/);
  expect(JSON.parse(response.text)).toMatchObject({ error: { code: "0x0" } });
  expect(accountsNamed("LF")).toHaveLength(0);
});

it("refuses more than 1000 requests, change set requests included, before running any", async () => {
  const creates = (count: number, contentIds: boolean) =>
    Array.from({ length: count }, (_, index) =>
      part("POST /api/data/v9.2/accounts HTTP/1.1", { name: "Over Limit" }, [], contentIds ? index + 1 : undefined),
    );
  const response = await postBatch(multipart("batch_t", [...creates(1, false), changeSet("changeset_t", creates(1000, true))]));
  expect(response.status).toBe(400);
  expect(JSON.parse(response.text)).toEqual({
    error: {
      code: "0x0",
      message:
        "The current batch message contains too many parts. Only batch messages with a maximum number of '1000' query operations, including changeset operations, are allowed.",
    },
  });
  expect(accountsNamed("Over Limit")).toHaveLength(0);
});

it("runs a FetchXML GET part with its own Prefer header, and answers a part URL over 64 KB with a 414 part", async () => {
  const fetchXml = encodeURIComponent(
    '<fetch count="1"><entity name="account"><attribute name="name" /><order attribute="name" /></entity></fetch>',
  );
  const prefer = 'Prefer: odata.include-annotations="Microsoft.Dynamics.CRM.fetchxmlpagingcookie,Microsoft.Dynamics.CRM.morerecords"';
  const response = await postBatch(
    multipart("batch_t", [
      part(`GET /api/data/v9.2/accounts?fetchXml=${fetchXml} HTTP/1.1`, undefined, [prefer]),
      part(`GET /api/data/v9.2/accounts?fetchXml=${fetchXml} HTTP/1.1`),
      part(`GET /api/data/v9.2/accounts?fetchXml=${"x".repeat(65_536)} HTTP/1.1`),
    ]),
  );
  expect(response.status).toBe(414);
  const bodies = response.text.split(/\r\n--batchresponse_/).slice(0, 3);
  const [annotated, plain, tooLong] = bodies.map((text) => {
    const json = text.slice(text.indexOf("\r\n\r\n{") + 4);
    return { status: /HTTP\/1\.1 (\d{3})/.exec(text)?.[1], body: json.startsWith("{") ? JSON.parse(json) : undefined };
  });
  expect(annotated.status).toBe("200");
  expect(annotated.body.value.map((record: { name: string }) => record.name)).toEqual(["Adventure Works"]);
  expect(annotated.body["@Microsoft.Dynamics.CRM.morerecords"]).toBe(true);
  expect(annotated.body["@Microsoft.Dynamics.CRM.fetchxmlpagingcookie"]).toMatch(/^<cookie pagenumber="2" pagingcookie="/);
  expect(plain.status).toBe("200");
  expect(plain.body["@Microsoft.Dynamics.CRM.morerecords"]).toBeUndefined();
  expect(tooLong.status).toBe("414");
});

it("echoes a top-level part's Content-ID, and answers a part without one without it", async () => {
  const response = await postBatch(
    multipart("batch_t", [
      part(`GET /api/data/v9.2/accounts(${SEED.accounts.contoso})?$select=name HTTP/1.1`, undefined, [], 7),
      part(`GET /api/data/v9.2/accounts(${SEED.accounts.contoso})?$select=name HTTP/1.1`),
    ]),
  );
  expect(response.status).toBe(200);
  expect(response.text.match(/^Content-ID: .*$/gm)).toEqual(["Content-ID: 7"]);
});
