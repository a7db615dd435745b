/**
 * Associations through `$ref` (reference §2): `POST <set>(<key>)/<collection>/$ref` adds a
 * record to a 1:N collection (it sets the child's lookup) or to an N:N relationship (a row of
 * its intersect set), `PUT <set>(<key>)/<lookup>/$ref` sets a single-valued navigation
 * property, `DELETE …/<collection>(<id>)/$ref` (or `…/$ref?$id=<url>`) and
 * `DELETE …/<lookup>/$ref` remove them, and `GET …/$ref` lists the links. All writes answer 204.
 * A collection's links are paged as entity sets are: at most `Prefer: odata.maxpagesize` (default
 * 5000) per page, with an `@odata.nextLink` while more remain. Simplified: the skip token is
 * the number of links already sent, not a paging cookie, and a test may set a store's page size.
 * Simplifications: one N:N relationship (`accountleads_association`, as in Dataverse), its
 * intersect rows kept beside the store rather than as a table (so a failed `$batch` change set
 * does not roll them back, and they are not readable as an entity set); removing a record that is not
 * in the collection succeeds without change; a repeated N:N associate fails with
 * "Cannot insert duplicate key." (412 `0x80040237`, the emulator's duplicate-key answer).
 */
import { badRequest, DataverseFault, notFoundRecord, unknownSegment } from "./faults";
import { MAX_PAGE_SIZE, parsePrefer } from "./odata";
import { parseBody, parseKey } from "./records";
import type { CollectionNavigation, LookupNavigation, TableDefinition } from "./schema";
import type { Store, StoredRecord } from "./store";
import type { EmuContext, EmuRequest, EmuResponse } from "./types";

interface ManyToMany {
  name: string;
  /** The two tables' logical names; intersect rows store their ids in this order. */
  tables: [string, string];
}

const MANY_TO_MANY: ManyToMany[] = [{ name: "accountleads_association", tables: ["account", "lead"] }];

const intersectSets = new WeakMap<Store, Set<string>>();

const intersectOf = (store: Store): Set<string> => {
  let rows = intersectSets.get(store);
  if (!rows) {
    rows = new Set();
    intersectSets.set(store, rows);
  }
  return rows;
};

type Navigation =
  | { kind: "single"; lookup: LookupNavigation }
  | { kind: "oneToMany"; collection: CollectionNavigation }
  | { kind: "manyToMany"; relationship: ManyToMany; other: string };

const navigationOf = (table: TableDefinition, name: string): Navigation => {
  const lookup = table.lookups.find((candidate) => candidate.name === name);
  if (lookup) return { kind: "single", lookup };
  const collection = table.collections.find((candidate) => candidate.name === name);
  if (collection) return { kind: "oneToMany", collection };
  const relationship = MANY_TO_MANY.find((candidate) => candidate.name === name && candidate.tables.includes(table.logicalName));
  if (relationship) {
    const other = relationship.tables[0] === table.logicalName ? relationship.tables[1] : relationship.tables[0];
    return { kind: "manyToMany", relationship, other };
  }
  throw unknownSegment(name);
};

interface RefTarget {
  table: TableDefinition;
  id: string;
}

export const tableNamed = (store: Store, logicalName: string): TableDefinition => {
  const table = store.byLogicalName(logicalName);
  if (!table) throw new Error(`no table ${logicalName}`);
  return table;
};

export const findRecord = (store: Store, table: TableDefinition, keyText: string): StoredRecord => {
  const key = parseKey(keyText, table);
  const record = key.kind === "id" ? store.find(table, key.id) : store.findBy(table, key.values);
  if (!record) throw notFoundRecord(table.logicalName, keyText);
  return record;
};

