import { XMLBuilder, XMLParser, XMLValidator } from "fast-xml-parser";
import { sendGetInBatch, type BatchGet, type BatchResponsePart } from "./batch";
import { DataverseError, InputError, readErrorBody } from "./wire/errors";
import { parseJson, requestIdOf, valueCollection, type DataverseClient } from "./wire/http";
import { collectPages, type Page, type TooMany, walkPages } from "./pager";
import { MAX_PAGE_SIZE } from "./query";
import type { EntityRecord } from "./records";
import { withRequestOptions, type RequestOptions } from "./requestOptions";
import { withQuery } from "./wire/url";

/**
 * FetchXML is edited as a tree (fast-xml-parser with `preserveOrder`), never as text: the
 * user's attributes, their order and their values (quotes, ampersands, line breaks) come
 * back exactly, and the paging cookie we put into `paging-cookie` is escaped by the builder.
 */
type XmlNode = Record<string, unknown> & { ":@"?: Record<string, string> };

const ATTRIBUTE = "@_";
const COMMENT = "#comment";
const TEXT = "#text";
const CDATA = "#cdata";
/** Keys of a preserveOrder node that are not an element's name. */
const NOT_ELEMENTS = new Set([":@", TEXT, COMMENT, CDATA]);

const XML_OPTIONS = {
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: ATTRIBUTE,
  commentPropName: COMMENT,
  cdataPropName: CDATA,
  // Values stay text: "007" must not become 7, nor "true" a bare attribute.
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  // Without it only a few numeric references are decoded, and `caf&#233;` would be sent as `caf&amp;#233;`.
  htmlEntities: true,
} as const;

/**
 * The parser stops at 1000 references by default, but a valid query may hold more (an `in` list of
 * escaped names). A document without a DOCTYPE (refused below) defines no entity of its own, so each
 * reference expands to one character and their number is bounded by the query's length.
 */
const REFERENCES = { enabled: true, maxTotalExpansions: Number.POSITIVE_INFINITY };

/**
 * The builder's escapes, plus tab and line breaks as character references: written raw inside an
 * attribute value they would reach the server as spaces (XML attribute-value normalisation).
 */
const WRITTEN_ESCAPES = [
  { regex: /&/g, val: "&amp;" },
  { regex: />/g, val: "&gt;" },
  { regex: /</g, val: "&lt;" },
  { regex: /'/g, val: "&apos;" },
  { regex: /"/g, val: "&quot;" },
  { regex: /\r/g, val: "&#13;" },
  { regex: /\n/g, val: "&#10;" },
  { regex: /\t/g, val: "&#9;" },
];

const parser = new XMLParser({ ...XML_OPTIONS, processEntities: REFERENCES });
// `entities` is a builder option its type definitions leave out.
const builder = new XMLBuilder({
  ...XML_OPTIONS,
  suppressBooleanAttributes: false,
  suppressEmptyNode: true,
  ...{ entities: WRITTEN_ESCAPES },
});
const plainParser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "",
  parseAttributeValue: false,
  parseTagValue: false,
  htmlEntities: true,
  processEntities: REFERENCES,
});

/** Comments, CDATA sections and processing instructions (left as they are), or a start tag with its quoted values. */
const MARKUP = /<!--[\s\S]*?-->|<!\[CDATA\[[\s\S]*?\]\]>|<\?[\s\S]*?\?>|<[A-Za-z_:][^"'>]*(?:(?:"[^"]*"|'[^']*')[^"'>]*)*>/g;

/**
 * What an XML parser does before reading a document (XML 1.0 §2.11, §3.3.3) and ours does not: line
 * breaks become `\n`, and a raw tab or line break inside an attribute value becomes a space. After it,
 * such a character in a value can only have come from a character reference, and is written back as one.
 */
const normaliseWhitespace = (xml: string): string =>
  xml
    .replace(/\r\n?/g, "\n")
    .replace(MARKUP, (markup) =>
      markup.startsWith("<!") || markup.startsWith("<?")
        ? markup
        : markup.replace(/"[^"]*"|'[^']*'/g, (value) => value.replace(/[\t\n]/g, " ")),
    );

