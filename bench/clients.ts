/**
 * The two clients, driven the way their users drive them: ours through the BUILT component
 * (dist/index.js), each action run as Prismatic runs it (runAction.ts); dynamics-web-api
 * through its own API, one instance per connection.
 */
import type { Connection } from "@prismatic-io/spectral";
import { DynamicsWebApi } from "dynamics-web-api";
import type { BulkRecord } from "./bulk";
import { runAction } from "./runAction";
import type { EmulatorAddress } from "./servers";

export type Row = Record<string, unknown>;

export interface BenchClient {
  name: string;
  create(data: Row): Promise<string>;
  get(id: string): Promise<Row>;
  update(id: string, data: Row): Promise<void>;
  remove(id: string): Promise<void>;
  /** Creates every record in one change set; the ids of the created records, one per record. */
  createInChangeSet(records: Row[]): Promise<(string | undefined)[]>;
  fetchAll(select: string[]): Promise<Row[]>;
  fetchXmlAll(fetchXml: string): Promise<Row[]>;
  /** Upserts every record by its id, each client its best way; how many it reported not written. */
  upsertAll(records: BulkRecord[], batchSize: number): Promise<{ failed: number }>;
}

const PAGING_COOKIE = "Microsoft.Dynamics.CRM.fetchxmlpagingcookie";

const ours = (connection: Connection): BenchClient => {
  const run = async (key: string, params: Record<string, unknown>): Promise<any> =>
    (await runAction(key, { connection, entityType: "accounts", ...params })).data;
  return {
    name: "ours",
    create: async (data) => (await run("createEntity", { dynamicValues: data }))["@component.id"],
    get: (id) => run("getEntity", { entityId: id }),
    update: async (id, data) => {
      await run("updateEntity", { entityId: id, dynamicValues: data });
    },
    remove: async (id) => {
      await run("deleteEntity", { entityId: id });
    },
    createInChangeSet: async (records) => {
      const actions = records.map((data) => ({ collection: "accounts", action: "create", data, returnRepresentation: true }));
      const { results } = await run("batchEntityActions", { actions, atomic: true, continueOnError: false });
      return (results as { id?: string }[]).map((result) => result.id);
    },
    fetchAll: async (select) => (await run("queryEntities", { fieldNames: select, fetchAll: true })).value,
    fetchXmlAll: async (fetchXml) => (await run("fetchXml", { xmlQuery: fetchXml, fetchAll: true })).value,
    upsertAll: async (records, batchSize) => {
      const targets = records.map(({ id, ...columns }) => ({ "@odata.id": `accounts(${id})`, ...columns }));
      const { counts } = await run("upsertMultiple", { records: targets, batchSize, maxDurationSeconds: 600 });
      return { failed: records.length - counts.Upserted };
    },
  };
};

const theirs = (api: DynamicsWebApi): BenchClient => ({
  name: "dynamics-web-api",
  create: async (data) => String(await api.create({ collection: "accounts", data })),
  get: (id) => api.retrieve({ collection: "accounts", key: id }),
  update: async (id, data) => {
    await api.update({ collection: "accounts", key: id, data });
  },
  remove: async (id) => {
    await api.deleteRecord({ collection: "accounts", key: id });
  },
  createInChangeSet: async (records) => {
    api.startBatch();
    for (const data of records) api.create({ collection: "accounts", data, returnRepresentation: true });
    const results = (await api.executeBatch()) as Row[];
    return results.map((record) => (typeof record?.accountid === "string" ? record.accountid : undefined));
  },
  fetchAll: async (select) => (await api.retrieveAll({ collection: "accounts", select, maxPageSize: 5000 })).value,
  // Without the paging cookie annotation dynamics-web-api stops after the first page.
  fetchXmlAll: async (fetchXml) => (await api.fetchAll({ collection: "accounts", fetchXml, includeAnnotations: PAGING_COOKIE })).value,
  // Its best way: consecutive change sets of batchSize operations; it has no bulk messages and no retry on 429.
  upsertAll: async (records, batchSize) => {
    let failed = 0;
    for (let start = 0; start < records.length; start += batchSize) {
      const chunk = records.slice(start, start + batchSize);
      api.startBatch();
      for (const { id, ...data } of chunk) api.upsert({ collection: "accounts", key: id, data });
      try {
        await api.executeBatch({ inChangeSet: true });
      } catch {
        failed += chunk.length;
      }
    }
    return { failed };
  },
});

export const clientsFor = (address: EmulatorAddress): BenchClient[] => {
  const connection: Connection = {
    key: "clientCredentials",
    configVarKey: "bench",
    fields: {
      webApiUrl: address.url,
      tokenUrl: address.tokenUrl,
      scopes: `${address.url}/.default`,
      clientId: address.clientId,
      clientSecret: address.clientSecret,
    },
    token: { access_token: address.accessToken, token_type: "Bearer" },
  };
  const api = new DynamicsWebApi({
    serverUrl: `${address.url}/`,
    dataApi: { version: "9.2" },
    onTokenRefresh: async () => address.accessToken,
  });
  return [ours(connection), theirs(api)];
};
