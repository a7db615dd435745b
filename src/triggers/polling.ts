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

export const pollModifiedOn = async (
  client: DataverseClient,
  query: PollQuery,
  state: PollState,
): Promise<{ result: PollResult; state: PollState }> => {
  const idOf = (record: EntityRecord) => recordIdOf(query.entityType, record);
  const options = { select: query.fieldNames, filter: query.filterExpression };
  let watermark = watermarkOf(state);
  let notice: string | null = null;
  if (!watermark) {
    notice = FIRST_POLL_NOTICE;
    const latest = await readLatestModified(client, query.entityType, options);
    if (typeof latest?.modifiedon !== "string") {
      return { result: empty("Modified On", notice), state: { ...EPOCH_WATERMARK } };
    }
    // Everything already at the latest second counts as seen, so it is not reported next time.
    watermark = { watermark: latest.modifiedon, seenAtWatermark: {} };
    const atLatest = await readModifiedSince(client, query.entityType, { ...options, since: watermark.watermark });
    return { result: empty("Modified On", notice), state: classifyModifiedSince(atLatest, watermark, idOf).state };
  }
  const records = await readModifiedSince(client, query.entityType, { ...options, since: watermark.watermark });
  const { created, updated, state: next } = classifyModifiedSince(records, watermark, idOf);
  return { result: { ...empty("Modified On", null), created, updated }, state: next };
};

export const pollChangeTracking = async (
  client: DataverseClient,
  query: PollQuery,
  state: PollState,
): Promise<{ result: PollResult; state: PollState }> => {
  const idOf = (record: EntityRecord) => recordIdOf(query.entityType, record);
  const previous = watermarkOf(state);
  if (state.deltaLink && previous) {
    try {
      const changes = await readTrackedChanges(client, query.entityType, { select: query.fieldNames, deltaLink: state.deltaLink });
      const { created, updated, state: next } = classifyModifiedSince(changes.records, previous, idOf);
      return {
        result: { ...empty("Change Tracking", null), created, updated, deleted: changes.deletedIds },
        state: { ...next, deltaLink: changes.deltaLink },
      };
    } catch (error) {
      if (!isExpiredChangeToken(error)) throw error;
    }
  }
  const snapshot = await readTrackedChanges(client, query.entityType, { select: query.fieldNames });
  if (!previous) {
    const { state: next } = classifyModifiedSince(snapshot.records, EPOCH_WATERMARK, idOf);
    return { result: empty("Change Tracking", FIRST_POLL_NOTICE), state: { ...next, deltaLink: snapshot.deltaLink } };
  }
  // The full set still shows what was created or updated since the last poll; only deletions are lost.
  const { created, updated, state: next } = classifyModifiedSince(
    snapshot.records.filter((record) => typeof record.modifiedon === "string" && Date.parse(record.modifiedon) >= Date.parse(previous.watermark)),
    previous,
    idOf,
  );
  return {
    result: { ...empty("Change Tracking", EXPIRED_TOKEN_NOTICE), created, updated },
    state: { ...next, deltaLink: snapshot.deltaLink },
  };
};
