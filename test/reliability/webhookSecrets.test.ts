/**
 * The webhook trigger keeps its secrets: however a caller encoded the secret in the query, and
 * wherever the request repeats it, the flow sees none of it; a refused request is refused with
 * a clear error that repeats nothing; a registration error never carries the generated key.
 * Raw Request's query parameter names are encoded and empty values kept.
 */
import { ConnectionError } from "@prismatic-io/spectral";
import { InputError } from "../../src/client";
import { exampleRemoteExecutionContext } from "../../src/triggers/examples";
import { startEchoGateway, type EchoGateway } from "../emulator/echoGateway";
import { connectionFor, harness, runAction, useEmulator } from "../support";
import { lifecycleContext, payloadFor, runLifecycle, startListener, type Listener } from "../triggers/support";

/** Every character a caller may encode in its own way: a space, `!`, and base64's `+`, `/` and `=`. */
const SECRET = "s3cr3t key!+/=Zz";
const WAYS = {
  ".NET (+ for a space, lower-case hex)": "s3cr3t+key%21%2b%2f%3dZz",
  "upper-case hex, %20 for a space, %21 for !": "s3cr3t%20key%21%2B%2F%3DZz",
  encodeURIComponent: encodeURIComponent(SECRET),
};
const body = Buffer.from(JSON.stringify(exampleRemoteExecutionContext));

/** Every string in a value, and each read as a URL would be: a secret hides in any of them. */
const holdsSecret = (value: unknown): boolean => {
  const texts: string[] = [];
  const walk = (item: unknown) => {
    if (typeof item === "string") texts.push(item);
    else if (Buffer.isBuffer(item)) texts.push(item.toString("utf8"));
    else if (item && typeof item === "object") {
      for (const [key, inner] of Object.entries(item)) {
        texts.push(key);
        walk(inner);
      }
    }
  };
  walk(value);
  const decoded = (text: string) => {
    try {
      return decodeURIComponent(text);
    } catch {
      return text;
    }
  };
  return texts.some((text) => [text, decoded(text), decoded(text.replace(/\+/g, " "))].some((form) => form.includes(SECRET)));
};

const delivery = (query: Record<string, string>, rawQuery: string, headers: Record<string, string> = {}) => ({
  ...payloadFor({ headers: { "content-type": "application/json", ...headers }, query, body }),
  invokeUrl: `https://hooks.example.com/trigger/SW5z?${rawQuery}`,
  webhookApiKeys: { "Flow 1": ["prismatic-flow-api-key"] },
});

const run = (payload: unknown, params: Record<string, unknown>) =>
  harness.trigger("dynamicsWebhookTrigger", payload as never, params) as Promise<any>;

const queryMode = { authenticationType: "HttpQueryString", authName: "token", authValue: SECRET };

describe("the webhook trigger passes no secret on to the flow", () => {
  it.each(Object.entries(WAYS))("HttpQueryString: the secret written as %s is removed from invokeUrl", async (_way, written) => {
    const result = await run(delivery({ token: SECRET, other: "kept" }, `token=${written}&other=kept`), queryMode);
    expect(result.payload.invokeUrl).toBe("https://hooks.example.com/trigger/SW5z?token=[REDACTED]&other=kept");
    expect(result.payload.queryParameters).toEqual({ token: "[REDACTED]", other: "kept" });
    expect(holdsSecret(result.payload)).toBe(false);
  });

  it("the query is parsed: a differently-cased name and a copy in another parameter are removed too", async () => {
    const raw = `TOKEN=${WAYS[".NET (+ for a space, lower-case hex)"]}&copy=${WAYS.encodeURIComponent}&page=2`;
    const result = await run(delivery({ TOKEN: SECRET, copy: SECRET, page: "2" }, raw), queryMode);
    expect(result.payload.queryParameters).toEqual({ TOKEN: "[REDACTED]", copy: "[REDACTED]", page: "2" });
    expect(result.payload.invokeUrl).toBe("https://hooks.example.com/trigger/SW5z?TOKEN=[REDACTED]&copy=[REDACTED]&page=2");
    expect(holdsSecret(result.payload)).toBe(false);
  });

  it("headers that repeat the secret (a forwarded URL) are redacted as well", async () => {
    const forwarded = `https://hooks.example.com/trigger/SW5z?token=${WAYS["upper-case hex, %20 for a space, %21 for !"]}`;
    const result = await run(delivery({ token: SECRET }, `token=${WAYS.encodeURIComponent}`, { "x-forwarded-url": forwarded }), queryMode);
    expect(result.payload.headers["x-forwarded-url"]).toBe("[REDACTED]");
    expect(result.payload.headers["content-type"]).toBe("application/json");
    expect(holdsSecret(result.payload)).toBe(false);
  });

  it("HttpHeader: the same secret arriving in the query string is removed from it", async () => {
    const params = { authenticationType: "HttpHeader", authName: "x-api-key", authValue: SECRET };
    const payload = delivery({ leak: SECRET, page: "1" }, `leak=${WAYS[".NET (+ for a space, lower-case hex)"]}&page=1`, {
      "x-api-key": SECRET,
    });
    const result = await run(payload, params);
    expect(result.payload.headers["x-api-key"]).toBe("[REDACTED]");
    expect(result.payload.queryParameters).toEqual({ leak: "[REDACTED]", page: "1" });
    expect(result.payload.invokeUrl).toBe("https://hooks.example.com/trigger/SW5z?leak=[REDACTED]&page=1");
    expect(holdsSecret(result.payload)).toBe(false);
  });

  it("WebhookKey: the key as code is removed however it was encoded, and from a repeat under another name", async () => {
    const params = { authenticationType: "WebhookKey", webhookKey: SECRET };
    const raw = `code=${WAYS[".NET (+ for a space, lower-case hex)"]}&state=${WAYS["upper-case hex, %20 for a space, %21 for !"]}`;
    const result = await run(delivery({ code: SECRET, state: SECRET }, raw), params);
    expect(result.payload.queryParameters).toEqual({ code: "[REDACTED]", state: "[REDACTED]" });
    expect(holdsSecret(result.payload)).toBe(false);
  });

  it("webhookApiKeys is not passed on to the flow, in any mode", async () => {
    for (const params of [queryMode, { authenticationType: "None" }]) {
      const result = await run(delivery({ token: SECRET }, `token=${WAYS.encodeURIComponent}`), params);
      expect(result.payload.webhookApiKeys).toEqual({});
      expect(JSON.stringify(result.payload)).not.toContain("prismatic-flow-api-key");
    }
  });
});

