/**
 * Generated hostile input, several hundred values per input family: every input that reaches
 * a URL, a header, a query option, a FetchXML document or a batch body. Each value must be
 * refused with an InputError naming the input before any request, or produce exactly the
 * request it should, read from the raw request as it arrived (the gateway records the URL
 * before any decoding). Anything else is an escape; there must be none.
 */
import { util } from "@prismatic-io/spectral";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { InputError } from "../../src/client";
import { type EchoedRequest, type EchoGateway, startEchoGateway } from "../emulator/echoGateway";
import { SEED } from "../emulator/seed";
import { connectionFor, harness, useEmulator } from "../support";
import { type Listener, startListener } from "../triggers/support";
import { recordFigures } from "./figures";
import { HOSTILE_JSON, hostileStrings, WRONG_TYPES } from "./hostile";

const fixture = useEmulator();
let gateway: EchoGateway;
/** Any other host: it must never receive a request. */
let otherHost: Listener & { origin: string };

beforeAll(async () => {
  gateway = await startEchoGateway(fixture.emulator);
  const listener = await startListener();
  otherHost = Object.assign(listener, { origin: new URL(listener.url).origin });
});

afterAll(async () => {
  await gateway.stop();
  await otherHost.stop();
});

const API = "/api/data/v9.2/";
const CONTOSO = SEED.accounts.contoso;

interface Sent {
  method: string;
  /** Raw path segments after the Web API root. */
  segments: string[];
  /** Raw query option names, in order. */
  names: string[];
  /** Decoded query option values by name. */
  options: Record<string, string | undefined>;
  headers: Record<string, string>;
  body: string;
}

const decode = (text: string): string | undefined => {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
};

const sentOf = (request: EchoedRequest): Sent => {
  const question = request.url.indexOf("?");
  const path = question < 0 ? request.url : request.url.slice(0, question);
  const pairs = (question < 0 ? "" : request.url.slice(question + 1))
    .split("&")
    .filter(Boolean)
    .map((pair) => (pair.includes("=") ? [pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1)] : [pair, ""]));
  return {
    method: request.method,
    segments: path.startsWith(API) ? path.slice(API.length).split("/") : [`<outside the Web API: ${path}>`],
    names: pairs.map(([name]) => name),
    options: Object.fromEntries(pairs.map(([name, value]) => [name, decode(value)])),
    headers: request.headers,
    body: request.body,
  };
};

/** Why the requests are not exactly the one expected, or undefined when they are. */
type Check = (value: unknown, sent: Sent) => string | undefined;

const same = (what: string, actual: unknown, expected: unknown): string | undefined =>
  JSON.stringify(actual) === JSON.stringify(expected)
    ? undefined
    : `${what} was ${JSON.stringify(actual)?.slice(0, 120)}, expected ${JSON.stringify(expected)?.slice(0, 120)}`;

const all = (...problems: (string | undefined)[]): string | undefined => problems.find(Boolean);

/** The text a text input reads from a value; an object whose `toString` is not a function reads as its JSON. */
const textOf = (value: unknown): string => {
  if (typeof value === "string") return value.trim();
  try {
    return util.types.toString(value).trim();
  } catch {
    return JSON.stringify(value).trim();
  }
};

const GUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
const NAME = "[A-Za-z_][A-Za-z0-9_]*";
/** An OData key literal as it may stand in a raw path: a GUID, a number, or quoted text with `'` doubled and the rest percent-encoded. */
const LITERAL = `(?:${GUID}|-?\\d+(?:\\.\\d+)?|'(?:[A-Za-z0-9\\-_.!~*()]|%[0-9A-F]{2}|'')*')`;
const KEY = new RegExp(`^${NAME}\\((?:${GUID}|${NAME}=${LITERAL}(?:,${NAME}=${LITERAL})*)\\)$`);

const isLink = (text: string): boolean => /^https?:\/\//i.test(text);