const DOCTYPE = /<!DOCTYPE/i;

const PAGING_COOKIE_ANNOTATION = "Microsoft.Dynamics.CRM.fetchxmlpagingcookie";
const MORE_RECORDS_ANNOTATION = "Microsoft.Dynamics.CRM.morerecords";
const TOTAL_COUNT_ANNOTATION = "Microsoft.Dynamics.CRM.totalrecordcount";
const COUNT_LIMIT_EXCEEDED_ANNOTATION = "Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded";

/** A parsed FetchXML query: its root `<fetch>` element and what decides how it is paged. */
export interface FetchXmlQuery {
  fetch: XmlNode;
  /** A `top` or aggregate query returns one result and cannot be paged. */
  pageable: boolean;
  /** The input the query came from, which its errors name. */
  inputLabel: string;
}

const elementName = (node: XmlNode): string | undefined => Object.keys(node).find((key) => !NOT_ELEMENTS.has(key) && !key.startsWith("?"));

const childrenOf = (node: XmlNode): XmlNode[] => {
  const name = elementName(node);
  return name && Array.isArray(node[name]) ? (node[name] as XmlNode[]) : [];
};

const attributesOf = (node: XmlNode): Record<string, string> => node[":@"] ?? {};

const fetchAttribute = (query: FetchXmlQuery, name: string): string | undefined => attributesOf(query.fetch)[`${ATTRIBUTE}${name}`];

/** Where the validator found the problem; some errors (a document of comments only) have no column. */
const positionOf = (error: { line?: number; col?: number }): string =>
  [error.line !== undefined ? `line ${error.line}` : "", error.col !== undefined ? `column ${error.col}` : ""].filter(Boolean).join(", ");

const describeXmlError = (error: { msg: string; line?: number; col?: number }): string => {
  const position = positionOf(error);
  return `is not valid XML: ${error.msg}${position ? ` (${position})` : ""}.`;
};

/** Parses and checks a FetchXML query; every problem is an InputError, found before any request. */
export const parseFetchXml = (text: string, inputLabel: string): FetchXmlQuery => {
  const xml = (text.startsWith("\uFEFF") ? text.slice(1) : text).trim();
  if (!xml) {
    throw new InputError(inputLabel, `is required: give a FetchXML query such as <fetch><entity name="account" /></fetch>.`);
  }
  const validation = XMLValidator.validate(xml);
  if (validation !== true) {
    throw new InputError(
      inputLabel,
      `${describeXmlError(validation.err)} Give a FetchXML query such as <fetch><entity name="account"><attribute name="name" /></entity></fetch>.`,
    );
  }
  if (DOCTYPE.test(xml.replace(/<!--[\s\S]*?-->/g, ""))) {
    throw new InputError(inputLabel, "has a DOCTYPE, which FetchXML does not use: remove the <!DOCTYPE …> declaration.");
  }
  let parsed: XmlNode[];
  try {
    parsed = parser.parse(normaliseWhitespace(xml)) as XmlNode[];
  } catch (error) {
    throw new InputError(inputLabel, `could not be read as XML (${(error as Error).message}): check the query's markup.`);
  }
  const elements = parsed.filter(elementName);
  if (elements.length > 1) {
    throw new InputError(inputLabel, `has ${elements.length} root elements: a FetchXML query is one <fetch> element.`);
  }
  const fetch = elements[0];
  if (!fetch || elementName(fetch) !== "fetch") {
    throw new InputError(inputLabel, `the root element is <${elementName(fetch)}>, but a FetchXML query starts with <fetch>.`);
  }
  if (!childrenOf(fetch).some((child) => elementName(child) === "entity")) {
    throw new InputError(inputLabel, `<fetch> has no <entity> element: name the table, as in <entity name="account">.`);
  }
  const attributes = attributesOf(fetch);
  const aggregate = attributes[`${ATTRIBUTE}aggregate`]?.trim().toLowerCase() === "true";
  const top = attributes[`${ATTRIBUTE}top`];
  return { fetch, pageable: !aggregate && top === undefined, inputLabel };
};

const isBlankText = (node: XmlNode): boolean => TEXT in node && !String(node[TEXT]).trim();

