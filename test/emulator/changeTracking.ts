/**
 * Change tracking (reference §10). `Prefer: odata.track-changes` on an entity set returns
 * the full set (paged with `odata.maxpagesize`) and, on the last page, an `@odata.deltaLink`
 * whose `$deltatoken` reads `version!MM/dd/yyyy HH:mm:ss`. Following it returns, under a
 * `/$delta` context, the records written since that version (upserts first), then the
 * deletions since it as `$deletedEntity` entries from the store's tombstones.
 * `$filter`, `$orderby`, `$expand` and `$top` are refused, as Dataverse refuses them.
 * [emu] A token older than 7 days (ExpireChangeTrackingInDays, by the store's clock) is
 * refused with 400 `0x80044352` ExpiredVersionStamp; a token that cannot be read with 400.
 * Simplification: the next-page skip token is the number of entries already sent.
 */
import { badRequest, DataverseFault } from "./faults";
import { parsePrefer, parseSelect, shapeRecord } from "./odata";
import type { TableDefinition } from "./schema";
import type { Store, StoredRecord } from "./store";
import type { EmuContext, EmuRequest, EmuResponse } from "./types";

export const EXPIRE_CHANGE_TRACKING_DAYS = 7;
const DAY_MS = 24 * 60 * 60 * 1000;
const REFUSED_OPTIONS = ["$filter", "$orderby", "$expand", "$top"];

export const isChangeTrackingRequest = (request: EmuRequest): boolean =>
  /odata\.track-changes/.test(request.headers.prefer ?? "") || request.query.$deltatoken !== undefined;

const pad = (value: number): string => String(value).padStart(2, "0");

/** `919042!08/22/2017 08:10:44` */
const formatToken = (version: number, date: Date): string =>
  `${version}!${pad(date.getUTCMonth() + 1)}/${pad(date.getUTCDate())}/${date.getUTCFullYear()} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;

const parseToken = (token: string): { version: number; issued: number } => {
  const match = /^(\d+)!(\d{2})\/(\d{2})\/(\d{4}) (\d{2}):(\d{2}):(\d{2})$/.exec(token);
  if (!match) throw badRequest(`The delta token '${token}' is not valid.`);
  const [, version, month, day, year, hours, minutes, seconds] = match.map(Number);
  return { version, issued: Date.UTC(year, month - 1, day, hours, minutes, seconds) };
};

const checkToken = (store: Store, token: string): number => {
  const { version, issued } = parseToken(token);
  if (store.now().getTime() - issued > EXPIRE_CHANGE_TRACKING_DAYS * DAY_MS) {
    throw new DataverseFault(400, "0x80044352", "Version stamp associated with the client has expired. Please perform a full sync.");
  }
  return version;
};

type Entry = { kind: "record"; record: StoredRecord } | { kind: "deleted"; id: string };

const entriesSince = (store: Store, table: TableDefinition, since: number, upTo: number): Entry[] => {
  const records = store
    .list(table)
    .filter((record) => (record.versionnumber as number) > since && (record.versionnumber as number) <= upTo)
    .sort((a, b) => (a.versionnumber as number) - (b.versionnumber as number));
  const deleted = store.tombstones.filter(
    (tombstone) => tombstone.table === table.logicalName && tombstone.version > since && tombstone.version <= upTo,
  );
  return [
    ...records.map((record): Entry => ({ kind: "record", record })),
    ...deleted.map((tombstone): Entry => ({ kind: "deleted", id: tombstone.id })),
  ];
};

const linkWith = (context: EmuContext, table: TableDefinition, select: string | undefined, extra: Record<string, string>): string => {
  const options = { ...(select ? { $select: select } : {}), ...extra };
  // Dataverse percent-encodes the token's "!" too: `$deltatoken=919042%2108%2f22%2f2017%2008%3a10%3a44`.
  const encode = (value: string) => encodeURIComponent(value).replace(/%24/g, "$").replace(/%2C/g, ",").replace(/!/g, "%21");
  const query = Object.entries(options).map(([name, value]) => `${name}=${encode(value)}`);
  return `${context.apiRoot}${table.entitySetName}${query.length ? `?${query.join("&")}` : ""}`;
};

/** The skip token carries the snapshot version and how many entries were already sent. */
const readSkipToken = (text: string | undefined): { snapshot: number; offset: number } | undefined => {
  if (text === undefined) return undefined;
  const match = /^(\d+):(\d+)$/.exec(text);
  if (!match) throw badRequest("The $skiptoken is not valid.");
  return { snapshot: Number(match[1]), offset: Number(match[2]) };
};

export const handleTrackedQuery = (request: EmuRequest, context: EmuContext, table: TableDefinition): EmuResponse => {
  const { store } = context;
  const refused = REFUSED_OPTIONS.find((option) => request.query[option] !== undefined);
  if (refused) throw badRequest(`The "${refused}" query parameter isn't supported when Change Tracking is enabled.`);
  if (!table.changeTrackingEnabled) {
    throw badRequest(`Entity '${table.logicalName}' is not enabled for change tracking.`);
  }
  const select = parseSelect(request.query.$select, table);
  const deltaToken = request.query.$deltatoken;
  const since = deltaToken === undefined ? 0 : checkToken(store, deltaToken);
  const page = readSkipToken(request.query.$skiptoken);
  const snapshot = page?.snapshot ?? store.version;
  const offset = page?.offset ?? 0;
  const entries = entriesSince(store, table, since, snapshot).filter((entry) => deltaToken !== undefined || entry.kind === "record");
  const pageSize = parsePrefer(request.headers.prefer).maxPageSize ?? 5000;
  const sent = entries.slice(offset, offset + pageSize);
  const contextUrl = `${context.apiRoot}$metadata#${table.entitySetName}${select ? `(${select.join(",")})` : ""}${deltaToken === undefined ? "" : "/$delta"}`;
  const body: StoredRecord = {
    "@odata.context": contextUrl,
    value: sent.map((entry) =>
      entry.kind === "record"
        ? shapeRecord(entry.record, table, select)
        : { "@odata.context": `${context.apiRoot}$metadata#${table.entitySetName}/$deletedEntity`, id: entry.id, reason: "deleted" },
    ),
  };
  const tokenOption: Record<string, string> = deltaToken === undefined ? {} : { $deltatoken: deltaToken };
  if (offset + pageSize < entries.length) {
    body["@odata.nextLink"] = linkWith(context, table, request.query.$select, {
      ...tokenOption,
      $skiptoken: `${snapshot}:${offset + pageSize}`,
    });
  } else {
    body["@odata.deltaLink"] = linkWith(context, table, request.query.$select, { $deltatoken: formatToken(snapshot, store.now()) });
  }
  return { status: 200, headers: { "Preference-Applied": "odata.track-changes" }, body };
};
