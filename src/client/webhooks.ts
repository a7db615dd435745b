import { DataverseError, InputError } from "./wire/errors";
import type { DataverseClient } from "./wire/http";
import { normalizeGuid } from "./wire/names";
import { queryAllRecords, type RecordQuery } from "./query";
import { createRecord, deleteRecord, updateRecord, type EntityRecord } from "./records";
import { odataString } from "./wire/url";

export type WebhookMessage = "Create" | "Update" | "Delete";

/** `serviceendpoint.contract` 8 is Webhook. */
const WEBHOOK_CONTRACT = 8;

/** `serviceendpoint.authtype` values a webhook can use. */
const WEBHOOK_AUTH_TYPES = { WebhookKey: 4, HttpHeader: 5, HttpQueryString: 6 } as const;

/** `sdkmessageprocessingstep.stage` 40 runs after the operation; `mode` 1 runs it asynchronously. */
const POST_OPERATION = 40;
const ASYNCHRONOUS = 1;

const ENDPOINTS = "serviceendpoints";
const STEPS = "sdkmessageprocessingsteps";
const MESSAGES = "sdkmessages";
const FILTERS = "sdkmessagefilters";

/** Each lookup matches at most a few rows (one per message); the limit only guards against a runaway answer. */
const LOOKUP_LIMIT = 500;

const lookUp = async (client: DataverseClient, entitySetName: string, query: RecordQuery): Promise<EntityRecord[]> =>
  (
    await queryAllRecords(
      client,
      entitySetName,
      query,
      LOOKUP_LIMIT,
      () =>
        new DataverseError(`more than ${LOOKUP_LIMIT} ${entitySetName} matched a webhook registration lookup that expects a few`, {
          method: "GET",
          path: entitySetName,
        }),
    )
  ).records;

export type WebhookAuthentication =
  | { type: "WebhookKey"; key: string }
  | { type: "HttpHeader" | "HttpQueryString"; name: string; value: string };

export interface WebhookSettings {
  name: string;
  url: string;
  entityLogicalName: string;
  messages: WebhookMessage[];
  /** For Update steps: only changes to these columns send a request. */
  filteringAttributes: string[];
  authentication: WebhookAuthentication;
  /** The input the entity logical name came from, which an unknown table's error names. */
  labels: { entityLogicalName: string };
}

export interface WebhookRegistration {
  serviceEndpointId: string;
  stepIds: string[];
}

const escapeXml = (text: string): string =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&apos;");

/**
 * The `authvalue` of a service endpoint. A webhook key is sent bare; headers and query
 * parameters go in a `<settings>` document (a plain "Header: value" string fails at delivery).
 */
const authValueOf = (authentication: WebhookAuthentication): string =>
  authentication.type === "WebhookKey"
    ? authentication.key
    : `<settings><setting name="${escapeXml(authentication.name)}" value="${escapeXml(authentication.value)}" /></settings>`;

const isNotFound = (error: unknown): boolean => error instanceof DataverseError && error.status === 404;

/**
 * Every id read back goes into a URL, a filter or a bind, so a value that is not a GUID
 * (a changed or hostile answer) is refused rather than let it change what a request names.
 */
const idOf = (record: EntityRecord, column: string, entitySetName: string): string => {
  const value = record[column];
  const id = typeof value === "string" ? normalizeGuid(value) : undefined;
  if (!id) {
    throw new DataverseError(`Dataverse answered a ${column} that is not a GUID: ${JSON.stringify(value)}`, {
      method: "GET",
      path: entitySetName,
    });
  }
  return id;
};

/** A lookup value (`_sdkmessageid_value`) as read, compared with an id we hold. */
const isSameId = (value: unknown, id: string): boolean => typeof value === "string" && normalizeGuid(value) === id;

/** The service endpoint for this URL: the one we registered, or one registered before our state was lost. */
const findEndpoint = async (client: DataverseClient, url: string, knownId?: string): Promise<string | undefined> => {
  const id = knownId ? normalizeGuid(knownId) : undefined;
  const byId = id ? `serviceendpointid eq ${id} or ` : "";
  const records = await lookUp(client, ENDPOINTS, {
    select: ["serviceendpointid"],
    filter: `contract eq ${WEBHOOK_CONTRACT} and (${byId}url eq ${odataString(url)})`,
  });
  return records.length ? idOf(records[0], "serviceendpointid", ENDPOINTS) : undefined;
};

