import { REDACTED, redactUrl, scrub, scrubError, scrubValue, secretsOf } from "../../src/client";

const TOKEN = "eyJhbGciOiJub25lIn0.eyJhdWQiOiJodHRwczovL29yZyJ9.";
const SECRET = "Sx8~Q+a/b=c d&e<f>'g\"h!";

describe("scrub", () => {
  it.each([
    ["as sent", SECRET],
    ["URL-encoded", encodeURIComponent(SECRET)],
    ["URL-encoded in lower-case hex", encodeURIComponent(SECRET).replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase())],
    ["form-encoded", encodeURIComponent(SECRET).replace(/%20/g, "+")],
    ["JSON-escaped", JSON.stringify(SECRET).slice(1, -1)],
    ["JSON-escaped as .NET writes it", JSON.stringify(SECRET).slice(1, -1).replace(/\//g, "\\/")],
    ["JSON-escaped with \\u002B", 'Sx8~Q\\u002Ba/b=c d\\u0026e\\u003Cf\\u003E\\u0027g\\"h!'],
    ["XML-escaped", "Sx8~Q+a/b=c d&amp;e&lt;f&gt;&#39;g&quot;h!"],
  ])("removes a secret written back %s", (_form, written) => {
    const text = scrub(`before ${written} after`, [SECRET]);
    expect(text).toBe(`before ${REDACTED} after`);
  });

  it("removes every occurrence of every secret, and ignores blank ones", () => {
    expect(scrub(`Bearer ${TOKEN}; again ${TOKEN}; ${SECRET}`, [TOKEN, SECRET, "", undefined])).toBe(
      `Bearer ${REDACTED}; again ${REDACTED}; ${REDACTED}`,
    );
    expect(scrub("nothing to hide", [])).toBe("nothing to hide");
  });
});

describe("scrubError", () => {
  it("scrubs the message, the stack and every own property, through plain objects and arrays, in place", () => {
    const error = Object.assign(new Error(`echo: Bearer ${TOKEN}`), {
      body: { headers: { authorization: `Bearer ${TOKEN}` }, list: [TOKEN, 1, null], [TOKEN]: "key" },
      cause: new Error(SECRET),
    });
    const same = scrubError(error, [TOKEN, SECRET]);
    expect(same).toBe(error);
    const everything = JSON.stringify(error, Object.getOwnPropertyNames(error)) + String(error.stack) + String(error.cause.stack);
    expect(everything).not.toContain(TOKEN);
    expect(everything).not.toContain(SECRET);
    expect(error.message).toBe(`echo: Bearer ${REDACTED}`);
    expect(error.body).toEqual({ headers: { authorization: `Bearer ${REDACTED}` }, list: [REDACTED, 1, null], [REDACTED]: "key" });
  });

  it("survives a cycle", () => {
    const body: Record<string, unknown> = { token: TOKEN };
    body.self = body;
    const error = Object.assign(new Error("cyclic"), { body });
    scrubError(error, [TOKEN]);
    expect(body.token).toBe(REDACTED);
  });
});

describe("scrubValue", () => {
  it("replaces a secret inside bytes and leaves other bytes untouched", () => {
    const binary = Buffer.from([0xff, 0x00, 0xfe]);
    expect(scrubValue(binary, [TOKEN])).toBe(binary);
    expect(scrubValue(Buffer.concat([binary, Buffer.from(TOKEN), binary]), [TOKEN])).toEqual(
      Buffer.concat([binary, Buffer.from(REDACTED), binary]),
    );
  });
});

describe("secretsOf", () => {
  it("lists the connection's tokens and client secret, nothing else", () => {
    expect(
      secretsOf({
        token: { access_token: "a", refresh_token: "r", token_type: "Bearer" },
        fields: { clientSecret: "s", clientId: "id", webApiUrl: "https://org" },
      }),
    ).toEqual(["a", "r", "s"]);
  });
});

describe("redactUrl", () => {
  it.each([
    ["https://org/api?access_token=abc&$select=name", `https://org/api?access_token=${REDACTED}&$select=name`],
    ["/callback?code=xyz&state=1", `/callback?code=${REDACTED}&state=1`],
    ["https://blob/x?sv=2020&sig=a%2Bb%3D", `https://blob/x?sv=2020&sig=${REDACTED}`],
    ["?client_secret=s&CLIENT_SECRET=t", `?client_secret=${REDACTED}&CLIENT_SECRET=${REDACTED}`],
    ["?access%5Ftoken=abc", `?access%5Ftoken=${REDACTED}`],
    [
      "?x-api-key=1&password=2&refresh_token=3&key=4&token=5",
      `?x-api-key=${REDACTED}&password=${REDACTED}&refresh_token=${REDACTED}&key=${REDACTED}&token=${REDACTED}`,
    ],
    ["https://user:pass@org/api", `https://${REDACTED}@org/api`],
    ["https://user:p@ss@org/api?x=1", `https://${REDACTED}@org/api?x=1`],
    ["https://org/cb#access_token=abc&state=1", `https://org/cb#access_token=${REDACTED}&state=1`],
    ["https://org/api/data/v9.2/accounts?$filter=name eq 'code'#top", "https://org/api/data/v9.2/accounts?$filter=name eq 'code'#top"],
  ])("%s", (url, expected) => {
    expect(redactUrl(url)).toBe(expected);
  });
});