/** A record URL (absolute, or relative to the service root) as `@odata.id` and `@odata.bind` carry it. */
export const recordAt = (store: Store, url: unknown): { table: TableDefinition; record: StoredRecord } => {
  const match = typeof url === "string" ? /([A-Za-z_][A-Za-z0-9_]*)\(([^()]*)\)\s*$/.exec(url) : null;
  const table = match ? store.bySetName(match[1]) : undefined;
  if (!match || !table) throw badRequest(`${JSON.stringify(url)} is not a record URL such as accounts(<guid>).`);
  return { table, record: findRecord(store, table, decodeURIComponent(match[2])) };
};

const resolveRecordUrl = (store: Store, url: unknown): RefTarget => {
  const { table, record } = recordAt(store, url);
  return { table, id: record[table.primaryIdAttribute] as string };
};

const expectTable = (target: RefTarget, logicalName: string, navigation: string): void => {
  if (target.table.logicalName !== logicalName) {
    throw badRequest(`The navigation property '${navigation}' takes '${logicalName}' records, not '${target.table.logicalName}'.`);
  }
};

const intersectKey = (navigation: Extract<Navigation, { kind: "manyToMany" }>, ownId: string, otherId: string): string => {
  const [first] = navigation.relationship.tables;
  const ids = navigation.other === first ? [otherId, ownId] : [ownId, otherId];
  return `${navigation.relationship.name}|${ids.join("|")}`;
};

const linkedIds = (store: Store, navigation: Navigation, source: StoredRecord, table: TableDefinition): RefTarget[] => {
  const id = source[table.primaryIdAttribute] as string;
  if (navigation.kind === "single") {
    const value = source[`_${navigation.lookup.attribute}_value`];
    return typeof value === "string" ? [{ table: tableNamed(store, navigation.lookup.target), id: value }] : [];
  }
  if (navigation.kind === "oneToMany") {
    const children = tableNamed(store, navigation.collection.referencingTable);
    const column = `_${navigation.collection.referencingAttribute}_value`;
    return store
      .list(children)
      .filter((child) => child[column] === id)
      .map((child) => ({ table: children, id: child[children.primaryIdAttribute] as string }));
  }
  const other = tableNamed(store, navigation.other);
  return store
    .list(other)
    .map((record) => record[other.primaryIdAttribute] as string)
    .filter((otherId) => intersectOf(store).has(intersectKey(navigation, id, otherId)))
    .map((otherId) => ({ table: other, id: otherId }));
};

const linkPageSizes = new WeakMap<Store, number>();

/** Pages every collection's links of this store by `size`, whatever page size a request asks for. */
export const setLinkPageSize = (store: Store, size: number | undefined): void => {
  if (size === undefined) linkPageSizes.delete(store);
  else linkPageSizes.set(store, size);
};

const linkPage = (request: EmuRequest, context: EmuContext, urls: { "@odata.id": string }[]): EmuResponse => {
  const token = request.query.$skiptoken;
  if (token !== undefined && !/^\d+$/.test(token)) throw badRequest("The $skiptoken is not valid.");
  const offset = Number(token ?? 0);
  const pageSize = linkPageSizes.get(context.store) ?? parsePrefer(request.headers.prefer).maxPageSize ?? MAX_PAGE_SIZE;
  const body: Record<string, unknown> = {
    "@odata.context": `${context.apiRoot}$metadata#Collection($ref)`,
    value: urls.slice(offset, offset + pageSize),
  };
  if (offset + pageSize < urls.length) {
    body["@odata.nextLink"] = `${context.apiRoot}${request.path}?$skiptoken=${offset + pageSize}`;
  }
  return { status: 200, body };
};

const listLinks = (
  request: EmuRequest,
  context: EmuContext,
  navigation: Navigation,
  source: StoredRecord,
  table: TableDefinition,
): EmuResponse => {
  const urls = linkedIds(context.store, navigation, source, table).map((link) => ({
    "@odata.id": `${context.apiRoot}${link.table.entitySetName}(${link.id})`,
  }));
  if (navigation.kind !== "single") {
    return linkPage(request, context, urls);
  }
  // An empty lookup has no entity to reference.
  return urls.length ? { status: 200, body: { "@odata.context": `${context.apiRoot}$metadata#$ref`, ...urls[0] } } : { status: 204 };
};