/** Comments and the whitespace between elements carry nothing but length in a URL. */
const compact = (nodes: XmlNode[]): XmlNode[] => {
  const hasElements = nodes.some((node) => elementName(node));
  return nodes
    .filter((node) => !(COMMENT in node) && !(hasElements && isBlankText(node)))
    .map((node) => {
      const name = elementName(node);
      return name ? { ...node, [name]: compact(childrenOf(node)) } : node;
    });
};

export interface PagingPosition {
  page: number;
  count: number;
  /** The inner paging cookie, unescaped: `<cookie page="1">…</cookie>`. */
  pagingCookie?: string;
}

/** The query as sent: `<fetch>` alone (no declaration or comments), with paging set when given. */
export const buildFetchXml = (query: FetchXmlQuery, position?: PagingPosition): string => {
  const attributes = { ...attributesOf(query.fetch) };
  if (position) {
    attributes[`${ATTRIBUTE}page`] = String(position.page);
    attributes[`${ATTRIBUTE}count`] = String(position.count);
    delete attributes[`${ATTRIBUTE}paging-cookie`];
    if (position.pagingCookie) {
      attributes[`${ATTRIBUTE}paging-cookie`] = position.pagingCookie;
    }
  }
  const [fetch] = compact([query.fetch]);
  return builder.build([{ ...fetch, ":@": attributes }]) as string;
};

const parseCookieElement = (text: string): Record<string, string> | undefined => {
  try {
    const cookie = (plainParser.parse(text) as Record<string, unknown>).cookie;
    return cookie && typeof cookie === "object" ? (cookie as Record<string, string>) : cookie === "" ? {} : undefined;
  } catch {
    return undefined;
  }
};

const decodeTwice = (text: string): string => decodeURIComponent(decodeURIComponent(text));

export interface PagingCookie {
  /** The inner cookie, ready for `paging-cookie`: `<cookie page="1"><accountid last="{…}" first="{…}" /></cookie>`. */
  innerCookie?: string;
  /** The page the cookie describes (the one just returned), when it says. */
  page?: number;
}

const pageOf = (value: string | undefined): number | undefined => {
  const page = Number(value);
  return Number.isInteger(page) && page > 0 ? page : undefined;
};

/**
 * Reads the `fetchxmlpagingcookie` annotation: `<cookie pagenumber="2" pagingcookie="…" istracking="False" />`.
 * Dataverse URL-encodes the inner cookie twice inside the `pagingcookie` attribute.
 */
export const readPagingCookieAnnotation = (annotation: string): PagingCookie => {
  const wrapper = parseCookieElement(annotation);
  const encoded = wrapper?.pagingcookie;
  if (!encoded) {
    return {};
  }
  let innerCookie: string;
  try {
    innerCookie = decodeTwice(encoded);
  } catch {
    return {};
  }
  const inner = parseCookieElement(innerCookie);
  const nextPage = pageOf(wrapper?.pagenumber);
  return { innerCookie, page: pageOf(inner?.page) ?? (nextPage ? nextPage - 1 : undefined) };
};

