/** Webhook registration tables and delivery (reference §9). Not reproduced yet. */
import type { TableDefinition } from "./schema";
import type { Store } from "./store";

export const webhookTables = (): TableDefinition[] => [];

/** Starts delivering change events to registered webhooks; returns a function that stops it. */
export const startWebhookDelivery = (_store: Store): (() => Promise<void>) => async () => undefined;
