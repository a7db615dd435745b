/**
 * Leaks: behind a gateway that echoes every request's headers (the Authorization header
 * among them) and body into its answer, as a Dataverse error, an HTML page, plain text or a
 * 200 JSON body, and also echoes the client secret, every action and both triggers run with a
 * logger that captures every line. Neither the token, the refresh token nor the client secret
 * may appear in any log line, in any error (message, stack, any property at any depth) or in
 * any output.
 */
import { type Connection, ConnectionError } from "@prismatic-io/spectral";
import component from "../../src";
import { clientCredentials } from "../../src/connections";
import { ECHO_SHAPES, type EchoGateway, startEchoGateway } from "../emulator/echoGateway";
import { SEED } from "../emulator/seed";
import { harness, useEmulator } from "../support";
import { lifecycleContext, runLifecycle, startListener, type Listener } from "../triggers/support";
import { createConnection } from "@prismatic-io/spectral/dist/testing";
import { recordFigures } from "./figures";

const fixture = useEmulator();
let gateway: EchoGateway;
let listener: Listener;
let connection: Connection;
const REFRESH_TOKEN = "0.AXkA-refresh-token-that-must-never-be-repeated~";

beforeAll(async () => {
  gateway = await startEchoGateway(fixture.emulator);
  gateway.alsoEchoes = [`client_secret=${encodeURIComponent(fixture.emulator.issuer.clientSecret)}`, fixture.emulator.issuer.clientSecret];
  listener = await startListener();
  connection = createConnection(
    clientCredentials,
    {
      webApiUrl: gateway.url,
      tokenUrl: fixture.emulator.tokenUrl,
      scopes: `${fixture.emulator.url}/.default`,
      clientId: fixture.emulator.issuer.clientId,
      clientSecret: fixture.emulator.issuer.clientSecret,
    },
    { access_token: fixture.emulator.accessToken, refresh_token: REFRESH_TOKEN, token_type: "Bearer" },
  ) as Connection;
});

afterAll(async () => {
  await gateway.stop();
  await listener.stop();
});

const secrets = () => [fixture.emulator.accessToken, REFRESH_TOKEN, fixture.emulator.issuer.clientSecret];

/** Every string reachable from a value: an error's own properties (message and stack too), objects, arrays, buffers. */
const textsOf = (value: unknown, seen = new Set<unknown>()): string[] => {
  if (typeof value === "string") return [value];
  if (Buffer.isBuffer(value)) return [value.toString("utf8")];
  if (typeof value !== "object" || value === null || seen.has(value)) return value === undefined ? [] : [String(value)];
  seen.add(value);
  const names = value instanceof Error ? Object.getOwnPropertyNames(value) : Object.keys(value);
  return names.flatMap((name) => [name, ...textsOf((value as Record<string, unknown>)[name], seen)]);
};

/** Which secret (as sent or URL-encoded) a text holds, if any. */
const leakIn = (texts: string[]): string | undefined => {
  for (const secret of secrets()) {
    for (const form of [secret, encodeURIComponent(secret)]) {
      if (texts.some((text) => text.includes(form))) return `${form.slice(0, 12)}…`;
    }
  }
  return undefined;
};

const capturingLogger = () => {
  const lines: unknown[][] = [];
  const log = (...args: unknown[]) => {
    lines.push(args);
  };
  return { lines, logger: { metric: log, trace: log, debug: log, info: log, log, warn: log, error: log } };
};

