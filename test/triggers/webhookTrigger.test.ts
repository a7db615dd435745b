import { exampleRemoteExecutionContext } from "../../src/triggers/examples";
import { hashSecret, secretsEqual } from "../../src/triggers/webhookAuthentication";
import { expectSameShape, harness, recordingLogger } from "../support";
import { payloadFor } from "./support";

const KEY = "k3y-with/odd+chars=";
const body = Buffer.from(JSON.stringify(exampleRemoteExecutionContext));
const dynamicsHeaders = (
  harness.component.triggers.dynamicsWebhookTrigger.examplePayload as { payload: { headers: Record<string, string> } }
).payload.headers;

const request = (extra: { headers?: Record<string, string>; query?: Record<string, string> } = {}) =>
  payloadFor({ headers: { ...dynamicsHeaders, ...extra.headers }, query: extra.query ?? {}, body });

const run = (payload: ReturnType<typeof request>, params: Record<string, unknown>, context: Record<string, unknown> = {}) =>
  harness.trigger("dynamicsWebhookTrigger", payload, params, context) as Promise<any>;

const refusal = async (payload: ReturnType<typeof request>, params: Record<string, unknown>): Promise<Error> => {
  try {
    await run(payload, params);
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected the request to be refused");
};

describe("Webhook trigger: validation", () => {
  const modes: [string, Record<string, unknown>, Parameters<typeof request>[0], Parameters<typeof request>[0], string][] = [
    [
      "WebhookKey",
      { authenticationType: "WebhookKey", webhookKey: KEY },
      { query: { code: KEY } },
      { query: { code: "wrong" } },
      "'code' query parameter",
    ],
    [
      "HttpHeader",
      { authenticationType: "HttpHeader", authName: "x-api-key", authValue: KEY },
      { headers: { "X-Api-Key": KEY } },
      { headers: { "x-api-key": `${KEY}x` } },
      "'x-api-key' header",
    ],
    [
      "HttpQueryString",
      { authenticationType: "HttpQueryString", authName: "token", authValue: KEY },
      { query: { token: KEY } },
      { query: { token: "" } },
      "'token' query parameter",
    ],
  ];

  it.each(modes)("%s: accepts the right secret and answers 200 with an empty body", async (_mode, params, good) => {
    const result = await run(request(good), params);
    expect(result.response).toEqual({ statusCode: 200, contentType: "text/plain", body: "" });
    expect(result.payload.event.messageName).toBe("Update");
  });

  it.each(modes)("%s: refuses a wrong or missing secret, naming the check but not the secret", async (_mode, params, _good, bad, check) => {
    for (const payload of [request(bad), request()]) {
      const error = await refusal(payload, params);
      expect(error.message).toContain(check);
      expect(error.message).toMatch(/^Webhook request refused: /);
      expect(error.message).not.toContain(KEY);
    }
  });

  it("says whether the secret was missing or wrong", async () => {
    const params = { authenticationType: "WebhookKey", webhookKey: KEY };
    expect((await refusal(request(), params)).message).toContain("is missing");
    expect((await refusal(request({ query: { code: "nope" } }), params)).message).toContain("does not match");
  });

  it("None accepts any request", async () => {
    const result = await run(request(), { authenticationType: "None" });
    expect(result.payload.event.entityId).toBe(exampleRemoteExecutionContext.PrimaryEntityId);
  });

  it("skips the check only for Prismatic's simulated test executions", async () => {
    const params = { authenticationType: "WebhookKey", webhookKey: KEY };
    const simulated = await run(request(), params, { isSimulatedTestExecution: true });
    expect(simulated.payload.event.messageName).toBe("Update");
    await expect(run(request(), params, { isSimulatedTestExecution: false })).rejects.toThrow("Webhook request refused");
  });

  it("accepts every request when no key is set, as Prismatic's component did, and warns that it is unauthenticated", async () => {
    const logger = recordingLogger();
    const result = await run(request(), { authenticationType: "WebhookKey" }, { logger });
    expect(result.branch).toBe("Event");
    expect(logger.warn).toHaveBeenCalledWith(expect.stringMatching(/^The webhook is unauthenticated: .*Webhook Key/));
    const keyed = recordingLogger();
    await run(request({ query: { code: KEY } }), { authenticationType: "WebhookKey", webhookKey: KEY }, { logger: keyed });
    expect(keyed.warn).not.toHaveBeenCalled();
  });

  it("takes the key as Auth or auth too, as Prismatic's component did, and hides it there as well", async () => {
    const params = { webhookKey: KEY };
    for (const name of ["Auth", "auth"]) {
      const result = await run(request({ query: { [name]: KEY } }), params);
      expect(result.payload.queryParameters[name]).toBe("[REDACTED]");
      expect(JSON.stringify(result.payload)).not.toContain(KEY);
      await expect(run(request({ query: { [name]: "wrong" } }), params)).rejects.toThrow("'auth' query parameter does not match");
    }
  });

  it("asks for the settings a mode needs before looking at the request", async () => {
    await expect(run(request(), { authenticationType: "HttpHeader", authValue: KEY })).rejects.toThrow("Auth Name: is required");
    await expect(run(request(), { authenticationType: "Basic" })).rejects.toThrow("Authentication Type: 'Basic' is not one of");
  });

  it("with Register Webhook on, checks against the hash of the key generated at registration", async () => {
    const registration = { serviceEndpointId: "e1", stepIds: [], url: "https://x" };
    const params = { authenticationType: "WebhookKey", webhookKey: KEY, registerWebhook: true };
    const crossFlowState = { "dynamicsWebhook:flowStableId": { ...registration, webhookKeySha256: hashSecret("generated") } };
    const result = await run(request({ query: { code: "generated" } }), params, { crossFlowState });
    expect(result.payload.event.messageName).toBe("Update");
    expect(result.payload.queryParameters.code).toBe("[REDACTED]");
    await expect(run(request({ query: { code: KEY } }), params, { crossFlowState })).rejects.toThrow("does not match");
    await expect(run(request({ query: { code: "generated" } }), params)).rejects.toThrow("no registered webhook key yet");
  });

  it("never passes the secret on to the flow", async () => {
    const result = await run(request({ query: { code: KEY } }), { authenticationType: "WebhookKey", webhookKey: KEY });
    expect(result.payload.queryParameters.code).toBe("[REDACTED]");
    const header = await run(request({ headers: { "x-api-key": KEY } }), {
      authenticationType: "HttpHeader",
      authName: "x-api-key",
      authValue: KEY,
    });
    expect(JSON.stringify(header.payload)).not.toContain(KEY);
  });

  it("compares secrets of any length without throwing", () => {
    expect(secretsEqual("a", "a")).toBe(true);
    expect(secretsEqual("a", "a-much-longer-secret")).toBe(false);
    expect(secretsEqual("", "x")).toBe(false);
  });
});

describe("Webhook trigger: body and event", () => {
  const params = { authenticationType: "None" };

  it.each(["string", "buffer", "object"] as const)("reads a body that arrives as %s", async (form) => {
    const payload = payloadFor({ headers: dynamicsHeaders, query: {}, body }, form);
    const result = await run(payload, params);
    // The body stays as Dynamics sent it; the parsed context is bodyData (as in Prismatic's component) and our event.
    expect(result.payload.body.data).toEqual(payload.body.data);
    expect(result.payload.bodyData).toEqual(exampleRemoteExecutionContext);
    expect(result.payload.event.target).toEqual({
      accountid: exampleRemoteExecutionContext.PrimaryEntityId,
      name: "Contoso Pharmaceuticals",
      modifiedon: "2026-11-03T10:15:00.000Z",
    });
  });

  it("refuses a body that is not JSON, or not an object", async () => {
    const html = payloadFor({ headers: dynamicsHeaders, query: {}, body: Buffer.from("<html>Bad gateway</html>") });
    await expect(run(html, params)).rejects.toThrow(/^Webhook request refused: the body is not JSON \(24 characters\)/);
    const array = payloadFor({ headers: dynamicsHeaders, query: {}, body: Buffer.from("[1,2]") });
    await expect(run(array, params)).rejects.toThrow("must be a JSON object");
    const empty = payloadFor({ headers: dynamicsHeaders, query: {}, body: Buffer.from("") });
    await expect(run(empty, params)).rejects.toThrow("the body is empty");
  });

  it("accepts a body with dates out of JavaScript's range, keeping them as sent", async () => {
    const huge = "/Date(99999999999999999)/";
    const odd = {
      ...exampleRemoteExecutionContext,
      OperationCreatedOn: huge,
      PreEntityImages: [{ key: "PreImage", value: { Attributes: [{ key: "modifiedon", value: huge }] } }],
    };
    const result = await run(payloadFor({ headers: dynamicsHeaders, query: {}, body: Buffer.from(JSON.stringify(odd)) }), params);
    expect(result.response.statusCode).toBe(200);
    expect(result.payload.event.operationCreatedOn).toBe(huge);
    expect(result.payload.event.preImage).toEqual({ modifiedon: huge });
  });

  it("keeps the raw request and surfaces Dynamics' headers", async () => {
    const result = await run(request(), params);
    expect(result.payload.rawBody.data).toEqual(body);
    expect(result.payload.headers["x-ms-dynamics-organization"]).toBe("contoso.crm.dynamics.com");
    expect(result.payload.event.delivery).toEqual({
      requestId: "4f3c2b1a-0e9d-4c8b-a7f6-5e4d3c2b1a09",
      organization: "contoso.crm.dynamics.com",
      entityName: "account",
      requestName: "Update",
      correlationRequestId: "9e2b7f0c-1a3d-4e5f-8a9b-0c1d2e3f4a5b",
    });
    expect(result.payload.event.truncated).toBe(false);
  });

  it("flags a message Dynamics cut down for size", async () => {
    const { InputParameters: _input, PreEntityImages: _pre, PostEntityImages: _post, ...rest } = exampleRemoteExecutionContext;
    const payload = payloadFor({
      headers: { ...dynamicsHeaders, "x-ms-dynamics-msg-size-exceeded": "true" },
      query: {},
      body: Buffer.from(JSON.stringify(rest)),
    });
    const { event } = (await run(payload, params)).payload;
    expect(event.truncated).toBe(true);
    expect([event.entityName, event.entityId, event.target]).toEqual(["account", exampleRemoteExecutionContext.PrimaryEntityId, null]);
  });

  it("returns what its example payload shows", async () => {
    const result = await run(request({ query: { code: KEY } }), { authenticationType: "WebhookKey", webhookKey: KEY });
    expectSameShape(result, harness.component.triggers.dynamicsWebhookTrigger.examplePayload);
  });
});

describe("Webhook trigger: the branches of Prismatic's component", () => {
  it("declares them", () => {
    const trigger = harness.component.triggers.dynamicsWebhookTrigger as unknown as {
      allowsBranching: boolean;
      staticBranchNames: string[];
    };
    expect(trigger.allowsBranching).toBe(true);
    expect(trigger.staticBranchNames).toEqual(["URL Validation / Heartbeat", "Event"]);
  });

  it("sends a URL validation request, whatever its body, to URL Validation / Heartbeat, after the key check", async () => {
    const params = { webhookKey: KEY };
    for (const data of [Buffer.from(""), Buffer.from("not json"), body]) {
      const payload = payloadFor({ headers: { "x-ms-dynamics-request-name": "URL_VALIDATION" }, query: { code: KEY }, body: data });
      const result = await run(payload, params);
      expect(result.branch).toBe("URL Validation / Heartbeat");
      expect(result.response).toEqual({ statusCode: 200, contentType: "text/plain", body: "" });
      expect(result.payload.body).toEqual(payload.body);
      expect(result.payload.queryParameters.code).toBe("[REDACTED]");
      expect(result.payload).not.toHaveProperty("event");
    }
    const unkeyed = payloadFor({ headers: { "x-ms-dynamics-request-name": "URL_VALIDATION" }, query: {}, body });
    await expect(run(unkeyed, params)).rejects.toThrow("Webhook request refused");
  });

  it("sends every other request to Event, with the old payload keys beside ours", async () => {
    const result = await run(request(), { authenticationType: "None" });
    expect(result.branch).toBe("Event");
    expect(result.payload).toMatchObject({
      requestId: "4f3c2b1a-0e9d-4c8b-a7f6-5e4d3c2b1a09",
      organization: "contoso.crm.dynamics.com",
      entityName: "account",
      inputParameters: exampleRemoteExecutionContext.InputParameters,
      initiatingUserId: exampleRemoteExecutionContext.InitiatingUserId,
      messageName: "Update",
    });
    expect(result.payload.event.messageName).toBe("Update");
  });
});
