/**
 * Helpers for trigger tests: a context for the webhook lifecycle handlers (which the
 * harness does not call), a local HTTP listener standing in for Prismatic's webhook URL,
 * and turning what it received into the payload Prismatic gives the trigger.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { ActionContext, TriggerPayload } from "@prismatic-io/spectral";
import { defaultTriggerPayload, loggerMock } from "@prismatic-io/spectral/dist/testing";
import { harness } from "../support";

export const FLOW = { id: "flowId", name: "Flow 1", stableId: "flowStableId" };

export const lifecycleContext = (webhookUrl: string, crossFlowState: Record<string, unknown> = {}): ActionContext =>
  ({
    logger: loggerMock(),
    instanceState: {},
    crossFlowState,
    executionState: {},
    integrationState: {},
    configVars: {},
    components: {},
    stepId: "stepId",
    executionId: "executionId",
    webhookUrls: { [FLOW.name]: webhookUrl },
    webhookApiKeys: {},
    invokeUrl: webhookUrl,
    customer: { id: "customerId", name: "Customer 1", externalId: "1234" },
    instance: { id: "instanceId", name: "Instance 1" },
    user: { id: "userId", email: "user@example.com", name: "User 1", externalId: "1234" },
    integration: { id: "integrationId", name: "Integration 1", versionSequenceId: "1", externalVersion: "1.0.0" },
    flow: FLOW,
    startedAt: new Date().toISOString(),
  }) as unknown as ActionContext;

type LifecycleResult = { crossFlowState?: Record<string, unknown> } | undefined;

/** Runs the trigger's webhook create or delete handler as Prismatic does on deploy and delete. */
export const runLifecycle = async (
  kind: "webhookCreate" | "webhookDelete",
  params: Record<string, unknown>,
  context: ActionContext,
): Promise<LifecycleResult> => {
  const trigger = harness.component.triggers.dynamicsWebhookTrigger as unknown as Record<
    string,
    (context: ActionContext, params: Record<string, unknown>) => Promise<LifecycleResult>
  >;
  const defaults = Object.fromEntries(
    (harness.component.triggers.dynamicsWebhookTrigger.inputs as { key: string; default?: string }[]).map(({ key, default: value }) => [
      key,
      value ?? "",
    ]),
  );
  return trigger[kind](context, { ...defaults, ...params });
};

export interface ReceivedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: Buffer;
}

export interface Listener {
  url: string;
  received: ReceivedRequest[];
  /** Resolves with the next request (or one already received and not yet taken). */
  next(): Promise<ReceivedRequest>;
  stop(): Promise<void>;
}

const readBody = (request: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks)));
    request.on("error", reject);
  });

export const startListener = async (): Promise<Listener> => {
  const received: ReceivedRequest[] = [];
  let taken = 0;
  let waiting: ((request: ReceivedRequest) => void) | undefined;
  const server: Server = createServer(async (request, response) => {
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    const entry: ReceivedRequest = {
      method: request.method ?? "",
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, String(value)])),
      body: await readBody(request),
    };
    received.push(entry);
    response.writeHead(200).end();
    if (waiting) {
      const resolve = waiting;
      waiting = undefined;
      taken += 1;
      resolve(entry);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/trigger/flow-1`,
    received,
    next: () =>
      taken < received.length ? Promise.resolve(received[taken++]) : new Promise<ReceivedRequest>((resolve) => (waiting = resolve)),
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};

/** What Prismatic hands the trigger for a request it received. */
export const payloadFor = (
  request: Pick<ReceivedRequest, "headers" | "query" | "body">,
  bodyForm: "string" | "buffer" | "object" = "string",
): TriggerPayload => {
  const text = request.body.toString("utf8");
  const data = bodyForm === "buffer" ? request.body : bodyForm === "object" ? JSON.parse(text) : text;
  return {
    ...defaultTriggerPayload(),
    headers: request.headers,
    queryParameters: request.query,
    rawBody: { data: request.body, contentType: "application/json" },
    body: { data, contentType: "application/json" },
  };
};
