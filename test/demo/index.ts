/**
 * `npm start`: runs a short flow through the built component (dist/index.js), step by step,
 * against the local Dataverse emulator, or against a real environment when
 * DYNAMICS_WEB_API_URL, DYNAMICS_TOKEN_URL, DYNAMICS_CLIENT_ID, DYNAMICS_CLIENT_SECRET
 * (and optionally DYNAMICS_SCOPES) are set. The token is fetched with the client
 * credentials grant, as Prismatic does for the Client Credentials connection.
 * Against a real environment, Create/Update Attribute (schema changes) run only with
 * DYNAMICS_DEMO_SCHEMA_CHANGES=1, and the webhook trigger (which needs the emulator to
 * deliver to a local listener) is skipped. Every record the demo creates is deleted, also
 * when a step fails.
 */
import type { Connection } from "@prismatic-io/spectral";
import { startEmulator, type Emulator } from "../emulator/server";
import { batchCreate, batchDelete, fetchXmlQuery } from "./batch";
import { bulkWrites } from "./bulk";
import { entityActions } from "./entities";
import { files } from "./files";
import { cleanUp, report, type Demo } from "./harness";
import { columnChanges, currentUser, SCHEMA_CHANGES_VARIABLE, tableDefinitions } from "./metadata";
import { rawRequests } from "./rawRequests";
import { operations, relationships } from "./relationships";
import { pollingTrigger, webhookTrigger } from "./triggers";

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
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_id: target.clientId,
      client_secret: target.clientSecret,
      scope: target.scopes,
    }),
  });
  const body = (await response.json()) as { access_token?: string; error_description?: string };
  if (!body.access_token) throw new Error(`The token request failed: ${body.error_description ?? response.status}`);
  return body.access_token;
};

const run = async (demo: Demo): Promise<void> => {
  await entityActions(demo);
  const batchIds = await batchCreate(demo);
  await fetchXmlQuery(demo);
  await batchDelete(demo, batchIds);
  await bulkWrites(demo);
  await rawRequests(demo);
  await currentUser(demo);
  await relationships(demo);
  await operations(demo);
  await files(demo);
  await tableDefinitions(demo);
  await columnChanges(demo);
  await webhookTrigger(demo);
  await pollingTrigger(demo);
};

const main = async (): Promise<void> => {
  const configured = fromEnvironment();
  const emulator = configured ? undefined : await startEmulator();
  const target = configured ?? fromEmulator(emulator as Emulator);
  let demo: Demo | undefined;
  try {
    console.log(`Microsoft Dynamics 365 component demo against ${target.label}`);
    const accessToken = await fetchToken(target);
    report("Client credentials", "access token received");
    const connection: Connection = {
      key: "clientCredentials",
      configVarKey: "demo",
      fields: {
        webApiUrl: target.webApiUrl,
        tokenUrl: target.tokenUrl,
        scopes: target.scopes,
        clientId: target.clientId,
        clientSecret: target.clientSecret,
      },
      token: { access_token: accessToken, token_type: "Bearer" },
    };
    const schemaChanges = !configured || process.env[SCHEMA_CHANGES_VARIABLE] === "1";
    demo = { connection, suffix: Date.now().toString(36), emulator, schemaChanges, leftovers: new Map() };
    await run(demo);
    console.log("Demo finished.");
  } finally {
    if (demo?.leftovers.size) await cleanUp(demo);
    await emulator?.stop();
  }
};

main().catch((error: Error) => {
  console.error(`Demo failed: ${error.message}`);
  process.exit(1);
});
