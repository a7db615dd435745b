/**
 * The Modified On watermark. Dataverse keeps `modifiedon` to the second and stamps it when an
 * operation starts, not when its transaction commits, so a write can become visible after a
 * poll has moved past its `modifiedon`. A poll therefore asks for
 * `modifiedon ge <watermark − OVERLAP_SECONDS>` and remembers every record it reported within
 * that window (by version number, which changes on every write): a late or later write is
 * reported, a record already reported is not reported again.
 */
import { secondOf, type EntityRecord } from "../client";

/** How late a write may commit and still be reported: longer than Dataverse lets one request run. */
const OVERLAP_SECONDS = 120;

export interface SeenVersion {
  version: string;
  /** The record's modifiedon, to drop it once it is older than the window. */
  modifiedOn: string;
}

export interface WatermarkState {
  /** ISO date-time, to the second: the newest modifiedon reported. */
  watermark: string;
  /** Record id → the version reported, for the records modified within the window before the watermark. */
  seen: Record<string, SeenVersion>;
  /**
   * ISO second before which no poll reads. Set when the starting point found more records in
   * its window than it may remember: those it could not remember must not be reported as new.
   */
  floor?: string;
}

export interface ClassifiedChanges {
  created: EntityRecord[];
  updated: EntityRecord[];
  state: WatermarkState;
}

/** Before any record: a table that was empty at the first poll reports everything as created. */
export const EPOCH_WATERMARK: WatermarkState = { watermark: "1970-01-01T00:00:00Z", seen: {} };

const isoSecond = (second: number): string => `${new Date(second * 1000).toISOString().slice(0, 19)}Z`;

const versionOf = (record: EntityRecord): string => String(record.versionnumber ?? record.modifiedon ?? "");

/** Where a poll's query starts: the overlap window before the watermark. */
export const windowStart = (state: WatermarkState): string => {
  const second = secondOf(state.watermark);
  if (second === -Infinity) return state.watermark;
  return isoSecond(Math.max(second - OVERLAP_SECONDS, secondOf(state.floor)));
};

/** Whether this version of the record was already reported. */
export const isReported =
  (state: WatermarkState, idOf: (record: EntityRecord) => string | undefined) =>
  (record: EntityRecord): boolean =>
    state.seen[idOf(record) ?? ""]?.version === versionOf(record);

/**
 * Splits the records a `modifiedon ge <window start>` query returned into created and
 * updated, leaving out those already reported, and moves the watermark to the newest second
 * seen. A record counts as created when the previous poll could not have seen it: created
 * after its watermark, or within the window before it and never reported.
 */
export const classifyModifiedSince = (
  records: EntityRecord[],
  state: WatermarkState,
  idOf: (record: EntityRecord) => string | undefined,
): ClassifiedChanges => {
  const watermark = secondOf(state.watermark);
  const reported = isReported(state, idOf);
  const created: EntityRecord[] = [];
  const updated: EntityRecord[] = [];
  const seen = { ...state.seen };
  let newest = watermark;
  for (const record of records) {
    const id = idOf(record) ?? "";
    newest = Math.max(newest, secondOf(record.modifiedon));
    if (reported(record)) continue;
    const createdAt = secondOf(record.createdon);
    const isNew = createdAt > watermark || (createdAt >= watermark - OVERLAP_SECONDS && !(id in state.seen));
    (isNew ? created : updated).push(record);
    seen[id] = { version: versionOf(record), modifiedOn: String(record.modifiedon ?? "") };
  }
  const kept = Object.entries(seen).filter(([, entry]) => secondOf(entry.modifiedOn) >= newest - OVERLAP_SECONDS);
  // Once the window has moved past the floor, the floor no longer limits anything.
  const floor = state.floor !== undefined && secondOf(state.floor) > newest - OVERLAP_SECONDS ? { floor: state.floor } : {};
  return {
    created,
    updated,
    state: { watermark: newest === -Infinity ? state.watermark : isoSecond(newest), seen: Object.fromEntries(kept), ...floor },
  };
};
