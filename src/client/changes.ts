import { type Page, walkPages } from "./pager";
import { DataverseError } from "./wire/errors";
import { type DataverseClient, type DataverseRequest, valueCollection } from "./wire/http";
import { MAX_PAGE_SIZE, queryPages, queryRecords } from "./query";
import type { EntityRecord } from "./records";
import { joinNames } from "./wire/url";

/**
 * The most changes one poll gathers. A larger backlog is delivered in slices of at most this
 * many, one per poll, so a bulk change never leaves the trigger failing on every poll.
 */
const CHANGES_LIMIT = 100_000;

/** Dataverse's ExpiredVersionStamp: the delta token is older than the organization keeps changes for. */
const EXPIRED_VERSION_STAMP = "0x80044352";

/** The columns a poll needs, whatever the user selected, to tell created from updated. */
const WATERMARK_COLUMNS = ["createdon", "modifiedon", "versionnumber"];

const withWatermarkColumns = (select: string[]): string[] => (select.length ? [...new Set([...select, ...WATERMARK_COLUMNS])] : []);

const combineFilters = (...filters: (string | undefined)[]): string | undefined => {
  const present = filters.filter((filter): filter is string => Boolean(filter));
  return present.length > 1 ? present.map((filter) => `(${filter})`).join(" and ") : present[0];
};

/** Seconds since the epoch of an ISO date-time (`modifiedon` has one-second precision); -Infinity when it is not one. */
export const secondOf = (value: unknown): number => {
  const time = typeof value === "string" ? Date.parse(value) : NaN;
  return Number.isNaN(time) ? -Infinity : Math.floor(time / 1000);
};

/** The most recently modified record matching the filter, if any. */
export const readLatestModified = async (
  client: DataverseClient,
  entitySetName: string,
  { select, filter }: { select: string[]; filter?: string },
): Promise<EntityRecord | undefined> => {
  const page = await queryRecords(client, entitySetName, {
    select: withWatermarkColumns(select),
    filter,
    orderBy: ["modifiedon desc"],
    pageSize: 1,
  });
  return page.records[0];
};

export interface ModifiedSlice {
  /** The kept records, oldest first, ending on a whole second. */
  records: EntityRecord[];
  /** True when more kept records follow the slice: the next read continues after its last second. */
  moreChanges: boolean;
}

export interface ModifiedSinceOptions {
  select: string[];
  filter?: string;
  /** ISO date-time. */
  since: string;
  /** Which records count (those not already reported); the others are read past, not gathered. */
  keep?: (record: EntityRecord) => boolean;
  /** The most records one slice holds. */
  limit?: number;
}

/**
 * Cuts the kept records (oldest first) before the second of the first one past the limit, so a
 * second is never split: the next read asks for that second again and gets all of it.
 */
const sliceAtWholeSecond = (records: EntityRecord[], limit: number, entitySetName: string): EntityRecord[] => {
  const cut = secondOf(records[limit].modifiedon);
  const slice = records.filter((record) => secondOf(record.modifiedon) < cut);
  if (!slice.length) {
    throw new DataverseError(
      `more than ${limit} records of '${entitySetName}' have the same modifiedon (${records[limit].modifiedon}), the most one poll may hold; they cannot be split because modifiedon only has whole seconds: narrow the filter, or use the Change Tracking mode`,
      { method: "GET", path: entitySetName },
    );
  }
  return slice;
};

/**
 * The records modified at or after `since`, oldest first. `ge`, not `gt`: modifiedon has
 * one-second precision, so records changed later within a second already seen come back too.
 * Past `limit` kept records it returns a slice ending on a whole second and says there is more.
 */
export const readModifiedSince = async (
  client: DataverseClient,
  entitySetName: string,
  { select, filter, since, keep = () => true, limit = CHANGES_LIMIT }: ModifiedSinceOptions,
): Promise<ModifiedSlice> => {
  const query = {
    select: withWatermarkColumns(select),
    filter: combineFilters(filter, `modifiedon ge ${since}`),
    orderBy: ["modifiedon asc"],
    pageSize: MAX_PAGE_SIZE,
  };
  const kept: EntityRecord[] = [];
  for await (const page of queryPages(client, entitySetName, query)) {
    kept.push(...page.items.filter(keep));
    if (kept.length > limit) {
      return { records: sliceAtWholeSecond(kept, limit, entitySetName), moreChanges: true };
    }
  }
  return { records: kept, moreChanges: false };
};

export interface TrackedChanges {
  /** New or changed records (on the first request: every record). */
  records: EntityRecord[];
  /** Ids of deleted records (never on the first request). */
  deletedIds: string[];
  /** Where the next read starts once this one is complete. */
  deltaLink?: string;
  /** Set instead of deltaLink when the read stopped at the limit: where the next read continues. */
  nextLink?: string;
}

