/**
 * The Modified On watermark. Dataverse keeps `modifiedon` to the second, so a poll asks for
 * `modifiedon ge <watermark>` and remembers which records it already reported within the
 * watermark's second (by version number, which changes on every write): a later write in
 * that same second is reported, a record already reported is not reported again.
 */
import type { EntityRecord } from "../client";

export interface WatermarkState {
  /** ISO date-time, to the second. */
  watermark: string;
  /** Record id → version, for the records already reported within the watermark's second. */
  seenAtWatermark: Record<string, string>;
}

export interface ClassifiedChanges {
  created: EntityRecord[];
  updated: EntityRecord[];
  state: WatermarkState;
}

/** Before any record: a table that was empty at the first poll reports everything as created. */
export const EPOCH_WATERMARK: WatermarkState = { watermark: "1970-01-01T00:00:00Z", seenAtWatermark: {} };

const secondOf = (value: unknown): number => {
  const time = typeof value === "string" ? Date.parse(value) : NaN;
  return Number.isNaN(time) ? -Infinity : Math.floor(time / 1000);
};

const isoSecond = (second: number): string => `${new Date(second * 1000).toISOString().slice(0, 19)}Z`;

export const versionOf = (record: EntityRecord): string => String(record.versionnumber ?? record.modifiedon ?? "");

/**
 * Splits the records a `modifiedon ge <watermark>` query returned into created and updated,
 * leaving out those already reported, and moves the watermark to the newest second seen.
 * A record counts as created when it was created after the previous poll saw the table.
 */
export const classifyModifiedSince = (
  records: EntityRecord[],
  state: WatermarkState,
  idOf: (record: EntityRecord) => string | undefined,
): ClassifiedChanges => {
  const watermark = secondOf(state.watermark);
  const created: EntityRecord[] = [];
  const updated: EntityRecord[] = [];
  let newest = watermark;
  for (const record of records) {
    const id = idOf(record) ?? "";
    const modified = secondOf(record.modifiedon);
    newest = Math.max(newest, modified);
    if (modified === watermark && state.seenAtWatermark[id] === versionOf(record)) continue;
    const createdAt = secondOf(record.createdon);
    const isNew = createdAt > watermark || (createdAt === watermark && !(id in state.seenAtWatermark));
    (isNew ? created : updated).push(record);
  }
  const seenAtWatermark: Record<string, string> = newest === watermark ? { ...state.seenAtWatermark } : {};
  for (const record of records) {
    if (secondOf(record.modifiedon) === newest) seenAtWatermark[idOf(record) ?? ""] = versionOf(record);
  }
  return { created, updated, state: { watermark: newest === -Infinity ? state.watermark : isoSecond(newest), seenAtWatermark } };
};
