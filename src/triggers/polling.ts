/**
 * The two ways the polling trigger finds changes. Both keep a Modified On watermark to tell
 * created from updated records; Change Tracking also keeps Dataverse's delta link, which is
 * what lets it report deletions. The first poll of a flow only sets the starting point.
 */
import {
  isExpiredChangeToken,
  isOnHost,
  readLatestModified,
  readModifiedSince,
  readTrackedChanges,
  recordIdOf,
  secondOf,
  type DataverseClient,
  type EntityRecord,
  type TrackedChanges,
} from "../client";
import type { PollingMode } from "../inputs/polling";
import { classifyModifiedSince, EPOCH_WATERMARK, isReported, windowStart, type WatermarkState } from "./watermark";

export interface PollQuery {
  entitySetName: string;
  fieldNames: string[];
  filterExpression?: string;
}

export interface PollState extends Partial<WatermarkState> {
  /** What the state was built for: another environment, table, columns, filter or mode starts over. */
  query?: string;
  deltaLink?: string;
  /** A Change Tracking read stopped at the slice limit: the next poll continues from this @odata.nextLink. */
  nextLink?: string;
  /** While a restarted full read is continued: only records modified since this are reported. */
  restartedSince?: string;
  /** The first poll of a flow with a Look-back Date: Change Tracking reads everything modified since. */
  lookBack?: boolean;
}

export interface PollOptions {
  /** The most changes one poll reports; a larger backlog is reported over the following polls. */
  limit?: number;
}

export interface PollResult {
  mode: PollingMode;
  created: EntityRecord[];
  updated: EntityRecord[];
  /** Ids of deleted records; only Change Tracking can see them. */
  deleted: string[];
  /** True when more changes are waiting than one poll reports: the next poll continues with them. */
  moreChanges: boolean;
  /** True on the first poll, and when the delta link could not be used (expired, or for another host). */
  restarted: boolean;
  notice: string | null;
}

type Poll = { result: PollResult; state: PollState };

export const FIRST_POLL_NOTICE = "First poll: the starting point is set; changes from now on are reported.";
export const EXPIRED_TOKEN_NOTICE =
  "Dataverse no longer accepted the delta link (change tracking tokens expire, after 7 days by default), so tracking started over: new and updated records since the last poll are reported, but deletions in that time cannot be.";
export const LOOK_BACK_NOTICE =
  "First poll from the Look-back Date: the records created or updated since then are reported; deletions before now cannot be.";
export const OTHER_HOST_NOTICE =
  "The stored delta link belongs to another environment than the connection's, so tracking started over here: new and updated records since the last poll are reported, but deletions in that time cannot be.";

/** The connection's origin is part of it: a watermark or delta link from one environment means nothing in another. */
export const queryKey = (origin: string, mode: PollingMode, query: PollQuery): string =>
  JSON.stringify([origin, mode, query.entitySetName, query.fieldNames, query.filterExpression ?? null]);

const watermarkOf = (state: PollState): WatermarkState | undefined =>
  state.watermark ? { watermark: state.watermark, seen: state.seen ?? {}, ...(state.floor ? { floor: state.floor } : {}) } : undefined;

const empty = (mode: PollingMode, notice: string | null): PollResult => ({
  mode,
  created: [],
  updated: [],
  deleted: [],
  moreChanges: false,
  restarted: notice !== null,
  notice,
});

const idReader = (query: PollQuery) => (record: EntityRecord) => recordIdOf(query.entitySetName, record);

/**
 * Where a flow starts: the latest modifiedon, with every record already modified within the
 * overlap window before it counted as seen, so none of them is reported by the next poll.
 * A window with more records than one poll holds cannot all be remembered: the start is then
 * the latest modifiedon's second itself, and polls never read before it (a write in the
 * window that commits late is then missed, rather than the whole window reported as new).
 */