const saveEndpoint = async (client: DataverseClient, settings: WebhookSettings, existingId?: string): Promise<string> => {
  const body = {
    name: settings.name,
    url: settings.url,
    contract: WEBHOOK_CONTRACT,
    authtype: WEBHOOK_AUTH_TYPES[settings.authentication.type],
    authvalue: authValueOf(settings.authentication),
  };
  if (existingId) {
    await updateRecord(client, ENDPOINTS, { kind: "id", id: existingId }, body);
    return existingId;
  }
  const { id } = await createRecord(client, ENDPOINTS, body, { select: ["serviceendpointid"] });
  if (!id) {
    throw new DataverseError("the new service endpoint's id was not returned", { method: "POST", path: ENDPOINTS });
  }
  return id;
};

interface MessageFilter {
  message: WebhookMessage;
  sdkMessageId: string;
  sdkMessageFilterId: string;
}

/** The `sdkmessagefilters` that let a step watch each message on the entity. */
const findMessageFilters = async (
  client: DataverseClient,
  entityLogicalName: string,
  messages: WebhookMessage[],
  label: string,
): Promise<MessageFilter[]> => {
  const messageRecords = await lookUp(client, MESSAGES, {
    select: ["sdkmessageid", "name"],
    filter: messages.map((message) => `name eq ${odataString(message)}`).join(" or "),
  });
  const messageIds = messageRecords.map((record) => `_sdkmessageid_value eq ${idOf(record, "sdkmessageid", MESSAGES)}`);
  const filterRecords = messageIds.length
    ? await lookUp(client, FILTERS, {
        select: ["sdkmessagefilterid", "_sdkmessageid_value"],
        filter: `primaryobjecttypecode eq ${odataString(entityLogicalName)} and (${messageIds.join(" or ")})`,
      })
    : [];
  return messages.map((message) => {
    const messageRecord = messageRecords.find((record) => record.name === message);
    const sdkMessageId = messageRecord ? idOf(messageRecord, "sdkmessageid", MESSAGES) : undefined;
    const filterRecord = sdkMessageId && filterRecords.find((record) => isSameId(record._sdkmessageid_value, sdkMessageId));
    if (!sdkMessageId || !filterRecord) {
      throw new InputError(
        label,
        `Dynamics offers no ${message} step for '${entityLogicalName}': check the table's logical name (account, not accounts).`,
      );
    }
    return { message, sdkMessageId, sdkMessageFilterId: idOf(filterRecord, "sdkmessagefilterid", FILTERS) };
  });
};

interface Step {
  id: string;
  record: EntityRecord;
}

/** Every id is checked as it is read, so a bad one stops the caller before its first write. */
const listSteps = async (client: DataverseClient, serviceEndpointId: string): Promise<Step[]> =>
  (
    await lookUp(client, STEPS, {
      select: ["sdkmessageprocessingstepid", "_sdkmessageid_value", "_sdkmessagefilterid_value", "filteringattributes"],
      filter: `_eventhandler_value eq ${serviceEndpointId}`,
    })
  ).map((record) => ({ id: idOf(record, "sdkmessageprocessingstepid", STEPS), record }));

const stepBody = (settings: WebhookSettings, filter: MessageFilter): EntityRecord => ({
  name: `${settings.name}: ${filter.message} of ${settings.entityLogicalName}`,
  stage: POST_OPERATION,
  mode: ASYNCHRONOUS,
  rank: 1,
  supporteddeployment: 0,
  // Successful system jobs of an asynchronous step would otherwise pile up in asyncoperations.
  asyncautodelete: true,
  filteringattributes: filter.message === "Update" && settings.filteringAttributes.length ? settings.filteringAttributes.join(",") : null,
});

