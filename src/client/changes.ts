import { DataverseError, InputError } from "./errors";
import type { DataverseClient } from "./http";
import { MAX_PAGE_SIZE, queryAllRecords, queryRecords } from "./query";
import type { EntityRecord } from "./records";

/** The most changed records one poll gathers before it refuses rather than drop some. */
export const CHANGES_LIMIT = 100_000;

/** Dataverse's ExpiredVersionStamp: the delta token is older than the organization keeps changes for. */
export const EXPIRED_VERSION_STAMP = "0x80044352";

/** The columns a poll needs, whatever the user selected, to tell created from updated. */
const WATERMARK_COLUMNS = ["createdon", "modifiedon", "versionnumber"];

const withWatermarkColumns = (select: string[]): string[] =>
  select.length ? [...new Set([...select, ...WATERMARK_COLUMNS])] : [];

const combineFilters = (...filters: (string | undefined)[]): string | undefined => {
  const present = filters.filter((filter): filter is string => Boolean(filter));
  return present.length > 1 ? present.map((filter) => `(${filter})`).join(" and ") : present[0];
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

/**
 * Every record modified at or after `since` (an ISO date-time). `ge`, not `gt`: modifiedon has
 * one-second precision, so records changed later within the watermark's second must come back too.
 */
export const readModifiedSince = async (
  client: DataverseClient,
  entitySetName: string,
  { select, filter, since }: { select: string[]; filter?: string; since: string },
): Promise<EntityRecord[]> => {
  try {
    const { records } = await queryAllRecords(
      client,
      entitySetName,
      {
        select: withWatermarkColumns(select),
        filter: combineFilters(filter, `modifiedon ge ${since}`),
        orderBy: ["modifiedon asc"],
        pageSize: MAX_PAGE_SIZE,
      },
      CHANGES_LIMIT,
    );
    return records;
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    throw new InputError("Filter Expression", `more than ${CHANGES_LIMIT} records changed since ${since}: narrow the filter or poll more often.`);
  }
};

export interface TrackedChanges {
  /** New or changed records (on the first request: every record). */
  records: EntityRecord[];
  /** Ids of deleted records (never on the first request). */
  deletedIds: string[];
  /** Where the next request starts. */
  deltaLink: string;
}

interface TrackedPage {
  value?: EntityRecord[];
  "@odata.nextLink"?: string;
  "@odata.deltaLink"?: string;
}

const isDeletedEntry = (entry: EntityRecord): boolean =>
  typeof entry["@odata.context"] === "string" && entry["@odata.context"].includes("/$deletedEntity");

/**
 * One change-tracking read: the full set when there is no delta link yet, otherwise the
 * changes since it. Pages are followed to the end, where the next delta link is. Only the
 * records `keep` accepts are gathered, so reading a large table just for its delta link
 * holds none of it.
 */
export const readTrackedChanges = async (
  client: DataverseClient,
  entitySetName: string,
  { select, deltaLink, keep = () => true }: { select: string[]; deltaLink?: string; keep?: (record: EntityRecord) => boolean },
): Promise<TrackedChanges> => {
  const prefer = ["odata.track-changes", `odata.maxpagesize=${MAX_PAGE_SIZE}`];
  const changes: TrackedChanges = { records: [], deletedIds: [], deltaLink: "" };
  let response = await client.send<TrackedPage>(
    deltaLink
      ? { method: "GET", path: deltaLink, prefer }
      : { method: "GET", path: entitySetName, query: { $select: withWatermarkColumns(select).join(",") || undefined }, prefer },
  );
  for (;;) {
    const page = response.data;
    if (!page || !Array.isArray(page.value)) {
      throw new DataverseError("the change-tracking response has no 'value' collection", { method: "GET", path: entitySetName });
    }
    for (const entry of page.value) {
      if (isDeletedEntry(entry)) changes.deletedIds.push(String(entry.id));
      else if (keep(entry)) changes.records.push(entry);
    }
    if (changes.records.length + changes.deletedIds.length > CHANGES_LIMIT) {
      throw new DataverseError(`more than ${CHANGES_LIMIT} changes in one poll; poll more often`, { method: "GET", path: entitySetName });
    }
    const next = page["@odata.nextLink"];
    if (!next) {
      const link = page["@odata.deltaLink"];
      if (!link) {
        throw new DataverseError(
          `the response has no @odata.deltaLink: is change tracking enabled for '${entitySetName}'?`,
          { method: "GET", path: entitySetName },
        );
      }
      return { ...changes, deltaLink: link };
    }
    response = await client.send<TrackedPage>({ method: "GET", path: next, prefer });
  }
};

/** A delta token Dataverse no longer accepts (expired, or not one it issued): the caller starts over. */
export const isExpiredChangeToken = (error: unknown): boolean =>
  error instanceof DataverseError &&
  (error.code === EXPIRED_VERSION_STAMP || (error.status === 400 && /delta ?token|version stamp/i.test(error.dataverseMessage)));