const associate = (
  store: Store,
  navigation: Navigation,
  name: string,
  source: StoredRecord,
  table: TableDefinition,
  target: RefTarget,
): void => {
  const id = source[table.primaryIdAttribute] as string;
  if (navigation.kind === "single") {
    expectTable(target, navigation.lookup.target, name);
    store.update(table, id, { [`_${navigation.lookup.attribute}_value`]: target.id });
  } else if (navigation.kind === "oneToMany") {
    expectTable(target, navigation.collection.referencingTable, name);
    store.update(target.table, target.id, { [`_${navigation.collection.referencingAttribute}_value`]: id });
  } else {
    expectTable(target, navigation.other, name);
    const key = intersectKey(navigation, id, target.id);
    if (intersectOf(store).has(key)) throw new DataverseFault(412, "0x80040237", "Cannot insert duplicate key.");
    intersectOf(store).add(key);
  }
};

const disassociate = (store: Store, navigation: Navigation, source: StoredRecord, table: TableDefinition, target?: RefTarget): void => {
  const id = source[table.primaryIdAttribute] as string;
  if (navigation.kind === "single") {
    store.update(table, id, { [`_${navigation.lookup.attribute}_value`]: null });
  } else if (navigation.kind === "oneToMany" && target) {
    const column = `_${navigation.collection.referencingAttribute}_value`;
    if (store.find(target.table, target.id)?.[column] === id) store.update(target.table, target.id, { [column]: null });
  } else if (navigation.kind === "manyToMany" && target) {
    intersectOf(store).delete(intersectKey(navigation, id, target.id));
  }
};

/** `nav(<id>)` names a record of the navigation property's own target table. */
const linkTargetUrl = (navigation: Navigation, store: Store, memberKey: string): string => {
  const logicalName =
    navigation.kind === "oneToMany"
      ? navigation.collection.referencingTable
      : navigation.kind === "manyToMany"
        ? navigation.other
        : navigation.lookup.target;
  return `${tableNamed(store, logicalName).entitySetName}(${memberKey})`;
};

const REF_PATH = /^([A-Za-z_][A-Za-z0-9_]*)\((.*)\)\/([A-Za-z_][A-Za-z0-9_]*)(?:\(([^()]*)\))?\/\$ref$/;

const notAllowed = (method: string): DataverseFault =>
  new DataverseFault(405, "0x80060888", `The requested resource does not support http method '${method}'.`);

/** Answers undefined for paths that do not end in `/$ref`. */
export const handleRelationship = (request: EmuRequest, context: EmuContext): EmuResponse | undefined => {
  const match = REF_PATH.exec(decodeURIComponent(request.path));
  if (!match) return undefined;
  const [, setName, keyText, name, memberKey] = match;
  const { store } = context;
  const table = store.bySetName(setName);
  if (!table) throw unknownSegment(setName);
  const navigation = navigationOf(table, name);
  const source = findRecord(store, table, keyText);
  const method = request.method.toUpperCase();
  const single = navigation.kind === "single";
  if (memberKey !== undefined && (single || method !== "DELETE"))
    throw badRequest(`The navigation property '${name}' cannot be followed by a key here.`);
  if (method === "GET") return listLinks(request, context, navigation, source, table);
  if ((method === "POST" && !single) || (method === "PUT" && single)) {
    associate(store, navigation, name, source, table, resolveRecordUrl(store, parseBody(request)["@odata.id"]));
    return { status: 204 };
  }
  if (method !== "DELETE") throw notAllowed(method);
  const member = memberKey !== undefined ? linkTargetUrl(navigation, store, memberKey) : request.query.$id;
  if (!single && !member) throw badRequest(`Removing a record from '${name}' needs its key: ${name}(<id>)/$ref or $ref?$id=<record URL>.`);
  disassociate(store, navigation, source, table, member ? resolveRecordUrl(store, member) : undefined);
  return { status: 204 };
};
