import {
  describeRecordKey,
  InputError,
  normalizeGuid,
  parseRecordKey,
  parseWebApiUrl,
  recordPath,
  requireName,
  withQuery,
} from "../../src/client";

describe("record keys", () => {
  it.each([
    ["6D81597F-0F9F-E711-8122-000D3AA2331C", "accounts(6d81597f-0f9f-e711-8122-000d3aa2331c)"],
    ["{6d81597f-0f9f-e711-8122-000d3aa2331c}", "accounts(6d81597f-0f9f-e711-8122-000d3aa2331c)"],
    ["accountnumber='A-1'", "accounts(accountnumber='A-1')"],
    ["accountnumber=A-1", "accounts(accountnumber='A-1')"],
    ["accountnumber='O'Brien'", "accounts(accountnumber='O''Brien')"],
    ["name='a, b',accountnumber='x=y'", "accounts(name='a%2C%20b',accountnumber='x%3Dy')"],
    ["firstname='Joe', emailaddress1='j@x.com'", "accounts(firstname='Joe',emailaddress1='j%40x.com')"],
    [
      "_primarycontactid_value=25A17064-1AE7-E611-80F4-E0071B661F01",
      "accounts(_primarycontactid_value=25a17064-1ae7-e611-80f4-e0071b661f01)",
    ],
    ["example_key1=2,example_key2=2", "accounts(example_key1=2,example_key2=2)"],
    ["code='100%'", "accounts(code='100%25')"],
    ["accountnumber=12345678901234567890", "accounts(accountnumber=12345678901234567890)"],
    ["code=007", "accounts(code=007)"],
    ["amount=-0.50", "accounts(amount=-0.50)"],
    ["code=1e5", "accounts(code='1e5')"],
    ["code='{25A17064-1AE7-E611-80F4-E0071B661F01}'", "accounts(code='%7B25A17064-1AE7-E611-80F4-E0071B661F01%7D')"],
    ["code='25A17064-1AE7-E611-80F4-E0071B661F01'", "accounts(code='25A17064-1AE7-E611-80F4-E0071B661F01')"],
    [
      "_parentaccountid_value={25A17064-1AE7-E611-80F4-E0071B661F01}",
      "accounts(_parentaccountid_value=25a17064-1ae7-e611-80f4-e0071b661f01)",
    ],
  ])("%s → %s", (text, path) => {
    expect(recordPath("accounts", parseRecordKey(text, "Entity ID"))).toBe(path);
  });

  it.each([["abc"], [""], ["=x"], ["bad name='x'"], ["accountnumber='x"], ["accountnumber=''"]])("refuses %p naming the input", (text) => {
    expect(() => parseRecordKey(text, "Entity ID")).toThrow(InputError);
    expect(() => parseRecordKey(text, "Entity ID")).toThrow(/^Entity ID: /);
  });

  it("refuses an id key that is not a GUID before it reaches a URL, and normalises one that is", () => {
    const traversal = "x)/../accounts(6d81597f-0f9f-e711-8122-000d3aa2331c";
    expect(() => recordPath("sdkmessageprocessingsteps", { kind: "id", id: traversal })).toThrow(InputError);
    expect(() => recordPath("sdkmessageprocessingsteps", { kind: "id", id: traversal })).toThrow(
      /^Record ID: 'x\)\/\.\.\/accounts\(.*' is not a GUID, so it cannot name a record of sdkmessageprocessingsteps/,
    );
    expect(() => recordPath("systemusers", { kind: "id", id: undefined as unknown as string })).toThrow(
      /^Record ID: 'undefined' is not a GUID/,
    );
    expect(recordPath("accounts", { kind: "id", id: "{6D81597F-0F9F-E711-8122-000D3AA2331C}" })).toBe(
      "accounts(6d81597f-0f9f-e711-8122-000d3aa2331c)",
    );
  });

  it.each([["a=1,a=2"], ["accountnumber='A-1', accountnumber='A-2'"], ["constructor=1,constructor=2"]])(
    "refuses the repeated column in %p",
    (text) => {
      const column = text.split("=")[0];
      expect(() => parseRecordKey(text, "Entity ID")).toThrow(
        `Entity ID: the alternate key column '${column}' is given twice: give each column of the key once.`,
      );
    },
  );

  it("describes a key for outputs", () => {
    expect(describeRecordKey(parseRecordKey("accountnumber='A-1',version=2", "Entity ID"))).toBe("accountnumber='A-1',version=2");
    expect(describeRecordKey(parseRecordKey("code=007", "Entity ID"))).toBe("code=007");
    expect(
      describeRecordKey(
        parseRecordKey("code='{25A17064-1AE7-E611-80F4-E0071B661F01}',_x_value={25A17064-1AE7-E611-80F4-E0071B661F01}", "Entity ID"),
      ),
    ).toBe("code='{25A17064-1AE7-E611-80F4-E0071B661F01}',_x_value=25a17064-1ae7-e611-80f4-e0071b661f01");
    expect(normalizeGuid("{ABCDEF01-2345-6789-ABCD-EF0123456789}")).toBe("abcdef01-2345-6789-abcd-ef0123456789");
    expect(normalizeGuid("abcdef01-2345-6789-abcd-ef012345678")).toBeUndefined();
  });
});

describe("names", () => {
  it.each(["accounts", "new_projects", "_x_value", "webresourceset"])("accepts %p", (name) => {
    expect(requireName(name, "Entity Type")).toBe(name);
  });
  it.each(["accounts?$top=1", "../x", "a b", "accounts/$ref", "1accounts", "ünïcode"])("refuses %p", (name) => {
    expect(() => requireName(name, "Entity Type")).toThrow(/^Entity Type: '.*' is not a valid Dataverse/);
  });
});

describe("URLs", () => {
  it("normalises every accepted form of the Web API URL to the v9.2 root", () => {
    for (const text of [
      "https://org.crm.dynamics.com",
      "https://org.crm.dynamics.com/",
      "https://org.crm4.dynamics.com/api/data/v9.2",
      "https://org.api.crm.dynamics.com/api/data/v9.0/",
    ]) {
      const { origin, root } = parseWebApiUrl(text);
      expect(root).toBe(`${origin}/api/data/v9.2/`);
    }
    expect(parseWebApiUrl("http://127.0.0.1:8080").root).toBe("http://127.0.0.1:8080/api/data/v9.2/");
  });

  it("encodes query options the way OData reads them", () => {
    expect(withQuery("accounts", { $select: "name,revenue", $filter: "name eq 'A & B+C'", $top: undefined })).toBe(
      "accounts?$select=name,revenue&$filter=name%20eq%20'A%20%26%20B%2BC'",
    );
  });
});
