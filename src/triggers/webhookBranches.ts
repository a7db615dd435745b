/**
 * What Prismatic's own Webhook trigger gave a flow, kept so flows switch without edits: its two
 * branches, and the keys it added to the payload beside ours.
 */
import type { WebhookEvent } from "./webhookEvent";

export const URL_VALIDATION_BRANCH = "URL Validation / Heartbeat";
export const EVENT_BRANCH = "Event";

export const UNAUTHENTICATED_WARNING =
  "The webhook is unauthenticated: no Webhook Key is set, so every request to this flow's URL is accepted. Set the key of the service endpoint in Dynamics as Webhook Key (or turn Register Webhook on, which generates one).";

/** A request whose `x-ms-dynamics-request-name` is `URL_VALIDATION` only checks that the URL answers, whatever its body. */
export const isUrlValidation = (headers: Record<string, string>): boolean =>
  Object.entries(headers).some(([name, value]) => name.toLowerCase() === "x-ms-dynamics-request-name" && value === "URL_VALIDATION");

/**
 * The old keys: the parsed body as `bodyData`, three delivery headers and three of its
 * properties. A header or property that is absent stays absent, as it did there.
 */
export const legacyEventKeys = (body: Record<string, unknown>, event: WebhookEvent) => ({
  bodyData: body,
  requestId: event.delivery.requestId ?? undefined,
  organization: event.delivery.organization ?? undefined,
  entityName: event.delivery.entityName ?? undefined,
  inputParameters: body.InputParameters,
  initiatingUserId: body.InitiatingUserId,
  messageName: body.MessageName,
});