interface TrackedBody {
  value?: unknown[];
  "@odata.nextLink"?: string;
  "@odata.deltaLink"?: string;
}

/** A change-tracking page as the pager walks it; the last one carries the delta link instead of a next link. */
interface TrackedPage extends Page<unknown, string> {
  deltaLink?: string;
}

const isDeletedEntry = (entry: EntityRecord): boolean =>
  typeof entry["@odata.context"] === "string" && entry["@odata.context"].includes("/$deletedEntity");

const trackingError = (message: string, entitySetName: string) => new DataverseError(message, { method: "GET", path: entitySetName });

/** A deletion is reported by its id alone, so one without an id cannot be reported at all. */
const deletedIdOf = (entry: EntityRecord, entitySetName: string): string => {
  if (typeof entry.id !== "string" || !entry.id.trim()) {
    throw trackingError(
      `the change-tracking response for '${entitySetName}' reported a deleted record without its id (${JSON.stringify(entry).slice(0, 120)})`,
      entitySetName,
    );
  }
  return entry.id;
};

const trackedPage = (body: TrackedBody | undefined, entitySetName: string): TrackedPage => ({
  items: valueCollection(body, { method: "GET", path: entitySetName }),
  next: body?.["@odata.nextLink"] || undefined,
  deltaLink: body?.["@odata.deltaLink"],
});

export interface TrackedChangesOptions {
  select: string[];
  /** A delta link, or a next link a previous read stopped at; none for the first read of the full set. */
  link?: string;
  /** Which records to gather, so reading a large table just for its delta link holds none of it. */
  keep?: (record: EntityRecord) => boolean;
  /** The most changes one read gathers before it stops at a page boundary and returns its next link. */
  limit?: number;
}

/**
 * One change-tracking read: the full set when there is no link yet, otherwise the changes
 * since it. Pages are followed to the end, where the next delta link is, unless the changes
 * gathered reach the limit first: then the next link is returned to continue from.
 */
export const readTrackedChanges = async (
  client: DataverseClient,
  entitySetName: string,
  { select, link, keep = () => true, limit = CHANGES_LIMIT }: TrackedChangesOptions,
): Promise<TrackedChanges> => {
  const pageSize = Math.max(1, Math.min(MAX_PAGE_SIZE, limit));
  const prefer = ["odata.track-changes", `odata.maxpagesize=${pageSize}`];
  const changes: TrackedChanges = { records: [], deletedIds: [] };
  const read = async (request: DataverseRequest) => trackedPage((await client.send<TrackedBody>(request)).data, entitySetName);
  const first = await read(
    link
      ? { method: "GET", path: link, prefer }
      : { method: "GET", path: entitySetName, query: { $select: joinNames(withWatermarkColumns(select)) }, prefer },
  );
  const pages = walkPages(first, (next: string) => read({ method: "GET", path: next, prefer }), { method: "GET", path: entitySetName });
  for await (const page of pages) {
    for (const entry of page.items) {
      // Only objects are records or deletions; anything else carries nothing to report.
      if (typeof entry !== "object" || entry === null || Array.isArray(entry)) continue;
      const record = entry as EntityRecord;
      if (isDeletedEntry(record)) changes.deletedIds.push(deletedIdOf(record, entitySetName));
      else if (keep(record)) changes.records.push(record);
    }
    if (!page.next) {
      if (!page.deltaLink) {
        throw trackingError(`the response has no @odata.deltaLink: is change tracking enabled for '${entitySetName}'?`, entitySetName);
      }
      return { ...changes, deltaLink: page.deltaLink };
    }
    // Another full page could take the slice past the limit, so it is left for the next read.
    if (changes.records.length + changes.deletedIds.length + pageSize > limit) {
      return { ...changes, nextLink: page.next };
    }
  }
  throw trackingError("the change-tracking pages ended without a delta link", entitySetName);
};

/** Whether a link Dataverse gave us belongs to the client's host; a link from another environment is never followed. */
export const isOnHost = (client: DataverseClient, link: string): boolean => {
  try {
    client.resolve(link);
    return true;
  } catch (error) {
    if (error instanceof DataverseError) return false;
    throw error;
  }
};

/** A delta token Dataverse no longer accepts (expired, or not one it issued): the caller starts over. */
export const isExpiredChangeToken = (error: unknown): boolean =>
  error instanceof DataverseError &&
  (error.code === EXPIRED_VERSION_STAMP || (error.status === 400 && /delta ?token|version stamp/i.test(error.dataverseMessage)));
