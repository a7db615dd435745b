/**
 * The two ways the polling trigger finds changes. Both keep a Modified On watermark to tell
 * created from updated records; Change Tracking also keeps Dataverse's delta link, which is
 * what lets it report deletions. The first poll of a flow only sets the starting point.
 */
import {
  isExpiredChangeToken,
  readLatestModified,
  readModifiedSince,
  readTrackedChanges,
  recordIdOf,
  type DataverseClient,
  type EntityRecord,
} from "../client";
import type { PollingMode } from "../inputs/polling";
import { classifyModifiedSince, EPOCH_WATERMARK, type WatermarkState } from "./watermark";

export interface PollQuery {
  entityType: string;
  fieldNames: string[];
  filterExpression?: string;
}

export interface PollState extends Partial<WatermarkState> {
  /** What the state was built for: another table, columns, filter or mode starts over. */
  query?: string;
  deltaLink?: string;
}

export interface PollResult {
  mode: PollingMode;
  created: EntityRecord[];
  updated: EntityRecord[];
  /** Ids of deleted records; only Change Tracking can see them. */
  deleted: string[];
  /** True on the first poll, and when Dataverse no longer accepted the delta link. */
  restarted: boolean;
  notice: string | null;
}

export const FIRST_POLL_NOTICE = "First poll: the starting point is set; changes from now on are reported.";
export const EXPIRED_TOKEN_NOTICE =
  "Dataverse no longer accepted the delta link (change tracking tokens expire, after 7 days by default), so tracking started over: new and updated records since the last poll are reported, but deletions in that time cannot be.";

export const queryKey = (mode: PollingMode, query: PollQuery): string =>
  JSON.stringify([mode, query.entityType, query.fieldNames, query.filterExpression ?? null]);

const watermarkOf = (state: PollState): WatermarkState | undefined =>
  state.watermark ? { watermark: state.watermark, seenAtWatermark: state.seenAtWatermark ?? {} } : undefined;

const empty = (mode: PollingMode, notice: string | null): PollResult => ({
  mode,
  created: [],
  updated: [],
  deleted: [],
  restarted: notice !== null,
  notice,
});

const idReader = (query: PollQuery) => (record: EntityRecord) => recordIdOf(query.entityType, record);

/**
 * Where a flow starts: the latest modifiedon, with every record already at that second
 * counted as seen, so none of them is reported by the next poll.
 */
const startingWatermark = async (client: DataverseClient, query: PollQuery): Promise<WatermarkState> => {
  const options = { select: query.fieldNames, filter: query.filterExpression };
  const latest = await readLatestModified(client, query.entityType, options);
  if (typeof latest?.modifiedon !== "string") {
    return { ...EPOCH_WATERMARK };
  }
  const start = { watermark: latest.modifiedon, seenAtWatermark: {} };
  const atLatest = await readModifiedSince(client, query.entityType, { ...options, since: start.watermark });
  return classifyModifiedSince(atLatest, start, idReader(query)).state;
};

export const pollModifiedOn = async (
  client: DataverseClient,
  query: PollQuery,
  state: PollState,
): Promise<{ result: PollResult; state: PollState }> => {
  const watermark = watermarkOf(state);
  if (!watermark) {
    return { result: empty("Modified On", FIRST_POLL_NOTICE), state: await startingWatermark(client, query) };
  }
  const options = { select: query.fieldNames, filter: query.filterExpression, since: watermark.watermark };
  const records = await readModifiedSince(client, query.entityType, options);
  const { created, updated, state: next } = classifyModifiedSince(records, watermark, idReader(query));
  return { result: { ...empty("Modified On", null), created, updated }, state: next };
};

export const pollChangeTracking = async (
  client: DataverseClient,
  query: PollQuery,
  state: PollState,
): Promise<{ result: PollResult; state: PollState }> => {
  const previous = watermarkOf(state);
  if (state.deltaLink && previous) {
    try {
      const changes = await readTrackedChanges(client, query.entityType, { select: query.fieldNames, deltaLink: state.deltaLink });
      const { created, updated, state: next } = classifyModifiedSince(changes.records, previous, idReader(query));
      return {
        result: { ...empty("Change Tracking", null), created, updated, deleted: changes.deletedIds },
        state: { ...next, deltaLink: changes.deltaLink },
      };
    } catch (error) {
      if (!isExpiredChangeToken(error)) throw error;
    }
  }
  if (!previous) {
    // The watermark is read before the full set, so a write in between is part of the starting point, not lost.
    const start = await startingWatermark(client, query);
    const snapshot = await readTrackedChanges(client, query.entityType, { select: query.fieldNames, keep: () => false });
    return { result: empty("Change Tracking", FIRST_POLL_NOTICE), state: { ...start, deltaLink: snapshot.deltaLink } };
  }
  // The full set still shows what was created or updated since the last poll; only deletions are lost.
  const since = Date.parse(previous.watermark);
  const snapshot = await readTrackedChanges(client, query.entityType, {
    select: query.fieldNames,
    keep: (record) => typeof record.modifiedon === "string" && Date.parse(record.modifiedon) >= since,
  });
  const { created, updated, state: next } = classifyModifiedSince(snapshot.records, previous, idReader(query));
  return {
    result: { ...empty("Change Tracking", EXPIRED_TOKEN_NOTICE), created, updated },
    state: { ...next, deltaLink: snapshot.deltaLink },
  };
};
