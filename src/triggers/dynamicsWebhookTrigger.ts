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
import { checkWebhookRequest, type ExpectedSecret, redactSecret } from "./webhookAuthentication";
import { EVENT_BRANCH, isUrlValidation, legacyEventKeys, UNAUTHENTICATED_WARNING, URL_VALIDATION_BRANCH } from "./webhookBranches";
import { REDACTED } from "../client";
import { parseWebhookBody, readWebhookEvent } from "./webhookEvent";
import { createWebhook, deleteWebhook, expectedSecret } from "./webhookRegistration";

const EXAMPLE_HEADERS = {
  "content-type": "application/json",
  "x-request-id": "4f3c2b1a-0e9d-4c8b-a7f6-5e4d3c2b1a09",
  "x-ms-dynamics-organization": "contoso.crm.dynamics.com",
  "x-ms-dynamics-entity-name": "account",
  "x-ms-dynamics-request-name": "Update",
  "x-ms-correlation-request-id": "9e2b7f0c-1a3d-4e5f-8a9b-0c1d2e3f4a5b",
};

const exampleEvent = readWebhookEvent(exampleRemoteExecutionContext, EXAMPLE_HEADERS);

// Dynamics waits up to 60 s and ignores the body; answering at once keeps it from failing the system job.
const OK = { statusCode: 200, contentType: "text/plain", body: "" };

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
    const expected: ExpectedSecret = context.isSimulatedTestExecution ? { type: "None" } : expectedSecret(params, context);
    if (expected.type === "None" && expected.keyless) context.logger.warn(UNAUTHENTICATED_WARNING);
    checkWebhookRequest(expected, payload);
    const request = redactSecret(expected, payload);
    if (isUrlValidation(payload.headers ?? {})) {
      return { branch: URL_VALIDATION_BRANCH, payload: request, response: OK };
    }
    const body = parseWebhookBody(payload.body?.data ?? payload.rawBody?.data);
    const event = readWebhookEvent(body, payload.headers ?? {});
    return { branch: EVENT_BRANCH, payload: { ...request, ...legacyEventKeys(body, event), event }, response: OK };
  },
  webhookLifecycleHandlers: { create: createWebhook, delete: deleteWebhook },
  allowsBranching: true,
  staticBranchNames: [URL_VALIDATION_BRANCH, EVENT_BRANCH],
  scheduleSupport: "invalid",
  synchronousResponseSupport: "valid",
  examplePayload: {
    branch: EVENT_BRANCH,
    payload: {
      ...exampleTriggerPayload,
      headers: EXAMPLE_HEADERS,
      queryParameters: { code: REDACTED },
      body: { data: JSON.stringify(exampleRemoteExecutionContext), contentType: "application/json" },
      ...legacyEventKeys(exampleRemoteExecutionContext, exampleEvent),
      event: exampleEvent,
    },
    response: OK,
  },
});
