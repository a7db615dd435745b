import { trigger } from "@prismatic-io/spectral";
import {
  authenticationType,
  authName,
  authValue,
  entityLogicalName,
  filteringAttributes,
  messages,
  registerWebhook,
  webhookConnection,
  webhookKey,
  webhookName,
} from "../inputs/webhooks";
import { exampleRemoteExecutionContext, exampleTriggerPayload } from "./examples";
import { readRemoteExecutionContext } from "./remoteExecutionContext";
import { checkWebhookRequest, redactSecret } from "./webhookAuthentication";
import { REDACTED } from "../client";
import { parseWebhookBody, readWebhookEvent } from "./webhookEvent";
import { createWebhook, deleteWebhook, expectedSecret } from "./webhookRegistration";

export const dynamicsWebhookTrigger = trigger({
  display: {
    label: "Webhook",
    description: "Receive and validate webhook requests from Microsoft Dynamics for webhooks you configure.",
  },
  inputs: {
    authenticationType,
    webhookKey,
    authName,
    authValue,
    registerWebhook,
    entityLogicalName,
    messages,
    filteringAttributes,
    webhookName,
    connection: webhookConnection,
  },
  perform: async (context, payload, params) => {
    // Prismatic's simulated test runs carry sample data, not a request from Dynamics.
    const expected = context.isSimulatedTestExecution ? ({ type: "None" } as const) : expectedSecret(params, context);
    checkWebhookRequest(expected, payload);
    const request = redactSecret(expected, payload);
    const body = parseWebhookBody(payload.body?.data ?? payload.rawBody?.data);
    return {
      payload: { ...request, body: { ...payload.body, data: body }, event: readWebhookEvent(body, payload.headers ?? {}) },
      // Dynamics waits up to 60 s and ignores the body; answering at once keeps it from failing the system job.
      response: { statusCode: 200, contentType: "text/plain", body: "" },
    };
  },
  webhookLifecycleHandlers: { create: createWebhook, delete: deleteWebhook },
  scheduleSupport: "invalid",
  synchronousResponseSupport: "valid",
  examplePayload: {
    payload: {
      ...exampleTriggerPayload,
      headers: {
        "content-type": "application/json",
        "x-request-id": "4f3c2b1a-0e9d-4c8b-a7f6-5e4d3c2b1a09",
        "x-ms-dynamics-organization": "contoso.crm.dynamics.com",
        "x-ms-dynamics-entity-name": "account",
        "x-ms-dynamics-request-name": "Update",
        "x-ms-correlation-request-id": "9e2b7f0c-1a3d-4e5f-8a9b-0c1d2e3f4a5b",
      },
      queryParameters: { code: REDACTED },
      body: { data: exampleRemoteExecutionContext, contentType: "application/json" },
      event: {
        ...readRemoteExecutionContext(exampleRemoteExecutionContext),
        delivery: {
          requestId: "4f3c2b1a-0e9d-4c8b-a7f6-5e4d3c2b1a09",
          organization: "contoso.crm.dynamics.com",
          entityName: "account",
          requestName: "Update",
          correlationRequestId: "9e2b7f0c-1a3d-4e5f-8a9b-0c1d2e3f4a5b",
        },
        truncated: false,
      },
    },
    response: { statusCode: 200, contentType: "text/plain", body: "" },
  },
});