const XML_ESCAPE = /&(lt|gt|quot|apos|amp|#[0-9]+|#x[0-9a-fA-F]+);/g;
const XML_ESCAPED: Record<string, string> = { lt: "<", gt: ">", quot: '"', apos: "'", amp: "&" };

const MAX_CODE_POINT = 0x10ffff;

/** A reference to no character stays as written, for the XML check to judge. */
const characterOf = (reference: string, written: string): string => {
  const hexadecimal = reference[1] === "x";
  const codePoint = parseInt(reference.slice(hexadecimal ? 2 : 1), hexadecimal ? 16 : 10);
  return codePoint > 0 && codePoint <= MAX_CODE_POINT ? String.fromCodePoint(codePoint) : written;
};

/** One pass, so `&amp;lt;` becomes `&lt;` (text of the cookie), never `<`. */
const xmlUnescape = (text: string): string =>
  text.replace(XML_ESCAPE, (written, name: string) => (name.startsWith("#") ? characterOf(name, written) : XML_ESCAPED[name]));

/** URL-decoded (at most twice) and, when copied out of a `paging-cookie` attribute, XML-unescaped once. */
const decodeNextPageId = (value: string): string => {
  let text = value.trim();
  for (let round = 0; round < 2 && text.startsWith("%"); round += 1) {
    try {
      text = decodeURIComponent(text);
    } catch {
      break;
    }
  }
  return text.startsWith("&lt;") ? xmlUnescape(text) : text;
};

/**
 * A Next Page Id as this action returns it (the inner cookie), or as Dataverse sends it
 * (the whole annotation), or URL-encoded once or twice on the way through a flow, or
 * XML-escaped as it stands in a `paging-cookie` attribute.
 */
export const parseNextPageId = (value: string, inputLabel: string): PagingCookie => {
  const text = decodeNextPageId(value);
  const validation = XMLValidator.validate(text);
  if (text.startsWith("<") && validation !== true) {
    throw new InputError(inputLabel, `${describeXmlError(validation.err)} Give the ${inputLabel} a previous run returned, unchanged.`);
  }
  const cookie = validation === true ? parseCookieElement(text) : undefined;
  if (!cookie) {
    throw new InputError(
      inputLabel,
      `is not a FetchXML paging cookie: give the ${inputLabel} a previous run returned, such as <cookie page="1"><accountid last="{…}" first="{…}" /></cookie>.`,
    );
  }
  if ("pagingcookie" in cookie) {
    return readPagingCookieAnnotation(text);
  }
  return { innerCookie: text, page: pageOf(cookie.page) };
};

/** Always asks for the two paging annotations; `*` already includes them. */
export const mergeAnnotations = (requested: string[] = []): string[] =>
  requested.includes("*") ? ["*"] : [...new Set([PAGING_COOKIE_ANNOTATION, MORE_RECORDS_ANNOTATION, ...requested])];

/** The inputs a page is asked for with, which paging errors name. */
export interface FetchXmlPageLabels {
  pageNumber: string;
  nextPageId: string;
}

export interface FetchXmlRequest {
  query: FetchXmlQuery;
  /** Annotation names, or `*`. */
  includeAnnotations?: string[];
  /** Impersonation and formatted values; the annotations they ask for join `includeAnnotations`. */
  requestOptions?: RequestOptions;
}

/** One page, by its number or by the paging cookie a previous page returned. */
export interface FetchXmlPageRequest extends FetchXmlRequest {
  pageNumber?: number;
  nextPageId?: string;
  labels: FetchXmlPageLabels;
}

export interface FetchXmlPage {
  records: EntityRecord[];
  pageNumber: number;
  moreRecords: boolean;
  /** The inner paging cookie for the next page; absent on the last page. */
  nextPageId?: string;
  /** With `returntotalrecordcount="true"`, the rows the query matches, up to 5000 (-1 when not counted); only when Dataverse sends it. */
  totalRecordCount?: number;
  /** True when the query matches more rows than `totalRecordCount` says; only when Dataverse sends it. */
  totalRecordCountLimitExceeded?: boolean;
}

type RecordCount = Pick<FetchXmlPage, "totalRecordCount" | "totalRecordCountLimitExceeded">;

interface FetchXmlBody {
  value?: EntityRecord[];
  [annotation: string]: unknown;
}

/** The page to ask for: the cookie's page plus one, which an explicit Page Number must agree with. */
const startPosition = (request: FetchXmlPageRequest, count: number): PagingPosition => {
  const { query, pageNumber, nextPageId, labels } = request;
  if (!nextPageId) {
    // The query's own page and paging-cookie stand unless a Page Number replaces them.
    return pageNumber
      ? { page: pageNumber, count }
      : { page: pageOf(fetchAttribute(query, "page")) ?? 1, count, pagingCookie: fetchAttribute(query, "paging-cookie") };
  }
  const cookie = parseNextPageId(nextPageId, labels.nextPageId);
  const page = cookie.page !== undefined ? cookie.page + 1 : pageNumber;
  if (page === undefined) {
    throw new InputError(
      labels.pageNumber,
      `the ${labels.nextPageId} does not say which page it ends: give the ${labels.pageNumber} of the page to fetch.`,
    );
  }
  if (pageNumber !== undefined && pageNumber !== page) {
    throw new InputError(
      labels.pageNumber,
      `${pageNumber} does not follow the ${labels.nextPageId}, which ends page ${page - 1}: give ${page}, or leave ${labels.pageNumber} empty.`,
    );
  }
  return { page, count, pagingCookie: cookie.innerCookie };
};

const pageSizeOf = (query: FetchXmlQuery): number => {
  const count = fetchAttribute(query, "count");
  if (count === undefined) {
    return MAX_PAGE_SIZE;
  }
  const size = Number(count);
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw new InputError(query.inputLabel, `<fetch count="${count}"> must be a whole number from 1 to ${MAX_PAGE_SIZE}.`);
  }
  return size;
};