interface Family {
  name: string;
  action: string;
  input: string;
  /** Another input a refusal may rightly name (Dynamic Values left empty: "add a Field Value or Dynamic Values entry"). */
  alsoNamed?: string;
  values: unknown[];
  params: (value: unknown) => Record<string, unknown>;
  method: string;
  check: Check;
}

const xmlEscape = (text: string): string =>
  text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/\r/g, "&#13;")
    .replace(/\n/g, "&#10;")
    .replace(/\t/g, "&#9;");

const xmlReader = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "",
  parseAttributeValue: false,
  parseTagValue: false,
  trimValues: false,
  htmlEntities: true,
  processEntities: { enabled: true, maxTotalExpansions: Number.POSITIVE_INFINITY },
});

const fetchOf = (sent: Sent): Record<string, unknown> | string => {
  const xml = sent.options.fetchXml ?? "";
  if (XMLValidator.validate(xml) !== true) return "the FetchXML sent is not well-formed";
  const document = xmlReader.parse(xml) as Record<string, unknown>;
  const roots = Object.keys(document);
  return roots.length === 1 && roots[0] === "fetch"
    ? (document.fetch as Record<string, unknown>)
    : `the FetchXML sent has roots ${roots.join(",")}`;
};

const FETCH = '<fetch><entity name="account"><attribute name="name" /></entity></fetch>';
const fetchWithValue = (value: string) =>
  `<fetch><entity name="account"><attribute name="name" /><filter><condition attribute="name" operator="eq" value="${value}" /></filter></entity></fetch>`;

