import { XMLParser } from "fast-xml-parser";
import { buildFetchXml, InputError, mergeAnnotations, parseFetchXml, parseNextPageId, readPagingCookieAnnotation } from "../../src/client";

const attributesOf = (xml: string): Record<string, string> =>
  new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "", parseAttributeValue: false }).parse(xml).fetch;

const INNER =
  '<cookie page="1"><name last="O\'Brien &amp; Sons" first="100% &lt;A&gt;" /><accountid last="{00000ACC-0000-4000-8000-000000000004}" first="{00000ACC-0000-4000-8000-000000000001}" /></cookie>';
// What Dataverse sends: the inner cookie URL-encoded twice inside the wrapper's pagingcookie attribute.
const ANNOTATION = `<cookie pagenumber="2" pagingcookie="${encodeURIComponent(encodeURIComponent(INNER))}" istracking="False" />`;

describe("parseFetchXml and buildFetchXml", () => {
  it("keeps a declaration, comments, leading whitespace and multi-line attributes working, and sends <fetch> alone", () => {
    const text = `\uFEFF
      <?xml version="1.0" encoding="utf-8"?>
      <!-- accounts by city -->
      <fetch version="1.0"
             distinct="true"
             mapping="logical">
        <entity name="account">
          <attribute name="name" />
          <!-- only Redmond -->
          <filter type="and">
            <condition attribute="address1_city"
                       operator="eq"
                       value="Redmond &amp; &quot;Bellevue&quot;" />
            <condition attribute="accountnumber" operator="in"><value> 007 </value><value>A-1</value></condition>
          </filter>
        </entity>
      </fetch>`;
    const query = parseFetchXml(text, "XML Query");
    expect(query.pageable).toBe(true);
    const sent = buildFetchXml(query, { page: 3, count: 50, pagingCookie: INNER });
    expect(sent.startsWith('<fetch version="1.0" distinct="true" mapping="logical" page="3" count="50" paging-cookie="')).toBe(true);
    expect(sent).not.toContain("<!--");
    expect(sent).not.toContain("<?xml");
    expect(sent).toContain("<value> 007 </value><value>A-1</value>");
    const fetch = new XMLParser({
      ignoreAttributes: false,
      attributeNamePrefix: "",
      parseAttributeValue: false,
      parseTagValue: false,
      trimValues: false,
    }).parse(sent).fetch;
    expect(fetch["paging-cookie"]).toBe(INNER);
    expect(fetch.entity.filter.condition[0].value).toBe('Redmond & "Bellevue"');
  });

  it("escapes the paging cookie with the XML builder, so quotes and ampersands survive", () => {
    const sent = buildFetchXml(parseFetchXml('<fetch><entity name="account" /></fetch>', "XML Query"), {
      page: 2,
      count: 10,
      pagingCookie: INNER,
    });
    expect(sent).toContain('paging-cookie="&lt;cookie page=&quot;1&quot;&gt;&lt;name last=&quot;O&apos;Brien &amp;amp; Sons&quot;');
    expect(attributesOf(sent)["paging-cookie"]).toBe(INNER);
  });

  it("replaces an earlier page, count and paging cookie instead of adding a second one", () => {
    const query = parseFetchXml(
      '<fetch count="5" page="9" paging-cookie="&lt;cookie page=&quot;8&quot; /&gt;"><entity name="account" /></fetch>',
      "XML Query",
    );
    expect(attributesOf(buildFetchXml(query, { page: 1, count: 5 }))).toEqual({ count: "5", page: "1", entity: { name: "account" } });
  });

  it("keeps attribute values as written: true stays true, 007 stays 007", () => {
    const sent = buildFetchXml(
      parseFetchXml(
        '<fetch distinct="true" no-lock="true"><entity name="account"><attribute name="name" /><filter><condition attribute="accountnumber" operator="eq" value="007" /></filter></entity></fetch>',
        "XML Query",
      ),
    );
    expect(sent).toBe(
      '<fetch distinct="true" no-lock="true"><entity name="account"><attribute name="name"/><filter><condition attribute="accountnumber" operator="eq" value="007"/></filter></entity></fetch>',
    );
  });

  it.each([
    ['<fetch><entity name="account"></fetch>', /^XML Query: is not valid XML: Expected closing tag 'entity'.*\(line 1, column \d+\)/],
    ["not xml at all", /^XML Query: is not valid XML/],
    ['<fetch><entity name="account" /></fetch><fetch />', /^XML Query: has 2 root elements/],
    ['<fetch count="5><entity /></fetch>', /^XML Query: is not valid XML/],
    [
      '<savedquery><entity name="account" /></savedquery>',
      /^XML Query: the root element is <savedquery>, but a FetchXML query starts with <fetch>/,
    ],
    ["<fetch />", /^XML Query: <fetch> has no <entity> element/],
    ["   ", /^XML Query: is required/],
  ])("refuses %p with a clear input error", (text, message) => {
    expect(() => parseFetchXml(text, "XML Query")).toThrow(InputError);
    expect(() => parseFetchXml(text, "XML Query")).toThrow(message);
  });

  it.each([
    ["<!-- x -->", "XML Query: is not valid XML: Start tag expected. (line 1). Give a FetchXML query"],
    [
      '<fetch><entity name="account"></fetch>',
      "XML Query: is not valid XML: Expected closing tag 'entity' (opened in line 1, col 8) instead of closing tag 'fetch'. (line 1, column 31)",
    ],
  ])("names the line, and the column only when the validator gives one, for %p", (text, message) => {
    expect(() => parseFetchXml(text, "XML Query")).toThrow(message);
    expect(() => parseFetchXml(text, "XML Query")).not.toThrow(/undefined/);
  });

  it("marks top and aggregate queries as not pageable", () => {
    expect(parseFetchXml('<fetch top="5"><entity name="account" /></fetch>', "XML Query").pageable).toBe(false);
    expect(parseFetchXml('<fetch aggregate="true"><entity name="account" /></fetch>', "XML Query").pageable).toBe(false);
    expect(parseFetchXml('<fetch aggregate="false"><entity name="account" /></fetch>', "XML Query").pageable).toBe(true);
  });
});