const deleteIgnoringMissing = async (client: DataverseClient, entitySetName: string, id: string): Promise<void> => {
  try {
    await deleteRecord(client, entitySetName, { kind: "id", id });
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
};

/** Makes the endpoint's steps exactly one per message: keeps matching ones, adds missing ones, removes the rest. */
const reconcileSteps = async (
  client: DataverseClient,
  settings: WebhookSettings,
  filters: MessageFilter[],
  serviceEndpointId: string,
): Promise<string[]> => {
  const existing = await listSteps(client, serviceEndpointId);
  const stepIds: string[] = [];
  for (const filter of filters) {
    const body = stepBody(settings, filter);
    const match = existing.find(
      ({ id, record }) =>
        isSameId(record._sdkmessageid_value, filter.sdkMessageId) &&
        isSameId(record._sdkmessagefilterid_value, filter.sdkMessageFilterId) &&
        !stepIds.includes(id),
    );
    if (match) {
      const { id } = match;
      if ((match.record.filteringattributes ?? null) !== body.filteringattributes) {
        await updateRecord(client, STEPS, { kind: "id", id }, { filteringattributes: body.filteringattributes });
      }
      stepIds.push(id);
      continue;
    }
    const { id } = await createRecord(
      client,
      STEPS,
      {
        ...body,
        "eventhandler_serviceendpoint@odata.bind": `/${ENDPOINTS}(${serviceEndpointId})`,
        "sdkmessageid@odata.bind": `/${MESSAGES}(${filter.sdkMessageId})`,
        "sdkmessagefilterid@odata.bind": `/${FILTERS}(${filter.sdkMessageFilterId})`,
      },
      { select: ["sdkmessageprocessingstepid"] },
    );
    if (!id) {
      throw new DataverseError("the new step's id was not returned", { method: "POST", path: STEPS });
    }
    stepIds.push(id);
  }
  for (const { id } of existing) {
    if (!stepIds.includes(id)) await deleteIgnoringMissing(client, STEPS, id);
  }
  return stepIds;
};

/**
 * Registers (or brings up to date) a webhook: one service endpoint for the URL and one
 * asynchronous post-operation step per message. Running it twice changes nothing the
 * second time, apart from the endpoint's secret, which Dataverse never lets us read back.
 * An existing endpoint's secret is set only once its steps are right, so a failure on the
 * way leaves Dynamics sending the secret it sent before.
 */
export const registerWebhook = async (
  client: DataverseClient,
  settings: WebhookSettings,
  known?: Partial<WebhookRegistration>,
): Promise<WebhookRegistration> => {
  // Looked up first, so a table that cannot have steps is reported before anything is written.
  const filters = await findMessageFilters(client, settings.entityLogicalName, settings.messages, settings.labels.entityLogicalName);
  const existingId = await findEndpoint(client, settings.url, known?.serviceEndpointId);
  const serviceEndpointId = existingId ?? (await saveEndpoint(client, settings));
  const stepIds = await reconcileSteps(client, settings, filters, serviceEndpointId);
  // The secret changes last: if a step write fails, the endpoint keeps the one the caller still checks for.
  if (existingId) await saveEndpoint(client, settings, existingId);
  return { serviceEndpointId, stepIds };
};

/**
 * Step ids kept in crossFlowState, which every flow of the instance can write: anything but a
 * list of GUIDs is refused before a request is sent, so it can never name another record.
 */
const storedStepIds = (stepIds: unknown, url: string): string[] => {
  const list = stepIds === undefined ? [] : Array.isArray(stepIds) ? stepIds : [stepIds];
  return list.map((stepId) => {
    const id = typeof stepId === "string" ? normalizeGuid(stepId) : undefined;
    if (!id) {
      throw new Error(
        `The stored registration of this flow holds a step id that is not a GUID (${JSON.stringify(stepId).slice(0, 80)}), so nothing was deleted: remove the service endpoint for ${url} and its steps in Dynamics.`,
      );
    }
    return id;
  });
};

/** Removes a webhook's steps, then its endpoint (Dataverse refuses to delete an endpoint that still has steps). What is already gone is fine. */
export const unregisterWebhook = async (client: DataverseClient, url: string, known?: Partial<WebhookRegistration>): Promise<void> => {
  const stepIds = new Set(storedStepIds(known?.stepIds, url));
  const serviceEndpointId = await findEndpoint(client, url, known?.serviceEndpointId);
  if (serviceEndpointId) {
    (await listSteps(client, serviceEndpointId)).forEach((step) => stepIds.add(step.id));
  }
  for (const id of stepIds) {
    await deleteIgnoringMissing(client, STEPS, id);
  }
  if (serviceEndpointId) {
    await deleteIgnoringMissing(client, ENDPOINTS, serviceEndpointId);
  }
};