const families = (): Family[] => [
  {
    name: "Entity Type (a path segment)",
    action: "queryEntities",
    input: "Entity Type",
    values: [...hostileStrings("accounts"), ...WRONG_TYPES],
    params: (value) => ({ entityType: value }),
    method: "GET",
    check: (value, sent) => all(same("path", sent.segments.map(decode), [textOf(value)]), same("options", sent.names, [])),
  },
  {
    name: "Entity ID (a key in the path)",
    action: "getEntity",
    input: "Entity ID",
    values: [
      ...hostileStrings(CONTOSO),
      ...hostileStrings("accountnumber='A-1001'"),
      ...hostileStrings("name='O''Brien',accountnumber=7"),
      ...WRONG_TYPES,
    ],
    params: (value) => ({ entityType: "accounts", entityId: value }),
    method: "GET",
    check: (_value, sent) =>
      all(
        sent.segments.length === 1 && KEY.test(sent.segments[0]) ? undefined : `path ${sent.segments.join("/")} is not one key segment`,
        same("options", sent.names, []),
      ),
  },
  {
    name: "Field Name ($select)",
    action: "getEntity",
    input: "Field Name",
    values: [...hostileStrings("name"), ...WRONG_TYPES],
    params: (value) => ({ entityType: "accounts", entityId: CONTOSO, fieldNames: Array.isArray(value) ? value : [value] }),
    method: "GET",
    check: (_value, sent) =>
      all(
        same(
          "options",
          sent.names.filter((name) => name !== "$select"),
          [],
        ),
        sent.options.$select === undefined || new RegExp(`^${NAME}(,${NAME})*$`).test(sent.options.$select)
          ? undefined
          : `$select ${sent.options.$select}`,
      ),
  },
  {
    name: "Expand Property Name ($expand)",
    action: "getEntity",
    input: "Expand Property Name",
    values: [...hostileStrings("primarycontactid($select=fullname)"), ...WRONG_TYPES],
    params: (value) => ({ entityType: "accounts", entityId: CONTOSO, expandPropertyNames: [value] }),
    method: "GET",
    check: (value, sent) =>
      all(
        same("options", sent.names, textOf(value) ? ["$expand"] : []),
        textOf(value) ? same("$expand", sent.options.$expand, textOf(value)) : undefined,
      ),
  },
  {
    name: "Filter Expression ($filter)",
    action: "queryEntities",
    input: "Filter Expression",
    values: [...hostileStrings("name eq 'Contoso Ltd'"), ...WRONG_TYPES],
    params: (value) => ({ entityType: "accounts", filterExpression: value }),
    method: "GET",
    check: (value, sent) =>
      all(
        same("path", sent.segments, ["accounts"]),
        same("options", sent.names, textOf(value) ? ["$filter"] : []),
        textOf(value) ? same("$filter", sent.options.$filter, textOf(value)) : undefined,
      ),
  },
  {
    name: "Order By Field Name ($orderby)",
    action: "queryEntities",
    input: "Order By Field Name",
    values: [...hostileStrings("name desc"), ...WRONG_TYPES],
    params: (value) => ({ entityType: "accounts", orderByFieldNames: [value] }),
    method: "GET",
    check: (_value, sent) =>
      all(
        same(
          "options",
          sent.names.filter((name) => name !== "$orderby"),
          [],
        ),
        sent.options.$orderby === undefined || new RegExp(`^${NAME}( (asc|desc))?$`).test(sent.options.$orderby)
          ? undefined
          : `$orderby ${sent.options.$orderby}`,
      ),
  },
  {
    name: "Records Per Page (the Prefer header)",
    action: "queryEntities",
    input: "Records Per Page",
    values: [...hostileStrings("50"), ...WRONG_TYPES],
    params: (value) => ({ entityType: "accounts", recordsPerPage: value }),
    method: "GET",
    check: (_value, sent) => {
      const size = /^odata\.maxpagesize=(\d+)$/.exec(sent.headers.prefer ?? "")?.[1];
      return all(
        same("options", sent.names, []),
        size && Number(size) >= 1 && Number(size) <= 5000 ? undefined : `Prefer ${sent.headers.prefer}`,
      );
    },
  },
  {
    name: "Next Page Id (a link or a skip token)",
    action: "queryEntities",
    input: "Next Page Id",
    values: [
      ...hostileStrings("%3Ccookie pagenumber=%222%22 /%3E"),
      ...hostileStrings(`${gateway.url}/api/data/v9.2/accounts?$skiptoken=x`),
      `${gateway.url}/api/data/v9.2/systemusers?$select=fullname`,
      `${gateway.url}/api/data/v9.2/accounts/../systemusers`,
      `${gateway.url}/api/data/v9.2/accounts%2F..%2Fsystemusers`,
      `${gateway.url}/api/data/v9.2/accounts(${CONTOSO})/contact_customer_accounts`,
      `${gateway.url}/api/data/v9.2/$batch`,
      `${gateway.url}/api/data/v9.1/accounts`,
      `${gateway.url.replace("http", "HTTP")}/api/data/v9.2/systemusers`,
      `${gateway.url.replace("//", "//user:pass@")}/api/data/v9.2/accounts`,
      `${otherHost.origin}/api/data/v9.2/accounts`,
      `//${otherHost.origin.slice(7)}/api/data/v9.2/accounts`,
      ...WRONG_TYPES,
    ],
    params: (value) => ({ entityType: "accounts", nextPageId: value }),
    method: "GET",
    check: (value, sent) => {
      const text = textOf(value);
      if (isLink(text))
        return same(
          "path",
          sent.segments.map((segment) => decode(segment)?.toLowerCase()),
          ["accounts"],
        );
      return all(
        same("path", sent.segments, ["accounts"]),
        same("options", sent.names, text ? ["$skiptoken"] : []),
        text ? same("$skiptoken", sent.options.$skiptoken, text) : undefined,
      );
    },
  },
  {
    name: "Field Value names (JSON body keys)",
    action: "createEntity",
    input: "Field Value",
    values: [...hostileStrings("name"), ...hostileStrings("parentaccountid@odata.bind")],
    params: (value) => ({ entityType: "accounts", fieldValues: [{ key: value, value: "x" }] }),
    method: "POST",
    check: (value, sent) =>
      all(same("path", sent.segments, ["accounts"]), same("body", Object.keys(JSON.parse(sent.body)), [textOf(value)])),
  },
  {
    name: "Field Value values (JSON body values)",
    action: "createEntity",
    input: "Field Value",
    values: [...hostileStrings("Contoso"), ...WRONG_TYPES],
    params: (value) => ({ entityType: "accounts", fieldValues: [{ key: "name", value }] }),
    method: "POST",
    check: (value, sent) => all(same("path", sent.segments, ["accounts"]), same("body", JSON.parse(sent.body), { name: value })),
  },
  {
    name: "Dynamic Values (a JSON object)",
    action: "createEntity",
    input: "Dynamic Values",
    alsoNamed: "Field Value",
    values: [
      ...HOSTILE_JSON,
      ...WRONG_TYPES,
      ...hostileStrings("name").map((key) => ({ [key]: "x" })),
      ...hostileStrings("name").map((key) => JSON.stringify({ name: { [key]: 1 } })),
    ],
    params: (value) => ({ entityType: "accounts", dynamicValues: value }),
    method: "POST",
    check: (value, sent) => same("body", JSON.parse(sent.body), typeof value === "string" ? JSON.parse(value.trim()) : value),
  },
  {
    name: "XML Query (a value inside the document)",
    action: "fetchXml",
    input: "XML Query",
    values: hostileStrings("Contoso Ltd"),
    params: (value) => ({ entityType: "accounts", xmlQuery: fetchWithValue(xmlEscape(String(value))) }),
    method: "GET",
    check: (value, sent) => {
      const fetch = fetchOf(sent);
      if (typeof fetch === "string") return fetch;
      const condition = (fetch.entity as { filter?: { condition?: { value?: string } } }).filter?.condition;
      return all(
        same("path", sent.segments, ["accounts"]),
        same("options", sent.names, ["fetchXml"]),
        same("condition value", condition?.value, String(value)),
      );
    },
  },
  {
    name: "XML Query (the document)",
    action: "fetchXml",
    input: "XML Query",
    values: [
      ...hostileStrings(FETCH),
      ...WRONG_TYPES,
      `<!DOCTYPE fetch [<!ENTITY a "${"a".repeat(100)}"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><fetch><entity name="&b;" /></fetch>`,
      `${FETCH}<fetch><entity name="systemuser" /></fetch>`,
      `<fetch><entity name="account"><attribute name="name" /></entity><entity name="systemuser" /></fetch>`,
      `<fetch>${"<!-- x -->".repeat(1000)}<entity name="account" /></fetch>`,
      fetchWithValue("&amp;".repeat(2000)),
    ],
    params: (value) => ({ entityType: "accounts", xmlQuery: value }),
    method: "GET",
    check: (_value, sent) => {
      const fetch = fetchOf(sent);
      return typeof fetch === "string" ? fetch : all(same("path", sent.segments, ["accounts"]), same("options", sent.names, ["fetchXml"]));
    },
  },
  {
    name: "Page Number (the fetch element's page)",
    action: "fetchXml",
    input: "Page Number",
    values: [...hostileStrings("2"), ...WRONG_TYPES],
    params: (value) => ({ entityType: "accounts", xmlQuery: FETCH, pageNumber: value }),
    method: "GET",
    check: (_value, sent) => {
      const fetch = fetchOf(sent);
      if (typeof fetch === "string") return fetch;
      return all(same("options", sent.names, ["fetchXml"]), /^[1-9]\d*$/.test(String(fetch.page)) ? undefined : `page ${fetch.page}`);
    },
  },
  {
    name: "Impersonate User Id (the CallerObjectId header)",
    action: "fetchXml",
    input: "Impersonate User Id",
    values: [...hostileStrings("a1b2c3d4-0000-4000-8000-00000000a001"), ...WRONG_TYPES],
    params: (value) => ({ entityType: "accounts", xmlQuery: FETCH, impersonateUserId: value }),
    method: "GET",
    check: (_value, sent) =>
      all(
        same("options", sent.names, ["fetchXml"]),
        sent.headers.callerobjectid === undefined || new RegExp(`^${GUID}$`).test(sent.headers.callerobjectid)
          ? undefined
          : `CallerObjectId ${sent.headers.callerobjectid}`,
        Object.keys(sent.headers).some((name) => name.startsWith("x-injected")) ? "an injected header" : undefined,
      ),
  },
  {
    name: "Next Page Id (a FetchXML paging cookie)",
    action: "fetchXml",
    input: "Next Page Id",
    values: [...hostileStrings('<cookie page="1"><accountid last="{00000ACC-0000-4000-8000-000000000001}" /></cookie>'), ...WRONG_TYPES],
    params: (value) => ({ entityType: "accounts", xmlQuery: FETCH, nextPageId: value }),
    method: "GET",
    check: (_value, sent) => {
      const fetch = fetchOf(sent);
      if (typeof fetch === "string") return fetch;
      const unexpected = Object.keys(fetch).filter((name) => !["entity", "page", "count", "paging-cookie"].includes(name));
      return all(same("options", sent.names, ["fetchXml"]), same("fetch's attributes and children beyond paging", unexpected, []));
    },
  },
  {
    name: "Batch Actions (collections, keys and data in a multipart body)",
    action: "batchEntityActions",
    input: "Batch Actions",
    values: [
      ...HOSTILE_JSON,
      ...WRONG_TYPES,
      ...hostileStrings("accounts").map((collection) => JSON.stringify([{ collection, action: "create", data: { name: "x" } }])),
      ...hostileStrings("accountnumber='A-1001'").map((key) =>
        JSON.stringify([{ collection: "accounts", action: "update", key, data: { name: "Contoso Ltd" } }]),
      ),
      ...hostileStrings("Batch Co").map((name) => JSON.stringify([{ collection: "accounts", action: "create", data: { name } }])),
      JSON.stringify([{ collection: "accounts", action: "create", data: { name: "x" }, __proto__: { action: "delete" } }]),
      '[{"collection": "accounts", "action": "create", "data": {"__proto__": {"name": "polluted"}}}]',
    ],
    params: (value) => ({ actions: value }),
    method: "POST",
    check: (value, sent) => {
      const operations = JSON.parse(String(value)) as { collection: string; key?: string; data?: unknown }[];
      const requestLines = sent.body.split("\r\n").filter((line) => / HTTP\/1\.1$/.test(line));
      const paths = requestLines.map((line) =>
        line
          .split(" ")[1]
          .replace(/^https?:\/\/[^/]+/, "")
          .replace(API, ""),
      );
      const wrongPath = paths.find((path, index) => path !== operations[index]?.collection.trim() && !KEY.test(path));
      const missingData = operations.find((operation) => !sent.body.includes(JSON.stringify(operation.data)));
      return all(
        same("path", sent.segments, ["$batch"]),
        same("request lines in the batch", requestLines.length, operations.length),
        wrongPath ? `a part's path is ${wrongPath}` : undefined,
        missingData ? `the data ${JSON.stringify(missingData.data).slice(0, 80)} is not in the body as sent` : undefined,
      );
    },
  },
  {
    name: "Function Name and Parameters (the path and its aliases)",
    action: "executeFunction",
    input: "Parameters",
    values: [...hostileStrings("Contoso").map((value) => JSON.stringify({ Text: value })), ...HOSTILE_JSON, ...WRONG_TYPES],
    params: (value) => ({ functionName: "RetrieveVersion", operationParameters: value }),
    method: "GET",
    check: (value, sent) => {
      const parsed = typeof value === "string" ? (value.trim() ? JSON.parse(value.trim()) : {}) : value;
      const parameters = parsed && typeof parsed === "object" ? Object.keys(parsed) : [];
      return all(
        sent.segments.length === 1 && new RegExp(`^RetrieveVersion\\((${NAME}=@p\\d+(,${NAME}=@p\\d+)*)?\\)$`).test(sent.segments[0])
          ? undefined
          : `path ${sent.segments.join("/")}`,
        same(
          "options",
          sent.names,
          parameters.map((_, index) => `@p${index + 1}`),
        ),
      );
    },
  },
  {
    name: "Function Name (the path)",
    action: "executeFunction",
    input: "Function Name",
    values: [...hostileStrings("RetrieveVersion"), ...WRONG_TYPES],
    params: (value) => ({ functionName: value }),
    method: "GET",
    check: (value, sent) => all(same("path", sent.segments.map(decode), [`${textOf(value)}()`]), same("options", sent.names, [])),
  },
  {
    name: "Entity ID (metadata: a logical name or MetadataId in the path)",
    action: "queryAttributes",
    input: "Entity ID",
    values: [...hostileStrings("account"), ...WRONG_TYPES],
    params: (value) => ({ entityId: value }),
    method: "GET",
    check: (_value, sent) =>
      new RegExp(`^EntityDefinitions\\((LogicalName='${NAME}'|${GUID})\\)$`).test(sent.segments[0] ?? "") && sent.segments.length <= 3
        ? undefined
        : `path ${sent.segments.join("/")}`,
  },
  {
    name: "Navigation Property (a relationship in the path)",
    action: "associateEntities",
    input: "Navigation Property",
    values: [...hostileStrings("contact_customer_accounts"), ...WRONG_TYPES],
    params: (value) => ({
      entityType: "accounts",
      entityId: SEED.accounts.fabrikam,
      navigationProperty: value,
      relatedEntityType: "contacts",
      relatedEntityId: SEED.contacts.nancy,
    }),
    method: "POST",
    check: (value, sent) =>
      all(
        same("path", sent.segments.map(decode), [`accounts(${SEED.accounts.fabrikam})`, textOf(value), "$ref"]),
        same("options", sent.names, []),
      ),
  },
  {
    name: "Raw Request URL (any path, on the connection's host only)",
    action: "rawRequestV2",
    input: "URL",
    values: [
      ...hostileStrings("/api/data/v9.2/accounts?$top=1"),
      `${otherHost.origin}/api/data/v9.2/accounts`,
      `//${otherHost.origin.slice(7)}/api/data/v9.2/accounts`,
      `${otherHost.origin.replace("127.0.0.1", "127.1")}/x`,
      `${gateway.url}@${otherHost.origin.slice(7)}/x`,
      `${gateway.url.replace("//", "//user:pass@")}/api/data/v9.2/accounts`,
    ],
    params: (value) => ({ url: value, method: "GET" }),
    method: "GET",
    check: () => undefined,
  },
  {
    name: "Raw Request query parameter values",
    action: "rawRequestV2",
    input: "Query Parameter",
    values: hostileStrings("name eq 'x'").filter((value) => value.trim()),
    params: (value) => ({ url: "/api/data/v9.2/accounts", method: "GET", queryParams: [{ key: "$filter", value }] }),
    method: "GET",
    check: (value, sent) =>
      all(
        same("path", sent.segments, ["accounts"]),
        same("options", sent.names, ["$filter"]),
        same("$filter", sent.options.$filter, value),
      ),
  },
  {
    name: "Raw Request query parameter names",
    action: "rawRequestV2",
    input: "Query Parameter",
    values: [...hostileStrings("$top").filter((value) => value.trim()), "\ud800", "a\udfffb"],
    params: (value) => ({ url: "/api/data/v9.2/accounts", method: "GET", queryParams: [{ key: value, value: "1" }] }),
    method: "GET",
    check: (value, sent) =>
      all(
        same("path", sent.segments, ["accounts"]),
        same("options", sent.names.map(decode), [value]),
        same("value", sent.options[sent.names[0]], "1"),
      ),
  },
  {
    name: "Raw Request header values",
    action: "rawRequestV2",
    input: "Header",
    values: hostileStrings("application/json"),
    params: (value) => ({ url: "/api/data/v9.2/accounts", method: "GET", headers: [{ key: "X-Probe", value }] }),
    method: "GET",
    check: (value, sent) =>
      all(
        same("path", sent.segments, ["accounts"]),
        // Spaces and tabs around a value are not part of it in HTTP (RFC 9110 §5.5).
        same("X-Probe", sent.headers["x-probe"], String(value).replace(/^[ \t]+|[ \t]+$/g, "")),
        Object.keys(sent.headers).some((name) => name.startsWith("x-injected")) ? "an injected header" : undefined,
      ),
  },
];