describe("paging cookies", () => {
  it("decodes the annotation's pagingcookie twice", () => {
    expect(readPagingCookieAnnotation(ANNOTATION)).toEqual({ innerCookie: INNER, page: 1 });
  });

  it("keeps a literal percent sign and plus in cookie values exact", () => {
    const inner = '<cookie page="4"><name last="50%+1 a%20b" first="x" /></cookie>';
    const annotation = `<cookie pagenumber="5" pagingcookie="${encodeURIComponent(encodeURIComponent(inner))}" istracking="False" />`;
    expect(readPagingCookieAnnotation(annotation)).toEqual({ innerCookie: inner, page: 4 });
  });

  it("has no cookie when the annotation carries none", () => {
    expect(readPagingCookieAnnotation('<cookie pagenumber="2" istracking="False" />')).toEqual({});
    expect(readPagingCookieAnnotation("")).toEqual({});
  });

  it("reads a Next Page Id as we return it, as Dataverse sends it, or URL-encoded on the way", () => {
    const expected = { innerCookie: INNER, page: 1 };
    expect(parseNextPageId(INNER, "Next Page Id")).toEqual(expected);
    expect(parseNextPageId(ANNOTATION, "Next Page Id")).toEqual(expected);
    expect(parseNextPageId(encodeURIComponent(INNER), "Next Page Id")).toEqual(expected);
    expect(parseNextPageId(encodeURIComponent(encodeURIComponent(INNER)), "Next Page Id")).toEqual(expected);
  });

  it("reads a Next Page Id copied XML-escaped out of a paging-cookie attribute, unescaping it once", () => {
    const escaped = INNER.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
    expect(escaped.startsWith("&lt;cookie page=&quot;1&quot;&gt;")).toBe(true);
    expect(parseNextPageId(escaped, "Next Page Id")).toEqual({ innerCookie: INNER, page: 1 });
    expect(parseNextPageId(encodeURIComponent(escaped), "Next Page Id")).toEqual({ innerCookie: INNER, page: 1 });
    expect(parseNextPageId("&lt;cookie page=&quot;&#x31;&quot; /&gt;", "Next Page Id")).toEqual({
      innerCookie: '<cookie page="1" />',
      page: 1,
    });
    // A reference to no character is left as written rather than crash the unescaping.
    expect(parseNextPageId("&lt;cookie page=&quot;1&quot; note=&quot;&#99999999;&quot; /&gt;", "Next Page Id").innerCookie).toBe(
      '<cookie page="1" note="&#99999999;" />',
    );
  });

  it.each([
    [
      '<cookie page="1">',
      "Next Page Id: is not valid XML: Unclosed tag 'cookie'. (line 1, column 1). Give the Next Page Id a previous run returned, unchanged.",
    ],
    ["&lt;cookie page=&quot;1&quot;&gt;", "Next Page Id: is not valid XML: Unclosed tag 'cookie'. (line 1, column 1)."],
  ])("refuses the malformed cookie %p as not valid XML", (value, message) => {
    expect(() => parseNextPageId(value, "Next Page Id")).toThrow(message);
  });

  it.each([["page 2"], ["https://example.com/next"], ["<other />"]])("refuses the Next Page Id %p", (value) => {
    expect(() => parseNextPageId(value, "Next Page Id")).toThrow(/^Next Page Id: is not a FetchXML paging cookie/);
  });

  it("always asks for the paging annotations, and keeps * as it is", () => {
    expect(mergeAnnotations()).toEqual(["Microsoft.Dynamics.CRM.fetchxmlpagingcookie", "Microsoft.Dynamics.CRM.morerecords"]);
    expect(mergeAnnotations(["OData.Community.Display.V1.FormattedValue", "Microsoft.Dynamics.CRM.morerecords"])).toEqual([
      "Microsoft.Dynamics.CRM.fetchxmlpagingcookie",
      "Microsoft.Dynamics.CRM.morerecords",
      "OData.Community.Display.V1.FormattedValue",
    ]);
    expect(mergeAnnotations(["OData.Community.Display.V1.FormattedValue", "*"])).toEqual(["*"]);
  });
});

describe("CDATA", () => {
  it("keeps a CDATA value and does not take it for an element", () => {
    const sent = buildFetchXml(
      parseFetchXml(
        '<fetch><entity name="account"><filter><condition attribute="name" operator="in"><value><![CDATA[A & B <C>]]></value></condition></filter></entity></fetch>',
        "XML Query",
      ),
      { page: 1, count: 5 },
    );
    expect(sent).toContain("<value><![CDATA[A & B <C>]]></value>");
  });
});
