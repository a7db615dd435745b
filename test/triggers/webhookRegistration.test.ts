import { createHash } from "node:crypto";
import { SEED } from "../emulator/seed";
import { SDK_MESSAGES } from "../emulator/webhooks";
import { harness, runAction, useEmulator } from "../support";
import { lifecycleContext, payloadFor, runLifecycle, startListener, type Listener } from "./support";

const fixture = useEmulator();
let listener: Listener;

beforeAll(async () => {
  listener = await startListener();
});
afterAll(async () => {
  await listener.stop();
});

const STATE_KEY = "dynamicsWebhook:flowStableId";

const tableRows = (entitySetName: string) => {
  const table = fixture.emulator.store.bySetName(entitySetName);
  if (!table) throw new Error(`no table ${entitySetName}`);
  return fixture.emulator.store.list(table);
};

const endpointsFor = (url: string) => tableRows("serviceendpoints").filter((row) => row.url === url);
const stepsFor = (endpointId: unknown) => tableRows("sdkmessageprocessingsteps").filter((row) => row._eventhandler_value === endpointId);

const writes = () =>
  fixture.emulator
    .takeRequests()
    .filter((request) => request.method !== "GET")
    .map((request) => `${request.method} ${request.path.replace(/\(.*\)/, "(…)")}`);

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/** The key the last deploy set on the endpoint: Dynamics has it, crossFlowState must not. */
const keySent = (requests: { method: string; path: string; body: string }[]): string => {
  const write = requests
    .filter((request) => ["POST", "PATCH"].includes(request.method) && request.path.startsWith("serviceendpoints"))
    .pop();
  return JSON.parse(write?.body ?? "{}").authvalue;
};

const triggerParams = (extra: Record<string, unknown> = {}) => ({
  connection: fixture.connection,
  registerWebhook: true,
  entityLogicalName: "account",
  messages: ["Create", "Update"],
  filteringAttributes: ["name"],
  webhookName: "Accounts to Prismatic",
  authenticationType: "WebhookKey",
  ...extra,
});