/**
 * Dataverse accepts a URL of up to 32 KB (32,768 characters) on a request of its own, and up
 * to 64 KB (65,536) for a request inside `$batch`, where the URL is body text (Microsoft Learn,
 * "Compose HTTP requests and handle errors" and "Execute batch operations using the Web API").
 * Not every version of those pages gives the 32 KB figure, and gateways on the way may allow
 * less, so a query goes through `$batch` from half that length on.
 */
export const MAX_DIRECT_URL_LENGTH = 16_384;
const MAX_BATCH_URL_LENGTH = 65_536;

/** A GET inside `$batch` answers with its own status and body; a failure reads as the direct GET's would. */
const readBatchPart = (part: BatchResponsePart, path: string): FetchXmlBody | undefined => {
  const context = { method: "GET", path, requestId: requestIdOf(part.headers) };
  if (part.status < 200 || part.status >= 300) {
    const { code, message } = readErrorBody(part.body, part.headers["content-type"]);
    throw new DataverseError(message, { ...context, status: part.status, code });
  }
  return parseJson<FetchXmlBody | undefined>(part.body, part.headers, context);
};

const sendLongFetchXml = async (
  client: DataverseClient,
  get: BatchGet,
  urlLength: number,
  inputLabel: string,
): Promise<FetchXmlBody | undefined> => {
  if (urlLength > MAX_BATCH_URL_LENGTH) {
    throw new InputError(
      inputLabel,
      `is ${urlLength} characters long as a URL (URL-encoded, with its paging), more than the ${MAX_BATCH_URL_LENGTH} Dataverse accepts even inside $batch: shorten the query (fewer values in an in condition, fewer attributes) or split it into several queries.`,
    );
  }
  // Impersonation goes on the $batch request too, so the query never runs as the connection's own user.
  return readBatchPart(await sendGetInBatch(client, get), withQuery(get.path, get.query));
};

const sendFetchXml = async (client: DataverseClient, entitySetName: string, request: FetchXmlRequest, xml: string) => {
  const annotations = mergeAnnotations(request.includeAnnotations).join(",");
  const get: BatchGet = withRequestOptions(
    { path: entitySetName, query: { fetchXml: xml }, prefer: [`odata.include-annotations="${annotations}"`] },
    request.requestOptions,
  );
  const urlLength = withQuery(client.resolve(entitySetName), get.query).length;
  const body =
    urlLength > MAX_DIRECT_URL_LENGTH
      ? await sendLongFetchXml(client, { ...get, batchHeaders: get.headers }, urlLength, request.query.inputLabel)
      : (await client.send<FetchXmlBody>({ method: "GET", ...get })).data;
  valueCollection(body, { method: "GET", path: entitySetName });
  return body as FetchXmlBody & { value: EntityRecord[] };
};

/** The collection's count annotations, each only when Dataverse sent it. */
const recordCountOf = (total: unknown, exceeded: unknown): RecordCount => ({
  ...(typeof total === "number" ? { totalRecordCount: total } : {}),
  ...(typeof exceeded === "boolean" ? { totalRecordCountLimitExceeded: exceeded } : {}),
});

