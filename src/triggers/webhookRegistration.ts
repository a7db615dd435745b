/**
 * The webhook trigger's lifecycle: on deploy, register the flow's URL in Dynamics; on
 * delete, remove it. What was registered (and a generated webhook key, which Dataverse
 * never gives back) is kept in crossFlowState under the flow's stable id, so the trigger
 * can check requests against the key and a second deploy finds what the first created.
 */
import { randomBytes } from "crypto";
import type { ActionContext, Connection } from "@prismatic-io/spectral";
import {
  createDataverseClient,
  InputError,
  registerWebhook,
  unregisterWebhook,
  type WebhookAuthentication,
  type WebhookMessage,
  type WebhookRegistration,
} from "../client";
import type { AuthenticationType } from "../inputs/webhooks";
import { WebhookRejectedError, type ExpectedSecret } from "./webhookAuthentication";

export interface StoredRegistration extends WebhookRegistration {
  url: string;
  /** Only for Webhook Key authentication. */
  webhookKey?: string;
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

type Context = Pick<ActionContext, "crossFlowState" | "flow" | "webhookUrls">;

export const registrationKey = (context: Pick<Context, "flow">): string => `dynamicsWebhook:${context.flow.stableId}`;

const isStoredRegistration = (value: unknown): value is StoredRegistration =>
  typeof value === "object" && value !== null && typeof (value as StoredRegistration).serviceEndpointId === "string";

export const storedRegistration = (context: Context): StoredRegistration | undefined => {
  const value = context.crossFlowState?.[registrationKey(context)];
  return isStoredRegistration(value) ? value : undefined;
};

/** 32 random bytes, URL-safe, well within authvalue's 2048 characters. */
export const generateWebhookKey = (): string => randomBytes(32).toString("base64url");

const requireAuthPair = (params: WebhookParams): { name: string; value: string } => {
  if (!params.authName) throw new InputError("Auth Name", `is required for ${params.authenticationType} authentication: give the header or query parameter name Dynamics sends.`);
  if (!params.authValue) throw new InputError("Auth Value", `is required for ${params.authenticationType} authentication: give the value Dynamics sends.`);
  return { name: params.authName, value: params.authValue };
};

/** What a request must carry. With Register Webhook on, a Webhook Key is the generated one. */
export const expectedSecret = (params: WebhookParams, context: Context): ExpectedSecret => {
  switch (params.authenticationType) {
    case "None":
      return { type: "None" };
    case "WebhookKey": {
      const key = params.registerWebhook ? storedRegistration(context)?.webhookKey : params.webhookKey;
      if (key) return { type: "WebhookKey", key };
      if (params.registerWebhook) {
        throw new WebhookRejectedError("this flow has no registered webhook key yet; deploy the instance again to register the webhook.");
      }
      throw new InputError("Webhook Key", "is required for Webhook Key authentication: give the key set on the service endpoint in Dynamics.");
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
  if (!params.connection) throw new InputError("Connection", "is required when Register Webhook is on: Dynamics is asked to send to this flow through it.");
  return params.connection;
};

const authenticationFor = (params: WebhookParams, stored?: StoredRegistration): WebhookAuthentication => {
  if (params.authenticationType === "None") {
    throw new InputError("Authentication Type", "None cannot be registered: choose Webhook Key (a key is generated for you), HTTP Header or HTTP Query String.");
  }
  if (params.authenticationType === "WebhookKey") {
    return { type: "WebhookKey", key: stored?.webhookKey ?? generateWebhookKey() };
  }
  return { type: params.authenticationType, ...requireAuthPair(params) };
};

export const createWebhook = async (context: Context, params: WebhookParams) => {
  if (!params.registerWebhook) return;
  const connection = requireConnection(params);
  if (!params.entityLogicalName) throw new InputError("Entity Logical Name", "is required when Register Webhook is on, for example 'account'.");
  const url = flowUrl(context);
  const stored = storedRegistration(context);
  const authentication = authenticationFor(params, stored?.url === url ? stored : undefined);
  const registration = await registerWebhook(
    createDataverseClient(connection),
    {
      name: params.webhookName ?? `Prismatic: ${context.flow.name}`,
      url,
      entityLogicalName: params.entityLogicalName,
      messages: params.messages,
      filteringAttributes: params.filteringAttributes,
      authentication,
    },
    stored,
  );
  const value: StoredRegistration = {
    ...registration,
    url,
    ...(authentication.type === "WebhookKey" ? { webhookKey: authentication.key } : {}),
  };
  return { crossFlowState: { ...context.crossFlowState, [registrationKey(context)]: value } };
};

export const deleteWebhook = async (context: Context, params: WebhookParams) => {
  if (!params.registerWebhook) return;
  const stored = storedRegistration(context);
  await unregisterWebhook(createDataverseClient(requireConnection(params)), stored?.url ?? flowUrl(context), stored);
  return { crossFlowState: { ...context.crossFlowState, [registrationKey(context)]: null } };
};