const actionParams = (): Record<string, Record<string, unknown>> => ({
  createEntity: { entityType: "accounts", dynamicValues: { name: "Leak Co" } },
  getEntity: { entityType: "accounts", entityId: SEED.accounts.contoso },
  updateEntity: { entityType: "accounts", entityId: SEED.accounts.contoso, fieldValues: [{ key: "name", value: "Contoso Ltd" }] },
  upsertEntity: { entityType: "accounts", entityId: SEED.accounts.contoso, fieldValues: [{ key: "name", value: "Contoso Ltd" }] },
  deleteEntity: { entityType: "accounts", entityId: SEED.accounts.litware },
  queryEntities: { entityType: "accounts" },
  batchEntityActions: { actions: JSON.stringify([{ collection: "accounts", action: "create", data: { name: "Leak Batch" } }]) },
  fetchXml: { entityType: "accounts", xmlQuery: '<fetch><entity name="account"><attribute name="name" /></entity></fetch>' },
  rawRequest: { url: "accounts", method: "POST", data: '{"name": "Raw Leak"}', debugRequest: true },
  rawRequestV2: {
    url: "/api/data/v9.2/accounts?access_token=x",
    method: "GET",
    debugRequest: true,
    headers: [{ key: "X-Api-Key", value: "user-header" }],
  },
  getEntitiesMetaData: {},
  getEntityMetaData: { entityType: "account" },
  queryAttributes: { entityId: "account" },
  getAttribute: { entityId: "account", attributeId: "name", attributeType: "String" },
  createAttribute: {
    entityId: "account",
    attributeBody: component.actions.createAttribute.inputs.find((input) => input.key === "attributeBody")?.default,
  },
  updateAttribute: { entityId: "account", attributeId: "name", attributeBody: { SchemaName: "Name", MaxLength: 160 } },
  getCurrentUser: {},
  associateEntities: {
    entityType: "accounts",
    entityId: SEED.accounts.fabrikam,
    navigationProperty: "contact_customer_accounts",
    relatedEntityType: "contacts",
    relatedEntityId: SEED.contacts.nancy,
  },
  disassociateEntities: {
    entityType: "accounts",
    entityId: SEED.accounts.fabrikam,
    navigationProperty: "contact_customer_accounts",
    relatedEntityId: SEED.contacts.nancy,
  },
  listAssociatedEntities: { entityType: "accounts", entityId: SEED.accounts.fabrikam, navigationProperty: "contact_customer_accounts" },
  executeAction: { actionName: "WinOpportunity", operationParameters: JSON.stringify({ Status: 3 }) },
  executeFunction: { functionName: "RetrieveVersion" },
  queryEntitiesByUrl: { odataQuery: "accounts?$select=name" },
  createMultiple: { entityType: "accounts", records: [{ name: "Leak Bulk" }] },
  updateMultiple: { entityType: "accounts", records: [{ accountid: SEED.accounts.contoso, telephone1: "555-0100" }] },
  upsertMultiple: { entityType: "accounts", records: [{ "@odata.id": "accounts(accountnumber='LEAK-1')", name: "Leak Upsert" }] },
  listEntities: {},
  listEntitiesAction: {},
  listAttributesAction: { entityId: "account" },
  uploadFile: {
    entityType: "accounts",
    entityId: SEED.accounts.contoso,
    columnName: "new_contract",
    fileContent: "leak",
    fileName: "a.txt",
  },
  downloadFile: { entityType: "accounts", entityId: SEED.accounts.contoso, columnName: "new_contract" },
  deleteFile: { entityType: "accounts", entityId: SEED.accounts.contoso, columnName: "new_contract" },
  attachNote: { entityType: "accounts", entityId: SEED.accounts.contoso, fileContent: "leak", fileName: "a.txt" },
});

const figures = { attempts: 0, echoedRequests: 0, logLines: 0, errors: 0, outputs: 0, leaks: 0 };

/** Runs one step, returning what could carry a secret: the log lines, the error and the output. */
interface Observed {
  /** Requests the gateway answered with an echo: at least one, or the step proved nothing. */
  echoed: number;
  leak?: string;
}

const observe = async (run: (logger: ReturnType<typeof capturingLogger>["logger"]) => Promise<unknown>): Promise<Observed> => {
  const { lines, logger } = capturingLogger();
  const consoleLines: unknown[][] = [];
  const spies = (["log", "info", "warn", "error", "debug", "trace"] as const).map((level) =>
    jest.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      consoleLines.push(args);
    }),
  );
  let outcome: unknown;
  try {
    outcome = await run(logger);
    figures.outputs += 1;
  } catch (error) {
    outcome = error;
    figures.errors += 1;
  } finally {
    spies.forEach((spy) => spy.mockRestore());
  }
  figures.attempts += 1;
  figures.logLines += lines.length + consoleLines.length;
  const echoed = gateway.echoed.splice(0, gateway.echoed.length).length;
  figures.echoedRequests += echoed;
  gateway.take();
  fixture.emulator.takeRequests();
  const leak = leakIn([...textsOf(lines), ...textsOf(consoleLines), ...textsOf(outcome)]);
  if (leak) figures.leaks += 1;
  return { echoed, leak };
};