describe("a refused webhook request is refused clearly, repeating nothing", () => {
  const keyMode = { authenticationType: "WebhookKey", webhookKey: SECRET };

  it("a body that is not JSON is not repeated in the error", async () => {
    const payload = {
      ...payloadFor({ headers: {}, query: { code: SECRET }, body: Buffer.from(`not json, but ${SECRET} and a password`) }),
    };
    const error = await run(payload, keyMode).catch((caught: Error) => caught);
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toMatch(/^Webhook request refused: the body is not JSON \(\d+ characters\)/);
    expect(error.message).not.toContain("password");
    expect(holdsSecret(error.message)).toBe(false);
  });

  it.each([
    ["a list", ["a", "b"]],
    ["a number", 12345],
  ])("a Webhook Key given as %s is refused naming the input, not with a crypto TypeError", async (_what, webhookKey) => {
    const error = await run(delivery({ code: "a" }, "code=a"), { authenticationType: "WebhookKey", webhookKey }).catch(
      (caught: Error) => caught,
    );
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toMatch(/^Webhook Key: must be text/);
  });

  it("an Auth Value given as a list is refused naming the input", async () => {
    const error = await run(delivery({ token: "a" }, "token=a"), { ...queryMode, authValue: ["a"] }).catch((caught: Error) => caught);
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toMatch(/^Auth Value: must be text/);
  });

  it.each([
    ["repeated (a list)", [SECRET, SECRET], /was given 2 times/],
    ["a number", 12345, /is a number, not text/],
  ])("a key in the request %s is refused as a webhook refusal", async (_what, code, reason) => {
    const payload = { ...delivery({}, "code=x"), queryParameters: { code } };
    const error = await run(payload, keyMode).catch((caught: Error) => caught);
    expect(error.name).toBe("WebhookRejectedError");
    expect(error.message).toMatch(reason);
    expect(holdsSecret(error.message)).toBe(false);
  });
});

describe("registration never repeats the generated webhook key", () => {
  const fixture = useEmulator();
  let gateway: EchoGateway;
  let listener: Listener;

  beforeAll(async () => {
    gateway = await startEchoGateway(fixture.emulator);
    listener = await startListener();
  });
  afterAll(async () => {
    await gateway.stop();
    await listener.stop();
  });

  it.each(["dataverseError", "htmlError", "textError", "json200"] as const)(
    "when the server echoes the registration's body (%s)",
    async (shape) => {
      gateway.shape = shape;
      gateway.echoes = (request) => request.method !== "GET";
      const context = lifecycleContext(listener.url);
      const outcome = await runLifecycle(
        "webhookCreate",
        {
          connection: connectionFor(fixture.emulator, gateway.url),
          registerWebhook: true,
          entityLogicalName: "account",
          messages: ["Create"],
          authenticationType: "WebhookKey",
        },
        context,
      ).catch((caught: Error) => caught);
      gateway.shape = undefined;
      const keys = gateway.echoed
        .splice(0)
        .map((request) => (JSON.parse(request.body || "{}") as { authvalue?: string }).authvalue)
        .filter((key): key is string => Boolean(key));
      gateway.take();
      expect(keys).toHaveLength(1);
      const texts = JSON.stringify([
        outcome instanceof Error ? { ...outcome, message: outcome.message, stack: outcome.stack } : outcome,
        (context.logger as unknown as Record<string, jest.Mock>).error?.mock?.calls,
      ]);
      expect(texts).not.toContain(keys[0]);
    },
  );
});

describe("Raw Request query parameters", () => {
  const fixture = useEmulator();
  const sent = async (queryParams: { key: string; value: string }[]) => {
    await runAction("rawRequestV2", { connection: fixture.connection, url: "/api/data/v9.2/WhoAmI", method: "GET", queryParams });
    const [request] = fixture.emulator.takeRequests();
    return request.query;
  };

  it("encodes names as well as values: a name cannot add an option or cut the query short", async () => {
    expect(await sent([{ key: "a&$top=1", value: "v" }])).toEqual({ "a&$top=1": "v" });
    expect(await sent([{ key: "name#x", value: "v" }])).toEqual({ "name#x": "v" });
  });

  it("keeps a parameter whose value is empty, as name=", async () => {
    expect(
      await sent([
        { key: "empty", value: "" },
        { key: "$select", value: "fullname" },
      ]),
    ).toEqual({ empty: "", $select: "fullname" });
  });

  it("a connection's Web API URL with credentials is refused without repeating them", async () => {
    const connection = connectionFor(fixture.emulator, "http://user:pa55@127.0.0.1:1");
    const error = await runAction("getCurrentUser", { connection }).catch((caught: Error) => caught);
    expect(error).toBeInstanceOf(ConnectionError);
    expect(JSON.stringify({ ...error, message: error.message, stack: error.stack })).not.toContain("pa55");
  });
});