const toPage = (body: FetchXmlBody & { value: EntityRecord[] }, pageNumber: number): FetchXmlPage => {
  // On the last page Dataverse sends neither annotation; `morerecords: false` never comes.
  const moreRecords = body[`@${MORE_RECORDS_ANNOTATION}`] === true;
  const annotation = body[`@${PAGING_COOKIE_ANNOTATION}`];
  const cookie = moreRecords && typeof annotation === "string" ? readPagingCookieAnnotation(annotation) : {};
  return {
    records: body.value,
    pageNumber,
    moreRecords,
    nextPageId: cookie.innerCookie,
    ...recordCountOf(body[`@${TOTAL_COUNT_ANNOTATION}`], body[`@${COUNT_LIMIT_EXCEEDED_ANNOTATION}`]),
  };
};

const refuseUnpageable = (request: FetchXmlPageRequest): void => {
  if (request.pageNumber !== undefined || request.nextPageId) {
    throw new InputError(
      request.nextPageId ? request.labels.nextPageId : request.labels.pageNumber,
      "a query with top or an aggregate returns one result and cannot be paged: remove the page input, or the top or aggregate attribute.",
    );
  }
};

/** One page of a FetchXML query; a `top` or aggregate query is sent as it is. */
const runUnpaged = async (client: DataverseClient, entitySetName: string, request: FetchXmlRequest): Promise<FetchXmlPage> =>
  toPage(await sendFetchXml(client, entitySetName, request, buildFetchXml(request.query)), 1);

export const runFetchXml = async (client: DataverseClient, entitySetName: string, request: FetchXmlPageRequest): Promise<FetchXmlPage> => {
  if (!request.query.pageable) {
    refuseUnpageable(request);
    return runUnpaged(client, entitySetName, request);
  }
  const position = startPosition(request, pageSizeOf(request.query));
  return toPage(await sendFetchXml(client, entitySetName, request, buildFetchXml(request.query, position)), position.page);
};

/** Without a paging cookie Dataverse pages by page number alone, and only through the first 50,000 rows (reference §3). */
export const SIMPLE_PAGING_LIMIT = 50_000;

export interface FetchAllLimits {
  /** The most records one result may hold; past it, `tooMany`'s error. */
  maxRecords: number;
  tooMany: TooMany;
  /** How far Dataverse pages without a paging cookie; past it, `pastSimplePaging`'s error. */
  simplePagingRows?: number;
  pastSimplePaging: (rows: number) => Error;
}

type CookiePage = Page<EntityRecord, PagingPosition> & { page: FetchXmlPage };

/**
 * Every page, from the first, through the one pager: the paging cookie is its cursor (or the
 * page number alone when Dataverse gives no cookie, up to the rows simple paging reaches).
 * Past `maxRecords`, or past that reach, it stops with an error rather than return a silently
 * truncated result.
 */
export const runFetchXmlAll = async (
  client: DataverseClient,
  entitySetName: string,
  request: FetchXmlRequest,
  limits: FetchAllLimits,
): Promise<FetchXmlPage> => {
  if (!request.query.pageable) {
    return runUnpaged(client, entitySetName, request);
  }
  const { simplePagingRows = SIMPLE_PAGING_LIMIT } = limits;
  const read = async (position: PagingPosition): Promise<CookiePage> => {
    if (!position.pagingCookie && (position.page - 1) * position.count >= simplePagingRows) {
      throw limits.pastSimplePaging(simplePagingRows);
    }
    const page = toPage(await sendFetchXml(client, entitySetName, request, buildFetchXml(request.query, position)), position.page);
    const next = page.moreRecords ? { page: position.page + 1, count: position.count, pagingCookie: page.nextPageId } : undefined;
    return { items: page.records, next, page };
  };
  const first = await read({ page: 1, count: pageSizeOf(request.query) });
  const pages = walkPages(first, read, {
    method: "GET",
    path: entitySetName,
    keyOf: (position) => `${position.page} ${position.pagingCookie ?? ""}`,
  });
  const { items, last } = await collectPages(pages, limits.maxRecords, limits.tooMany);
  // The first page's count covers the whole query; later pages repeat it.
  const recordCount = recordCountOf(first.page.totalRecordCount, first.page.totalRecordCountLimitExceeded);
  return { records: items, pageNumber: last?.page.pageNumber ?? 1, moreRecords: false, ...recordCount };
};