afterAll(() => {
  recordFigures("leaks", { shapes: ECHO_SHAPES, ...figures });
});

describe.each(ECHO_SHAPES)("a server that echoes the request (%s)", (shape) => {
  beforeEach(() => {
    gateway.shape = shape;
    gateway.echoes = () => true;
  });
  afterEach(() => {
    gateway.shape = undefined;
  });

  it.each(Object.keys(component.actions))("%s leaks no secret into logs, errors or output", async (key) => {
    const params = actionParams()[key];
    expect(params).toBeDefined();
    const observed = await observe((logger) => harness.action(key, { connection, ...params }, { logger } as never));
    expect(observed).toEqual({ echoed: expect.any(Number), leak: undefined });
    expect(observed.echoed).toBeGreaterThan(0);
  });

  it("the polling trigger leaks no secret", async () => {
    const observed = await observe((logger) =>
      harness.trigger("pollChangesTrigger", undefined, { connection, entityType: "accounts" }, { logger, instanceState: {} } as never),
    );
    expect(observed.leak).toBeUndefined();
    expect(observed.echoed).toBeGreaterThan(0);
  });

  it("the webhook trigger's registration leaks no token or client secret", async () => {
    gateway.echoes = (request) => request.method !== "GET";
    const context = lifecycleContext(listener.url);
    const observed = await observe(async (logger) => {
      Object.assign(context, { logger });
      return runLifecycle(
        "webhookCreate",
        { connection, registerWebhook: true, entityLogicalName: "account", messages: ["Create"], authenticationType: "WebhookKey" },
        context,
      );
    });
    expect(observed.leak).toBeUndefined();
    expect(observed.echoed).toBeGreaterThan(0);
  });
});

describe("the webhook trigger passes no key on to the flow", () => {
  const KEY = "k3y-with/odd+chars=";
  const params = { authenticationType: "WebhookKey", webhookKey: KEY, registerWebhook: false };
  const payloadWith = (query: Record<string, string>) => ({
    headers: { "content-type": "application/json" },
    queryParameters: query,
    body: { data: "{}", contentType: "application/json" },
    rawBody: { data: Buffer.from("{}"), contentType: "application/json" },
  });

  it("when the key arrives as the code parameter, encoded as encodeURIComponent does", async () => {
    const result = await harness.trigger("dynamicsWebhookTrigger", payloadWith({ code: KEY }) as never, params, {
      invokeUrl: `https://hooks.example.com/trigger/x?code=${encodeURIComponent(KEY)}`,
    } as never);
    const texts = textsOf(result);
    expect(texts.some((text) => text.includes(KEY) || text.includes(encodeURIComponent(KEY)))).toBe(false);
  });
});

describe("a Web API URL with credentials in it", () => {
  it.each(["https://user:p%40ss-w0rd@my-org.crm.dynamics.com", "https://user:p%40ss-w0rd@my-org.crm.dynamics.com/api/data/v9.2"])(
    "%s is refused, and no error carries the credentials",
    async (webApiUrl) => {
      const withCredentials = { ...connection, fields: { ...connection.fields, webApiUrl } } as Connection;
      const observed = await observe(() => harness.action("getCurrentUser", { connection: withCredentials }));
      expect(observed.echoed).toBe(0);
      let error: unknown;
      try {
        await harness.action("getCurrentUser", { connection: withCredentials });
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(ConnectionError);
      expect((error as Error).message).toMatch(/must not contain credentials/);
      const texts = textsOf(error);
      expect(texts.filter((text) => text.includes("p%40ss-w0rd") || text.includes("p@ss-w0rd") || text.includes("user:"))).toEqual([]);
    },
  );
});
