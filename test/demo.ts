/**
 * `npm start`: runs a short flow through the built component (dist/index.js), step by step,
 * against the local Dataverse emulator, or against a real environment when
 * DYNAMICS_WEB_API_URL, DYNAMICS_TOKEN_URL, DYNAMICS_CLIENT_ID, DYNAMICS_CLIENT_SECRET
 * (and optionally DYNAMICS_SCOPES) are set. The token is fetched with the client
 * credentials grant, as Prismatic does for the Client Credentials connection.
 */
import type { Connection } from "@prismatic-io/spectral";
import { createHarness } from "@prismatic-io/spectral/dist/testing";
import { startEmulator, type Emulator } from "./emulator/server";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const component = require("../dist/index.js").default;
const harness = createHarness(component);

interface Target {
  webApiUrl: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  scopes: string;
  label: string;
}

const fromEnvironment = (): Target | undefined => {
  const { DYNAMICS_WEB_API_URL, DYNAMICS_TOKEN_URL, DYNAMICS_CLIENT_ID, DYNAMICS_CLIENT_SECRET, DYNAMICS_SCOPES } = process.env;
  if (!DYNAMICS_WEB_API_URL) return undefined;
  if (!DYNAMICS_TOKEN_URL || !DYNAMICS_CLIENT_ID || !DYNAMICS_CLIENT_SECRET) {
    throw new Error("DYNAMICS_WEB_API_URL is set: also set DYNAMICS_TOKEN_URL, DYNAMICS_CLIENT_ID and DYNAMICS_CLIENT_SECRET.");
  }
  const origin = new URL(DYNAMICS_WEB_API_URL).origin;
  return {
    webApiUrl: DYNAMICS_WEB_API_URL,
    tokenUrl: DYNAMICS_TOKEN_URL,
    clientId: DYNAMICS_CLIENT_ID,
    clientSecret: DYNAMICS_CLIENT_SECRET,
    scopes: DYNAMICS_SCOPES ?? `${origin}/.default`,
    label: origin,
  };
};

const fromEmulator = (emulator: Emulator): Target => ({
  webApiUrl: emulator.url,
  tokenUrl: emulator.tokenUrl,
  clientId: emulator.issuer.clientId,
  clientSecret: emulator.issuer.clientSecret,
  scopes: `${emulator.url}/.default`,
  label: `the local Dataverse emulator at ${emulator.url}`,
});

const fetchToken = async (target: Target): Promise<string> => {
  const response = await fetch(target.tokenUrl, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "client_credentials", client_id: target.clientId, client_secret: target.clientSecret, scope: target.scopes }),
  });
  const body = (await response.json()) as { access_token?: string; error_description?: string };
  if (!body.access_token) throw new Error(`The token request failed: ${body.error_description ?? response.status}`);
  return body.access_token;
};

const step = async (label: string, key: string, params: Record<string, unknown>, describe: (data: any) => string): Promise<any> => {
  const { data } = (await harness.action(key, params)) as { data: any };
  console.log(`  ✓ ${label.padEnd(24)} ${describe(data)}`);
  return data;
};

const run = async (connection: Connection): Promise<void> => {
  const suffix = Date.now().toString(36);
  const account = await step("[CRM] Create Entity", "createEntity", {
    connection,
    entityType: "accounts",
    fieldValues: [{ key: "name", value: `Demo Account ${suffix}` }],
    dynamicValues: { accountnumber: `DEMO-${suffix}`, revenue: 125000 },
  }, (data) => `accounts(${data.id}) "${data.record.name}"`);
  const contact = await step("[CRM] Create Entity", "createEntity", {
    connection,
    entityType: "contacts",
    fieldValues: [{ key: "firstname", value: "Dana" }, { key: "lastname", value: `Demo ${suffix}` }],
    dynamicValues: { "parentcustomerid_account@odata.bind": `/accounts(${account.id})` },
  }, (data) => `contacts(${data.id}) "${data.record.fullname}", linked to the account`);
  await step("[CRM] Query Entities", "queryEntities", {
    connection,
    entityType: "contacts",
    fieldNames: ["fullname"],
    filterExpression: `_parentcustomerid_value eq ${account.id}`,
    expandPropertyNames: ["parentcustomerid_account($select=name)"],
  }, (data) => data.records.map((record: any) => `"${record.fullname}" at "${record.parentcustomerid_account?.name}"`).join(", "));
  await step("[CRM] Get Entity", "getEntity", {
    connection,
    entityType: "accounts",
    entityId: `accountnumber='DEMO-${suffix}'`,
    fieldNames: ["name", "revenue"],
  }, (data) => `by alternate key: "${data.name}", revenue ${data.revenue}`);
  await step("[CRM] Upsert Entity", "upsertEntity", {
    connection,
    entityType: "accounts",
    entityId: `accountnumber='DEMO-${suffix}'`,
    dynamicValues: { revenue: 150000 },
  }, (data) => `${data.created ? "created" : "updated"} accounts(${data.id}), revenue ${data.record.revenue}`);
  await step("[CRM] Update Entity", "updateEntity", {
    connection,
    entityType: "contacts",
    entityId: contact.id,
    fieldValues: [{ key: "jobtitle", value: "Demo Buyer" }],
  }, (data) => `contacts(${data.id}) job title "${data.record.jobtitle}"`);
  await step("[CRM] Delete Entity", "deleteEntity", { connection, entityType: "contacts", entityId: contact.id }, (data) => `contacts(${data.id}) deleted`);
  await step("[CRM] Delete Entity", "deleteEntity", { connection, entityType: "accounts", entityId: account.id }, (data) => `accounts(${data.id}) deleted`);
};

const main = async (): Promise<void> => {
  const configured = fromEnvironment();
  const emulator = configured ? undefined : await startEmulator();
  const target = configured ?? fromEmulator(emulator as Emulator);
  try {
    console.log(`Microsoft Dynamics 365 component demo against ${target.label}`);
    const accessToken = await fetchToken(target);
    console.log("  ✓ Client credentials       access token received");
    const connection: Connection = {
      key: "clientCredentials",
      configVarKey: "demo",
      fields: { webApiUrl: target.webApiUrl, tokenUrl: target.tokenUrl, scopes: target.scopes, clientId: target.clientId, clientSecret: target.clientSecret },
      token: { access_token: accessToken, token_type: "Bearer" },
    };
    await run(connection);
    console.log("Demo finished.");
  } finally {
    await emulator?.stop();
  }
};

main().catch((error: Error) => {
  console.error(`Demo failed: ${error.message}`);
  process.exit(1);
});
