/**
 * The webhook trigger's lifecycle: on deploy, register the flow's URL in Dynamics; on
 * delete, remove it. What was registered is kept in crossFlowState under the flow's stable
 * id, so a second deploy finds what the first created. Every flow of the instance can read
 * crossFlowState, so a generated webhook key is kept there only as its SHA-256: enough to
 * check a request, not to forge one. Each deploy generates a new key.
 */
import { randomBytes } from "node:crypto";
import type { ActionContext, Connection } from "@prismatic-io/spectral";
import {
  InputError,
  registerWebhook,
  unregisterWebhook,
  type WebhookAuthentication,
  type WebhookMessage,
  type WebhookRegistration,
} from "../client";
import { clientFor } from "../actions/clientFor";
import { type AuthenticationType, entityLogicalName } from "../inputs/webhooks";
import { hashSecret, WebhookRejectedError, type ExpectedSecret } from "./webhookAuthentication";

export interface StoredRegistration extends WebhookRegistration {
  url: string;
  /** Only for Webhook Key authentication: the SHA-256 (hex) of the generated key. */
  webhookKeySha256?: string;
}

export interface WebhookParams {
  connection?: Connection;
  authenticationType: AuthenticationType;
  webhookKey?: string;
  authName?: string;
  authValue?: string;
  registerWebhook: boolean;
  entityLogicalName?: string;
  messages: WebhookMessage[];
  filteringAttributes: string[];
  webhookName?: string;
}

type Context = Pick<ActionContext, "crossFlowState" | "flow" | "webhookUrls" | "logger"> & Partial<Pick<ActionContext, "debug">>;

const registrationKey = (context: Pick<Context, "flow">): string => `dynamicsWebhook:${context.flow.stableId}`;

const isStoredRegistration = (value: unknown): value is StoredRegistration =>
  typeof value === "object" && value !== null && typeof (value as StoredRegistration).serviceEndpointId === "string";

const storedRegistration = (context: Context): StoredRegistration | undefined => {
  const value = context.crossFlowState?.[registrationKey(context)];
  return isStoredRegistration(value) ? value : undefined;
};

/** 32 random bytes, URL-safe, well within authvalue's 2048 characters. */
const generateWebhookKey = (): string => randomBytes(32).toString("base64url");

const requireAuthPair = (params: WebhookParams): { name: string; value: string } => {
  if (!params.authName)
    throw new InputError(
      "Auth Name",
      `is required for ${params.authenticationType} authentication: give the header or query parameter name Dynamics sends.`,
    );
  if (!params.authValue)
    throw new InputError("Auth Value", `is required for ${params.authenticationType} authentication: give the value Dynamics sends.`);
  return { name: params.authName, value: params.authValue };
};

/** What a request must carry. With Register Webhook on, a Webhook Key is the generated one. */
export const expectedSecret = (params: WebhookParams, context: Context): ExpectedSecret => {
  switch (params.authenticationType) {
    case "None":
      return { type: "None" };
    case "WebhookKey": {
      const keySha256 = params.registerWebhook
        ? storedRegistration(context)?.webhookKeySha256
        : params.webhookKey && hashSecret(params.webhookKey);
      if (keySha256) return { type: "WebhookKey", keySha256 };
      if (params.registerWebhook) {
        throw new WebhookRejectedError("this flow has no registered webhook key yet; deploy the instance again to register the webhook.");
      }
      // Prismatic's component accepted every request when no key was set; flows switching to this one keep working.
      return { type: "None", keyless: true };
    }
    default:
      return { type: params.authenticationType, ...requireAuthPair(params) };
  }
};

const flowUrl = (context: Context): string => {
  const url = context.webhookUrls?.[context.flow.name];
  if (!url) throw new Error(`No webhook URL is assigned to the flow '${context.flow.name}', so it cannot be registered in Dynamics.`);
  return url;
};

const requireConnection = (params: WebhookParams): Connection => {
  if (!params.connection)
    throw new InputError("Connection", "is required when Register Webhook is on: Dynamics is asked to send to this flow through it.");
  return params.connection;
};

const authenticationFor = (params: WebhookParams): WebhookAuthentication => {
  if (params.authenticationType === "None") {
    throw new InputError(
      "Authentication Type",
      "None cannot be registered: choose Webhook Key (a key is generated for you), HTTP Header or HTTP Query String.",
    );
  }
  if (params.authenticationType === "WebhookKey") {
    // Dataverse never gives a key back and we keep only its hash, so every deploy sets a new one.
    return { type: "WebhookKey", key: generateWebhookKey() };
  }
  return { type: params.authenticationType, ...requireAuthPair(params) };
};

export const createWebhook = async (context: Context, params: WebhookParams) => {
  if (!params.registerWebhook) return;
  const connection = requireConnection(params);
  if (!params.entityLogicalName)
    throw new InputError(entityLogicalName.label, "is required when Register Webhook is on, for example 'account'.");
  const url = flowUrl(context);
  const stored = storedRegistration(context);
  const authentication = authenticationFor(params);
  // A server that echoes the request body would otherwise put the key into an error.
  const secret = authentication.type === "WebhookKey" ? authentication.key : authentication.value;
  const registration = await registerWebhook(
    clientFor(context, connection, [secret]),
    {
      name: params.webhookName ?? `Prismatic: ${context.flow.name}`,
      url,
      entityLogicalName: params.entityLogicalName,
      messages: params.messages,
      filteringAttributes: params.filteringAttributes,
      authentication,
      labels: { entityLogicalName: entityLogicalName.label },
    },
    stored,
  );
  const value: StoredRegistration = {
    ...registration,
    url,
    ...(authentication.type === "WebhookKey" ? { webhookKeySha256: hashSecret(authentication.key) } : {}),
  };
  return { crossFlowState: { ...context.crossFlowState, [registrationKey(context)]: value } };
};

/**
 * Removes what this flow registered whenever a registration is stored, even if Register
 * Webhook was switched off since: otherwise Dynamics would keep calling a deleted flow.
 */
export const deleteWebhook = async (context: Context, params: WebhookParams) => {
  const stored = storedRegistration(context);
  if (!params.registerWebhook && !stored) return;
  if (stored && !params.connection) {
    throw new InputError(
      "Connection",
      `is needed to remove the webhook this flow registered in Dynamics (service endpoint ${stored.serviceEndpointId} for ${stored.url}): choose the connection and delete again, or delete that service endpoint and its steps in Dynamics.`,
    );
  }
  await unregisterWebhook(clientFor(context, requireConnection(params)), stored?.url ?? flowUrl(context), stored);
  return { crossFlowState: { ...context.crossFlowState, [registrationKey(context)]: null } };
};
