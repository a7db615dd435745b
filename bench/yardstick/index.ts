/**
 * The yardstick for bundle size and cold `require`: a component made of the same two parts
 * as Prismatic's own Microsoft Dynamics 365 component, spectral and dynamics-web-api, with
 * actions that use the library's record, query, FetchXML and batch calls. Built by bundle.ts
 * with our webpack configuration; never published.
 */
import { action, component, type Connection, input, OAuth2Type, oauth2Connection } from "@prismatic-io/spectral";
import { DynamicsWebApi } from "dynamics-web-api";

const connection = oauth2Connection({
  key: "clientCredentials",
  display: { label: "Client Credentials", description: "OAuth 2.0 client credentials" },
  oauth2Type: OAuth2Type.ClientCredentials,
  inputs: {
    webApiUrl: { label: "Web API URL", type: "string", required: true, shown: true },
    tokenUrl: { label: "Token URL", type: "string", required: true, shown: true },
    scopes: { label: "Scopes", type: "string", required: true, shown: true },
    clientId: { label: "Client ID", type: "string", required: true, shown: true },
    clientSecret: { label: "Client secret", type: "password", required: true, shown: true },
  },
});

const inputs = {
  connection: input({ label: "Connection", type: "connection", required: true }),
  entityType: input({ label: "Entity Type", type: "string", required: true }),
  entityId: input({ label: "Entity ID", type: "string", required: false }),
  data: input({ label: "Data", type: "data", required: false }),
};

const apiFor = (connected: Connection): DynamicsWebApi =>
  new DynamicsWebApi({
    serverUrl: String(connected.fields.webApiUrl),
    dataApi: { version: "9.2" },
    onTokenRefresh: async () => String(connected.token?.access_token ?? ""),
  });

type Params = { connection: Connection; entityType: string; entityId: unknown; data: unknown };

const recordAction = (key: string, perform: (api: DynamicsWebApi, params: Params) => Promise<unknown>) =>
  action({
    display: { label: key, description: key },
    inputs,
    perform: async (_context, params) => ({ data: await perform(apiFor(params.connection), params as Params) }),
  });

const record = (params: Params) => ({ collection: params.entityType, key: String(params.entityId), data: params.data as object });

export default component({
  key: "yardstick",
  public: false,
  display: { label: "Yardstick", description: "spectral + dynamics-web-api", iconPath: "icon.png" },
  connections: [connection],
  actions: {
    createEntity: recordAction("createEntity", (api, params) => api.create(record(params))),
    getEntity: recordAction("getEntity", (api, params) => api.retrieve(record(params))),
    updateEntity: recordAction("updateEntity", (api, params) => api.update(record(params))),
    deleteEntity: recordAction("deleteEntity", (api, params) => api.deleteRecord(record(params))),
    queryEntities: recordAction("queryEntities", (api, params) => api.retrieveAll({ collection: params.entityType })),
    fetchXml: recordAction("fetchXml", (api, params) => api.fetchAll({ collection: params.entityType, fetchXml: String(params.data) })),
    batch: recordAction("batch", async (api, params) => {
      api.startBatch();
      for (const item of params.data as object[]) api.create({ collection: params.entityType, data: item });
      return api.executeBatch();
    }),
  },
});
