import { input } from "@prismatic-io/spectral";
import { InputError, isName, requireNames, type WebhookMessage } from "../client";
import { toChoice } from "./choices";
import { toBoolean, toOptionalString, toStringList } from "./clean";

const AUTHENTICATION_TYPES = ["WebhookKey", "HttpHeader", "HttpQueryString", "None"] as const;
export type AuthenticationType = (typeof AUTHENTICATION_TYPES)[number];

const WEBHOOK_MESSAGES: WebhookMessage[] = ["Create", "Update", "Delete"];

/** Only needed to register the webhook, so a flow that validates a hand-made webhook needs no connection. */
export const webhookConnection = input({
  label: "Connection",
  type: "connection",
  required: false,
  comments: "Needed only when Register Webhook is on.",
});

export const authenticationType = input({
  label: "Authentication Type",
  type: "string",
  required: true,
  default: "WebhookKey",
  model: [
    { label: "Webhook Key (the 'code' query parameter)", value: "WebhookKey" },
    { label: "HTTP Header", value: "HttpHeader" },
    { label: "HTTP Query String", value: "HttpQueryString" },
    { label: "None (accept every request)", value: "None" },
  ],
  comments: "How Dynamics proves a request is its own: the authentication type of the webhook's service endpoint.",
  clean: (value: unknown): AuthenticationType =>
    toChoice(toOptionalString(value) ?? "WebhookKey", AUTHENTICATION_TYPES, "Authentication Type"),
});

/**
 * A secret as text, or an error naming the input: an array or a number (a config variable of
 * another type, an earlier step's output) would otherwise be compared as something it is not.
 */
const toSecretText = (inputLabel: string) => (value: unknown) => {
  if (value !== undefined && value !== null && typeof value !== "string") {
    throw new InputError(
      inputLabel,
      `must be text, not ${Array.isArray(value) ? "a list" : `a ${typeof value}`}: give the secret as one string.`,
    );
  }
  return toOptionalString(value);
};

export const webhookKey = input({
  label: "Webhook Key",
  type: "password",
  required: false,
  comments:
    "Webhook Key authentication: the key Dynamics sends as the 'code' query parameter ('Auth' or 'auth' work too). When blank (and Register Webhook is off) every request is accepted, as in Prismatic's component, with a warning in the logs. Not used when Register Webhook is on: a key is generated then.",
  clean: toSecretText("Webhook Key"),
});

export const authName = input({
  label: "Auth Name",
  type: "string",
  required: false,
  example: "x-api-key",
  comments: "HTTP Header or HTTP Query String authentication: the name of the header or query parameter Dynamics sends.",
  clean: toOptionalString,
});

export const authValue = input({
  label: "Auth Value",
  type: "password",
  required: false,
  comments: "HTTP Header or HTTP Query String authentication: the value that header or query parameter must have.",
  clean: toSecretText("Auth Value"),
});

export const registerWebhook = input({
  label: "Register Webhook",
  type: "boolean",
  required: false,
  default: "false",
  comments: "Register this flow's URL in Dynamics when the instance is deployed, and remove it when the instance is deleted.",
  clean: (value: unknown) => toBoolean(value),
});

export const entityLogicalName = input({
  label: "Entity Logical Name",
  type: "string",
  required: false,
  example: "account",
  comments: "Register Webhook: the table to watch, by its logical name (account, not accounts).",
  clean: (value: unknown) => {
    const text = toOptionalString(value);
    if (text && !isName(text)) {
      throw new InputError(
        "Entity Logical Name",
        `'${text}' is not a logical name: use letters, digits and underscores (for example 'account').`,
      );
    }
    return text;
  },
});

export const messages = input({
  label: "Messages",
  type: "string",
  collection: "valuelist",
  required: false,
  model: WEBHOOK_MESSAGES.map((message) => ({ label: message, value: message })),
  comments: "Register Webhook: the operations that send a request. All three when empty.",
  clean: (value: unknown): WebhookMessage[] => {
    const chosen = toStringList(value).map((item) => toChoice(item, WEBHOOK_MESSAGES, "Messages"));
    return chosen.length ? [...new Set(chosen)] : WEBHOOK_MESSAGES;
  },
});

export const filteringAttributes = input({
  label: "Filtering Attributes",
  type: "string",
  collection: "valuelist",
  required: false,
  example: "name",
  comments: "Register Webhook: for Update, send a request only when one of these columns changes. Any column when empty.",
  clean: (value: unknown) => requireNames(toStringList(value), "Filtering Attributes"),
});

export const webhookName = input({
  label: "Webhook Name",
  type: "string",
  required: false,
  example: "Prismatic: new accounts",
  comments: "Register Webhook: the name of the service endpoint in Dynamics. 'Prismatic: <flow name>' when empty.",
  clean: toOptionalString,
});