const startingWatermark = async (client: DataverseClient, query: PollQuery, { limit }: PollOptions): Promise<WatermarkState> => {
  const options = { select: query.fieldNames, filter: query.filterExpression };
  const latest = await readLatestModified(client, query.entitySetName, options);
  if (typeof latest?.modifiedon !== "string") {
    return { ...EPOCH_WATERMARK };
  }
  const start: WatermarkState = { watermark: latest.modifiedon, seen: {} };
  const recent = await readModifiedSince(client, query.entitySetName, { ...options, since: windowStart(start), limit });
  if (!recent.moreChanges) {
    return classifyModifiedSince(recent.records, start, idReader(query)).state;
  }
  const floored: WatermarkState = { ...start, floor: latest.modifiedon };
  const atLatest = await readModifiedSince(client, query.entitySetName, { ...options, since: windowStart(floored), limit });
  return classifyModifiedSince(atLatest.records, floored, idReader(query)).state;
};

export const pollModifiedOn = async (
  client: DataverseClient,
  query: PollQuery,
  state: PollState,
  options: PollOptions = {},
): Promise<Poll> => {
  const watermark = watermarkOf(state);
  if (!watermark) {
    return { result: empty("Modified On", FIRST_POLL_NOTICE), state: await startingWatermark(client, query, options) };
  }
  const reported = isReported(watermark, idReader(query));
  const slice = await readModifiedSince(client, query.entitySetName, {
    select: query.fieldNames,
    filter: query.filterExpression,
    since: windowStart(watermark),
    keep: (record) => !reported(record),
    limit: options.limit,
  });
  const { created, updated, state: next } = classifyModifiedSince(slice.records, watermark, idReader(query));
  return { result: { ...empty("Modified On", null), created, updated, moreChanges: slice.moreChanges }, state: next };
};

/** Records modified since `since` and not yet reported: what a full read reports when tracking starts over. */
const modifiedSinceFilter = (since: string, watermark: WatermarkState, query: PollQuery) => {
  const from = secondOf(since);
  const reported = isReported(watermark, idReader(query));
  return (record: EntityRecord) => secondOf(record.modifiedon) >= from && !reported(record);
};

const trackedPoll = (
  changes: TrackedChanges,
  previous: WatermarkState,
  query: PollQuery,
  notice: string | null,
  restartedSince?: string,
): Poll => {
  const { created, updated, state } = classifyModifiedSince(changes.records, previous, idReader(query));
  const more = changes.nextLink !== undefined;
  return {
    result: { ...empty("Change Tracking", notice), created, updated, deleted: changes.deletedIds, moreChanges: more },
    state: { ...state, deltaLink: changes.deltaLink, nextLink: changes.nextLink, restartedSince: more ? restartedSince : undefined },
  };
};

/** The full set again: it still shows what was created or updated since the last poll; only deletions are lost. */
const startOver = async (
  client: DataverseClient,
  query: PollQuery,
  previous: WatermarkState,
  notice: string,
  { limit }: PollOptions,
): Promise<Poll> => {
  const since = windowStart(previous);
  const keep = modifiedSinceFilter(since, previous, query);
  const snapshot = await readTrackedChanges(client, query.entitySetName, { select: query.fieldNames, keep, limit });
  return trackedPoll(snapshot, previous, query, notice, since);
};

export const pollChangeTracking = async (
  client: DataverseClient,
  query: PollQuery,
  state: PollState,
  options: PollOptions = {},
): Promise<Poll> => {
  const previous = watermarkOf(state);
  if (!previous) {
    // The watermark is read before the full set, so a write in between is part of the starting point, not lost.
    const start = await startingWatermark(client, query, options);
    const snapshot = await readTrackedChanges(client, query.entitySetName, { select: query.fieldNames, keep: () => false });
    return { result: empty("Change Tracking", FIRST_POLL_NOTICE), state: { ...start, deltaLink: snapshot.deltaLink } };
  }
  const link = state.nextLink ?? state.deltaLink;
  if (!link) return startOver(client, query, previous, state.lookBack ? LOOK_BACK_NOTICE : EXPIRED_TOKEN_NOTICE, options);
  if (!isOnHost(client, link)) return startOver(client, query, previous, OTHER_HOST_NOTICE, options);
  const keep = state.nextLink && state.restartedSince ? modifiedSinceFilter(state.restartedSince, previous, query) : undefined;
  try {
    const changes = await readTrackedChanges(client, query.entitySetName, { select: query.fieldNames, link, keep, limit: options.limit });
    return trackedPoll(changes, previous, query, null, state.restartedSince);
  } catch (error) {
    if (!isExpiredChangeToken(error)) throw error;
    return startOver(client, query, previous, EXPIRED_TOKEN_NOTICE, options);
  }
};
