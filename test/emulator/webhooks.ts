/**
 * Webhook delivery (reference §9). After a create, update or delete with an enabled step
 * registered for it, the emulator POSTs the `RemoteExecutionContext` (`executionContext.ts`)
 * to the endpoint's URL with Dynamics' headers and the endpoint's authentication
 * (WebhookKey as `?code=`, HttpHeader and HttpQueryString from the `<settings>` document).
 * `authvalue` is write-only, as in Dataverse: it reads back as null, with `isauthvalueset`.
 * Simplifications: every step is delivered asynchronously after the write's response,
 * whatever its mode; a failed delivery is retried once on 502/503/504 and otherwise dropped
 * (no system job is recorded); any port is accepted; messages over 256 KB are not cut down;
 * the authvalue of an endpoint written inside a `$batch` change set is hidden only once the
 * change set commits.
 */
import { randomUUID } from "node:crypto";
import { changedColumns, executionContext } from "./executionContext";
import type { ChangeEvent, Store, StoredRecord } from "./store";
import { SDK_MESSAGES, tableNamed } from "./webhookTables";

export { SDK_MESSAGES, seedSdkMessages, webhookTables } from "./webhookTables";

const RETRIED_STATUSES = [502, 503, 504];

const unescapeXml = (text: string): string =>
  text
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");

/** `<settings><setting name="k" value="v" /></settings>` as pairs. */
export const parseAuthSettings = (authvalue: string): [string, string][] =>
  [...authvalue.matchAll(/<setting\s+name="([^"]*)"\s+value="([^"]*)"\s*\/>/g)].map((match) => [
    unescapeXml(match[1]),
    unescapeXml(match[2]),
  ]);

const stepsFor = (store: Store, event: ChangeEvent): StoredRecord[] => {
  const filters = store.list(tableNamed(store, "sdkmessagefilter"));
  const changed = changedColumns(event);
  return store.list(tableNamed(store, "sdkmessageprocessingstep")).filter((step) => {
    const filter = filters.find((candidate) => candidate.sdkmessagefilterid === step._sdkmessagefilterid_value);
    if (step.statecode !== 0 || step._sdkmessageid_value !== SDK_MESSAGES[event.message]) return false;
    if (!filter || filter.primaryobjecttypecode !== event.table.logicalName) return false;
    const filtering =
      typeof step.filteringattributes === "string" && step.filteringattributes
        ? step.filteringattributes.split(",").map((name) => name.trim())
        : [];
    return event.message !== "Update" || !filtering.length || filtering.some((name) => changed.includes(name));
  });
};

interface Delivery {
  url: string;
  headers: Record<string, string>;
  body: string;
}

const withQuery = (url: string, pairs: [string, string][]): string =>
  pairs.length
    ? `${url}${url.includes("?") ? "&" : "?"}${pairs.map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`).join("&")}`
    : url;

const deliveryFor = (
  endpoint: StoredRecord,
  secret: string | undefined,
  event: ChangeEvent,
  context: object,
  organizationHost: string,
): Delivery => {
  const headers: Record<string, string> = {
    "Content-Type": "application/json",
    "x-request-id": randomUUID(),
    "x-ms-dynamics-organization": organizationHost,
    "x-ms-dynamics-entity-name": event.table.logicalName,
    "x-ms-dynamics-request-name": event.message,
    "x-ms-correlation-request-id": (context as { CorrelationId: string }).CorrelationId,
  };
  let url = String(endpoint.url);
  if (endpoint.authtype === 4 && secret) url = withQuery(url, [["code", secret]]);
  if (endpoint.authtype === 5 && secret) parseAuthSettings(secret).forEach(([name, value]) => (headers[name] = value));
  if (endpoint.authtype === 6 && secret) url = withQuery(url, parseAuthSettings(secret));
  return { url, headers, body: JSON.stringify(context) };
};

const send = async (delivery: Delivery): Promise<void> => {
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      const response = await fetch(delivery.url, { method: "POST", headers: delivery.headers, body: delivery.body });
      await response.arrayBuffer();
      if (!RETRIED_STATUSES.includes(response.status)) return;
    } catch {
      return;
    }
  }
};

/** Keeps the write-only authvalue out of the record, so no read returns it. */
const hideAuthValue = (store: Store, event: ChangeEvent, secrets: Map<string, string>): void => {
  if (event.table.logicalName !== "serviceendpoint" || event.message === "Delete") return;
  const stored = store.find(event.table, event.id);
  if (stored && typeof stored.authvalue === "string") {
    secrets.set(event.id, stored.authvalue);
    stored.authvalue = null;
    stored.isauthvalueset = true;
  }
};

/** Starts delivering change events to registered webhooks; returns a function that waits for deliveries under way and stops. */
export const startWebhookDelivery = (store: Store, origin = "http://127.0.0.1"): (() => Promise<void>) => {
  const secrets = new Map<string, string>();
  const pending = new Set<Promise<void>>();
  const organizationHost = new URL(origin).host;
  const stopListening = store.onChange((event) => {
    hideAuthValue(store, event, secrets);
    for (const step of stepsFor(store, event)) {
      const endpoint = store.find(tableNamed(store, "serviceendpoint"), String(step._eventhandler_value));
      if (!endpoint) continue;
      const delivery = deliveryFor(
        endpoint,
        secrets.get(String(endpoint.serviceendpointid)),
        event,
        executionContext(store, event, step, "emulator"),
        organizationHost,
      );
      // Asynchronous steps run after the write has answered.
      const work: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
        .then(() => send(delivery))
        .finally(() => pending.delete(work));
      pending.add(work);
    }
  });
  return async () => {
    stopListening();
    await Promise.all([...pending]);
  };
};