interface Figures {
  family: string;
  tried: number;
  refused: number;
  sentExactly: number;
  escapes: number;
}

/** A long FetchXML query goes as a GET inside `$batch`: the GET is what the checks read. */
const unwrapBatchGet = (request: EchoedRequest): EchoedRequest => {
  if (request.method !== "POST" || !request.url.startsWith(`${API}$batch`)) return request;
  const lines = request.body.split("\r\n");
  const index = lines.findIndex((line) => /^GET \S+ HTTP\/1\.1$/.test(line));
  if (index < 0) return request;
  const headers: Record<string, string> = {};
  for (const line of lines.slice(index + 1)) {
    if (!line) break;
    const colon = line.indexOf(":");
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const url = lines[index].split(" ")[1].replace(/^https?:\/\/[^/]+/, "");
  return { method: "GET", url, headers: { ...request.headers, ...headers }, body: "" };
};

const probe = async (family: Family): Promise<{ figures: Figures; escapes: string[] }> => {
  const figures: Figures = { family: family.name, tried: 0, refused: 0, sentExactly: 0, escapes: 0 };
  const escapes: string[] = [];
  const connection = connectionFor(fixture.emulator, gateway.url);
  for (const value of family.values) {
    figures.tried += 1;
    let error: unknown;
    try {
      await harness.action(family.action, { connection, ...family.params(value) });
    } catch (caught) {
      error = caught;
    }
    const requests = gateway.take().map((request) => (family.action === "fetchXml" ? unwrapBatchGet(request) : request));
    fixture.emulator.takeRequests();
    const shown = (JSON.stringify(value) ?? String(value)).slice(0, 80);
    const elsewhere = otherHost.received.splice(0, otherHost.received.length);
    if (elsewhere.length) {
      escapes.push(`${shown}: a request reached another host`);
    } else if (!requests.length) {
      const named =
        error instanceof InputError && [family.input, family.alsoNamed].some((label) => label && error.message.startsWith(`${label}:`));
      if (named) figures.refused += 1;
      else
        escapes.push(
          `${shown}: ${error ? `refused without an InputError naming ${family.input}: ${String((error as Error).message).slice(0, 160)}` : "no request and no error"}`,
        );
    } else {
      const problem =
        requests.length !== 1
          ? `${requests.length} requests`
          : requests[0].method !== family.method
            ? `method ${requests[0].method}`
            : (() => {
                try {
                  return family.check(value, sentOf(requests[0]));
                } catch (failure) {
                  return `the request could not be read: ${(failure as Error).message}`;
                }
              })();
      if (problem) escapes.push(`${shown}: ${problem}`);
      else figures.sentExactly += 1;
    }
  }
  figures.escapes = escapes.length;
  return { figures, escapes };
};

const measured: Figures[] = [];

afterAll(() => {
  const total = (key: "tried" | "refused" | "sentExactly" | "escapes") => measured.reduce((sum, figures) => sum + figures[key], 0);
  recordFigures("hostileInput", {
    families: measured.length,
    inputsTried: total("tried"),
    refusedBeforeAnyRequest: total("refused"),
    sentExactlyAsExpected: total("sentExactly"),
    escapes: total("escapes"),
    byFamily: measured,
  });
});

describe("hostile input never steers a request", () => {
  // Families are read lazily: their values name the gateway, which starts in beforeAll.
  it.each(Array.from({ length: 25 }, (_, index) => index))(
    "family %i: each value is refused naming its input, or sent exactly",
    async (index) => {
      const family = families()[index];
      if (!family) return;
      const { figures, escapes } = await probe(family);
      measured.push(figures);
      expect(figures.tried).toBeGreaterThan(50);
      expect({ family: family.name, escapes: escapes.slice(0, 15) }).toEqual({ family: family.name, escapes: [] });
    },
  );
});