describe("Webhook trigger: automatic registration", () => {
  let crossFlowState: Record<string, unknown> = {};
  let key = "";

  it("registers the flow's URL: a webhook endpoint with a generated key and one asynchronous post-operation step per message", async () => {
    const result = await runLifecycle("webhookCreate", triggerParams(), lifecycleContext(listener.url));
    crossFlowState = result?.crossFlowState ?? {};
    const stored = crossFlowState[STATE_KEY] as { serviceEndpointId: string; stepIds: string[]; webhookKeySha256: string; url: string };
    expect(stored.url).toBe(listener.url);
    expect(stored.stepIds).toHaveLength(2);

    const [endpoint] = endpointsFor(listener.url);
    expect(endpoint).toMatchObject({
      serviceendpointid: stored.serviceEndpointId,
      name: "Accounts to Prismatic",
      contract: 8,
      authtype: 4,
      authvalue: null,
      isauthvalueset: true,
    });
    const steps = stepsFor(endpoint.serviceendpointid);
    expect(steps.map((step) => [step._sdkmessageid_value, step.stage, step.mode, step.filteringattributes]).sort()).toEqual(
      [
        [SDK_MESSAGES.Create, 40, 1, null],
        [SDK_MESSAGES.Update, 40, 1, "name"],
      ].sort(),
    );
    expect(steps.map((step) => step.sdkmessageprocessingstepid).sort()).toEqual([...stored.stepIds].sort());

    const requests = fixture.emulator.takeRequests();
    const created = requests.find((request) => request.method === "POST" && request.path === "serviceendpoints");
    key = keySent(requests);
    expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(JSON.parse(created?.body ?? "{}")).toMatchObject({ url: listener.url, contract: 8, authtype: 4, authvalue: key });
    // Every flow of the instance reads crossFlowState: it holds the key's SHA-256, never the key.
    expect(stored.webhookKeySha256).toBe(sha256(key));
    expect(JSON.stringify(crossFlowState)).not.toContain(key);
    const stepBodies = requests
      .filter((request) => request.method === "POST" && request.path === "sdkmessageprocessingsteps")
      .map((request) => JSON.parse(request.body));
    expect(stepBodies[0]).toMatchObject({
      "eventhandler_serviceendpoint@odata.bind": `/serviceendpoints(${stored.serviceEndpointId})`,
      "sdkmessageid@odata.bind": `/sdkmessages(${SDK_MESSAGES.Create})`,
      stage: 40,
      mode: 1,
    });
    expect(stepBodies[0]["sdkmessagefilterid@odata.bind"]).toMatch(/^\/sdkmessagefilters\([0-9a-f-]{36}\)$/);
  });

  it("deploying again registers nothing new but sets a new key, and the old key is refused", async () => {
    const before = crossFlowState[STATE_KEY] as { serviceEndpointId: string; stepIds: string[]; webhookKeySha256: string };
    const oldKey = key;
    const result = await runLifecycle("webhookCreate", triggerParams(), lifecycleContext(listener.url, crossFlowState));
    const after = result?.crossFlowState?.[STATE_KEY] as { serviceEndpointId: string; stepIds: string[]; webhookKeySha256: string };
    const requests = fixture.emulator.takeRequests();
    key = keySent(requests);
    expect(key).not.toBe(oldKey);
    expect(after).toEqual({ ...before, webhookKeySha256: sha256(key) });
    expect(JSON.stringify(result?.crossFlowState)).not.toContain(key);
    expect(endpointsFor(listener.url)).toHaveLength(1);
    expect(stepsFor(before.serviceEndpointId)).toHaveLength(2);
    expect(requests.filter((request) => request.method !== "GET").map((request) => request.method)).toEqual(["PATCH"]);

    const delivery = (code: string) =>
      payloadFor({ headers: {}, query: { code }, body: Buffer.from(JSON.stringify({ MessageName: "Update" })) });
    const accepted: any = await harness.trigger("dynamicsWebhookTrigger", delivery(key), triggerParams(), {
      crossFlowState: result?.crossFlowState,
    });
    expect(accepted.payload.queryParameters.code).toBe("[REDACTED]");
    await expect(
      harness.trigger("dynamicsWebhookTrigger", delivery(oldKey), triggerParams(), { crossFlowState: result?.crossFlowState }),
    ).rejects.toThrow("the 'code' query parameter does not match the configured webhook key");
    crossFlowState = result?.crossFlowState ?? {};
  });

  it("finds its endpoint by URL when the stored state is gone, and sets a new key on it", async () => {
    const before = crossFlowState[STATE_KEY] as { serviceEndpointId: string; webhookKeySha256: string };
    const result = await runLifecycle("webhookCreate", triggerParams(), lifecycleContext(listener.url));
    const after = result?.crossFlowState?.[STATE_KEY] as { serviceEndpointId: string; webhookKeySha256: string };
    expect(after.serviceEndpointId).toBe(before.serviceEndpointId);
    const requests = fixture.emulator.takeRequests();
    key = keySent(requests);
    expect(after.webhookKeySha256).toBe(sha256(key));
    expect(after.webhookKeySha256).not.toBe(before.webhookKeySha256);
    expect(endpointsFor(listener.url)).toHaveLength(1);
    expect(requests.filter((request) => request.method !== "GET").map((request) => request.method)).toEqual(["PATCH"]);
    crossFlowState = result?.crossFlowState ?? {};
  });

  it("a deploy that fails on a step write leaves the key alone, so deliveries are still accepted", async () => {
    fixture.emulator.inject({
      method: "POST",
      path: "sdkmessageprocessingsteps",
      status: 400,
      body: { error: { code: "0x80040203", message: "The step could not be saved." } },
    });
    await expect(
      runLifecycle(
        "webhookCreate",
        triggerParams({ messages: ["Create", "Update", "Delete"] }),
        lifecycleContext(listener.url, crossFlowState),
      ),
    ).rejects.toThrow("The step could not be saved.");
    expect(writes()).toEqual(["POST sdkmessageprocessingsteps"]);

    await runAction("createEntity", {
      connection: fixture.connection,
      entityType: "accounts",
      fieldValues: [{ key: "name", value: "After a failed deploy" }],
    });
    const delivered = await listener.next();
    expect(delivered.query).toEqual({ code: key });
    const result: any = await harness.trigger("dynamicsWebhookTrigger", payloadFor(delivered), triggerParams(), { crossFlowState });
    expect(result.payload.event.messageName).toBe("Create");
  });

  it("a record created through the component reaches the flow as a validated Create event", async () => {
    const { "@component.id": id } = await runAction("createEntity", {
      connection: fixture.connection,
      entityType: "accounts",
      fieldValues: [
        { key: "name", value: "Webhook Works" },
        { key: "revenue", value: 1250.5 },
        { key: "industrycode", value: 33 },
        { key: "primarycontactid@odata.bind", value: "/contacts(000000c0-0000-4000-8000-000000000001)" },
      ],
    });
    const delivered = await listener.next();
    expect(delivered.method).toBe("POST");
    expect(delivered.path).toBe("/trigger/flow-1");
    expect(delivered.query).toEqual({ code: key });
    expect(delivered.headers).toMatchObject({
      "content-type": "application/json",
      "x-ms-dynamics-entity-name": "account",
      "x-ms-dynamics-request-name": "Create",
      "x-ms-dynamics-organization": new URL(fixture.emulator.url).host,
    });
    const raw = JSON.parse(delivered.body.toString());
    expect(raw.InputParameters[0].value.__type).toBe("Entity:http://schemas.microsoft.com/xrm/2011/Contracts");
    expect(raw.OperationCreatedOn).toMatch(/^\/Date\(\d+\)\/$/);

    const result: any = await harness.trigger("dynamicsWebhookTrigger", payloadFor(delivered, "buffer"), triggerParams(), {
      crossFlowState,
    });
    expect(result.response.statusCode).toBe(200);
    const { event } = result.payload;
    expect(event).toMatchObject({
      messageName: "Create",
      entityName: "account",
      entityId: id,
      organizationName: "emulator",
      stage: 40,
      mode: 1,
      truncated: false,
    });
    expect(event.target).toMatchObject({
      accountid: id,
      name: "Webhook Works",
      revenue: 1250.5,
      industrycode: 33,
      statecode: 0,
      primarycontactid: { id: "000000c0-0000-4000-8000-000000000001", logicalName: "contact", name: "Maria Campbell" },
    });
    expect(event.target.createdon).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.000Z$/);
    expect(result.payload.queryParameters.code).toBe("[REDACTED]");
  });

  it("an Update sends only the changed columns, only for the filtering attributes, with the images registered for the step", async () => {
    const { "@component.id": id } = await runAction("createEntity", {
      connection: fixture.connection,
      entityType: "accounts",
      fieldValues: [{ key: "name", value: "Before" }],
    });
    await listener.next();
    const updateStep = stepsFor((crossFlowState[STATE_KEY] as { serviceEndpointId: string }).serviceEndpointId).find(
      (step) => step._sdkmessageid_value === SDK_MESSAGES.Update,
    );
    const imageTable = fixture.emulator.store.bySetName("sdkmessageprocessingstepimages");
    fixture.emulator.store.create(imageTable!, {
      name: "Images",
      entityalias: "Image",
      imagetype: 2,
      messagepropertyname: "Target",
      _sdkmessageprocessingstepid_value: updateStep?.sdkmessageprocessingstepid,
    });

    // revenue is not a filtering attribute, so this update sends nothing; the next request is the name change.
    await runAction("updateEntity", {
      connection: fixture.connection,
      entityType: "accounts",
      entityId: id,
      fieldValues: [{ key: "revenue", value: 10 }],
    });
    await runAction("updateEntity", {
      connection: fixture.connection,
      entityType: "accounts",
      entityId: id,
      fieldValues: [{ key: "name", value: "After" }],
    });
    const delivered = await listener.next();
    const result: any = await harness.trigger("dynamicsWebhookTrigger", payloadFor(delivered), triggerParams(), { crossFlowState });
    const { event } = result.payload;
    expect(event.messageName).toBe("Update");
    expect(Object.keys(event.target).sort()).toEqual(["accountid", "modifiedby", "modifiedon", "name"]);
    expect(event.target.name).toBe("After");
    expect(event.preImage).toMatchObject({ name: "Before", revenue: 10 });
    expect(event.postImage).toMatchObject({ name: "After", revenue: 10 });
  });

  it("HTTP Header authentication is registered as a settings document and checked on delivery", async () => {
    const headerListener = await startListener();
    try {
      const params = triggerParams({
        authenticationType: "HttpHeader",
        authName: "x-api-key",
        authValue: "s3cret&<>",
        entityLogicalName: "contact",
        messages: ["Delete"],
      });
      const context = lifecycleContext(headerListener.url);
      const result = await runLifecycle("webhookCreate", params, context);
      const stored = result?.crossFlowState?.[STATE_KEY] as { webhookKeySha256?: string };
      expect(stored.webhookKeySha256).toBeUndefined();
      const post = fixture.emulator.takeRequests().find((request) => request.method === "POST" && request.path === "serviceendpoints");
      expect(JSON.parse(post?.body ?? "{}")).toMatchObject({
        authtype: 5,
        authvalue: '<settings><setting name="x-api-key" value="s3cret&amp;&lt;&gt;" /></settings>',
      });

      await runAction("deleteEntity", {
        connection: fixture.connection,
        entityType: "contacts",
        entityId: "000000c0-0000-4000-8000-000000000004",
      });
      const delivered = await headerListener.next();
      expect(delivered.headers["x-api-key"]).toBe("s3cret&<>");
      const triggered: any = await harness.trigger("dynamicsWebhookTrigger", payloadFor(delivered), params, {
        crossFlowState: result?.crossFlowState,
      });
      expect(triggered.payload.event).toMatchObject({
        messageName: "Delete",
        entityName: "contact",
        target: { id: "000000c0-0000-4000-8000-000000000004", logicalName: "contact", name: null },
        postImage: null,
      });
      await runLifecycle("webhookDelete", params, lifecycleContext(headerListener.url, result?.crossFlowState));
    } finally {
      await headerListener.stop();
    }
  });

  it("refuses what it cannot register before sending anything", async () => {
    const context = lifecycleContext(listener.url);
    await expect(runLifecycle("webhookCreate", triggerParams({ connection: undefined }), context)).rejects.toThrow(
      "Connection: is required when Register Webhook is on",
    );
    await expect(runLifecycle("webhookCreate", triggerParams({ entityLogicalName: "" }), context)).rejects.toThrow(
      "Entity Logical Name: is required",
    );
    await expect(runLifecycle("webhookCreate", triggerParams({ authenticationType: "None" }), context)).rejects.toThrow(
      "None cannot be registered",
    );
    await expect(runLifecycle("webhookCreate", triggerParams({ entityLogicalName: "accounts" }), context)).rejects.toThrow(
      "Dynamics offers no Create step for 'accounts'",
    );
    expect(writes()).toEqual([]);
  });

  it("does nothing when Register Webhook is off", async () => {
    expect(
      await runLifecycle("webhookCreate", triggerParams({ registerWebhook: false }), lifecycleContext("https://elsewhere.example/x")),
    ).toBeUndefined();
    expect(await runLifecycle("webhookDelete", triggerParams({ registerWebhook: false }), lifecycleContext(listener.url))).toBeUndefined();
    expect(fixture.emulator.takeRequests()).toEqual([]);
  });

  it("deleting removes the steps, then the endpoint; deleting again succeeds", async () => {
    const stored = crossFlowState[STATE_KEY] as { serviceEndpointId: string; stepIds: string[] };
    const result = await runLifecycle("webhookDelete", triggerParams(), lifecycleContext(listener.url, crossFlowState));
    expect(result?.crossFlowState?.[STATE_KEY]).toBeNull();
    expect(endpointsFor(listener.url)).toEqual([]);
    expect(stepsFor(stored.serviceEndpointId)).toEqual([]);
    expect(writes()).toEqual(["DELETE sdkmessageprocessingsteps(…)", "DELETE sdkmessageprocessingsteps(…)", "DELETE serviceendpoints(…)"]);

    // With the old state: every id answers 404, which counts as already deleted.
    await runLifecycle("webhookDelete", triggerParams(), lifecycleContext(listener.url, crossFlowState));
    expect(writes()).toEqual(["DELETE sdkmessageprocessingsteps(…)", "DELETE sdkmessageprocessingsteps(…)"]);
    await runLifecycle("webhookDelete", triggerParams(), lifecycleContext(listener.url, result?.crossFlowState));
    expect(writes()).toEqual([]);
  });

  it("a stored step id that is not a GUID is refused before anything is deleted", async () => {
    const created = await runLifecycle("webhookCreate", triggerParams(), lifecycleContext(listener.url));
    const stored = created?.crossFlowState?.[STATE_KEY] as { serviceEndpointId: string; stepIds: string[] };
    const account = SEED.accounts.contoso;
    const crafted = { ...stored, stepIds: [...stored.stepIds, `x)/../accounts(${account}`] };
    fixture.emulator.takeRequests();

    await expect(runLifecycle("webhookDelete", triggerParams(), lifecycleContext(listener.url, { [STATE_KEY]: crafted }))).rejects.toThrow(
      "The stored registration of this flow holds a step id that is not a GUID",
    );
    expect(fixture.emulator.takeRequests()).toEqual([]);
    expect(fixture.emulator.store.find(fixture.emulator.store.bySetName("accounts")!, account)).toBeDefined();
    expect(stepsFor(stored.serviceEndpointId)).toHaveLength(2);

    await runLifecycle("webhookDelete", triggerParams(), lifecycleContext(listener.url, created?.crossFlowState));
    expect(endpointsFor(listener.url)).toEqual([]);
  });

  it("an id Dataverse answers that is not a GUID goes into no request", async () => {
    const created = await runLifecycle("webhookCreate", triggerParams(), lifecycleContext(listener.url));
    const stored = created?.crossFlowState?.[STATE_KEY] as { serviceEndpointId: string; stepIds: string[] };
    fixture.emulator.inject({
      method: "GET",
      path: /^sdkmessageprocessingsteps/,
      status: 200,
      body: { value: [{ sdkmessageprocessingstepid: `x)/../accounts(${SEED.accounts.contoso}` }] },
    });
    fixture.emulator.takeRequests();
    await expect(runLifecycle("webhookDelete", triggerParams(), lifecycleContext(listener.url, created?.crossFlowState))).rejects.toThrow(
      "Dataverse answered a sdkmessageprocessingstepid that is not a GUID",
    );
    expect(writes()).toEqual([]);
    expect(stepsFor(stored.serviceEndpointId)).toHaveLength(2);
    await runLifecycle("webhookDelete", triggerParams(), lifecycleContext(listener.url, created?.crossFlowState));
    expect(endpointsFor(listener.url)).toEqual([]);
  });

  it("deleting removes a stored registration even when Register Webhook was switched off; without a connection it says what is left", async () => {
    const created = await runLifecycle("webhookCreate", triggerParams(), lifecycleContext(listener.url));
    const stored = created?.crossFlowState?.[STATE_KEY] as { serviceEndpointId: string };
    const context = lifecycleContext(listener.url, created?.crossFlowState);
    fixture.emulator.takeRequests();

    await expect(runLifecycle("webhookDelete", triggerParams({ registerWebhook: false, connection: undefined }), context)).rejects.toThrow(
      `Connection: is needed to remove the webhook this flow registered in Dynamics (service endpoint ${stored.serviceEndpointId} for ${listener.url})`,
    );
    expect(endpointsFor(listener.url)).toHaveLength(1);

    const result = await runLifecycle("webhookDelete", triggerParams({ registerWebhook: false }), context);
    expect(result?.crossFlowState?.[STATE_KEY]).toBeNull();
    expect(endpointsFor(listener.url)).toEqual([]);
    expect(stepsFor(stored.serviceEndpointId)).toEqual([]);
  });
});
