/**
 * Both triggers. The webhook runs end to end on the emulator only: Dynamics cannot reach a
 * listener on 127.0.0.1, and the emulator delivers to it as Dynamics would to Prismatic.
 * Polling needs no set-up and runs everywhere, restricted to this run's records.
 */
import type { ActionContext } from "@prismatic-io/spectral";
import { defaultTriggerPayload, loggerMock } from "@prismatic-io/spectral/dist/testing";
import { attempt, createRecord, deleteRecord, harness, skipped, type Demo } from "./harness";
import { startListener, type Delivery } from "./listener";

// The harness runs triggers as this flow, so the registration is stored under its stable id.
const FLOW = { id: "flowId", name: "Flow 1", stableId: "flowStableId" };
const DELIVERY_TIMEOUT_MS = 10000;

type LifecycleHandler = (
  context: ActionContext,
  params: Record<string, unknown>,
) => Promise<{ crossFlowState?: Record<string, unknown> } | undefined>;

/** Prismatic runs these on instance deploy and delete; the harness has no call for them. */
const runLifecycle = (
  kind: "webhookCreate" | "webhookDelete",
  params: Record<string, unknown>,
  webhookUrl: string,
  crossFlowState: Record<string, unknown>,
) => {
  const trigger = harness.component.triggers.dynamicsWebhookTrigger as unknown as Record<string, LifecycleHandler> & {
    inputs: { key: string; default?: string }[];
  };
  const defaults = Object.fromEntries(trigger.inputs.map(({ key, default: value }) => [key, value ?? ""]));
  const context = {
    logger: loggerMock(),
    flow: FLOW,
    webhookUrls: { [FLOW.name]: webhookUrl },
    crossFlowState,
    instanceState: {},
    executionState: {},
    integrationState: {},
    configVars: {},
  };
  return trigger[kind](context as unknown as ActionContext, { ...defaults, ...params });
};

/** What Prismatic hands the trigger for a request its webhook URL received. */
const payloadFor = (delivery: Delivery) => ({
  ...defaultTriggerPayload(),
  headers: delivery.headers,
  queryParameters: delivery.query,
  rawBody: { data: delivery.body, contentType: "application/json" },
  body: { data: delivery.body.toString("utf8"), contentType: "application/json" },
});

const endpointsFor = (demo: Demo, url: string): number => {
  const store = demo.emulator?.store;
  const table = store?.bySetName("serviceendpoints");
  return store && table ? store.list(table).filter((endpoint) => endpoint.url === url).length : 0;
};

export const webhookTrigger = async (demo: Demo): Promise<void> => {
  if (!demo.emulator) {
    skipped("Webhook trigger", "needs the emulator: Dynamics cannot reach a local listener");
    return;
  }
  const listener = await startListener();
  try {
    const params = {
      connection: demo.connection,
      authenticationType: "WebhookKey",
      registerWebhook: true,
      entityLogicalName: "account",
      messages: ["Create"],
      webhookName: "Demo flow",
    };
    const registration = await attempt(
      "Webhook: register (create)",
      () => runLifecycle("webhookCreate", params, listener.url, {}),
      () => `${endpointsFor(demo, listener.url)} service endpoint for ${listener.url} (generated key), step on account Create`,
    );
    const crossFlowState = registration?.crossFlowState ?? {};
    const accountId = await createRecord(
      demo,
      "accounts",
      { name: `Demo Webhook ${demo.suffix}` },
      (data) => `accounts(${data["@component.id"]}) "${data.name}"`,
    );
    await attempt(
      "Webhook trigger",
      async () => {
        const delivery = await listener.next(DELIVERY_TIMEOUT_MS);
        return ((await harness.trigger("dynamicsWebhookTrigger", payloadFor(delivery), params, { crossFlowState })) as any).payload.event;
      },
      (event) => {
        if (event.messageName !== "Create" || event.entityId !== accountId)
          throw new Error(`expected the Create of accounts(${accountId}), got ${event.messageName} of ${event.entityId}`);
        return `key checked; ${event.messageName} of ${event.entityName}(${event.entityId}), name "${event.target?.name}"`;
      },
    );
    await attempt(
      "Webhook: unregister (delete)",
      () => runLifecycle("webhookDelete", params, listener.url, crossFlowState),
      () => {
        if (endpointsFor(demo, listener.url) > 0) throw new Error(`the service endpoint for ${listener.url} is still registered`);
        return "service endpoint and step removed";
      },
    );
    await deleteRecord(demo, "accounts", accountId);
  } finally {
    await listener.stop();
  }
};

export const pollingTrigger = async (demo: Demo): Promise<void> => {
  // Spectral keeps a polling trigger's state in the instance state between runs.
  const instanceState: Record<string, unknown> = {};
  const params = {
    connection: demo.connection,
    entityType: "accounts",
    fieldNames: ["name"],
    filterExpression: `startswith(name,'Demo Poll ${demo.suffix}')`,
    mode: "Modified On",
  };
  const poll = async () => ((await harness.trigger("pollChangesTrigger", undefined, params, { instanceState })) as any).payload.body.data;
  await attempt(
    "Polling trigger: first poll",
    poll,
    (data) => `${data.created.length} created, ${data.updated.length} updated (${data.restarted ? "starting point set" : "resumed"})`,
  );
  const accountId = await createRecord(
    demo,
    "accounts",
    { name: `Demo Poll ${demo.suffix}` },
    (data) => `accounts(${data["@component.id"]}) "${data.name}"`,
  );
  await attempt("Polling trigger: second poll", poll, (data) => {
    if (!data.created.some((record: any) => record.accountid === accountId)) throw new Error("the new account was not reported as created");
    return `${data.created.length} created: ${data.created.map((record: any) => `"${record.name}"`).join(", ")}; ${data.updated.length} updated`;
  });
  await deleteRecord(demo, "accounts", accountId);
};
