/**
 * Duplicate detection (reference §7, §8): the Web API skips it unless a request sends
 * `MSCRM.SuppressDuplicateDetection: false`. The emulator has one published rule, accounts
 * with the same name (ignoring case), and answers a match with 412 `0x80040333`.
 */
import { DataverseFault } from "./faults";
import type { TableDefinition } from "./schema";
import type { Store, StoredRecord } from "./store";
import type { EmuRequest } from "./types";

const RULES: Record<string, string> = { account: "name" };

/** Refuses a write whose resulting record matches another record under a rule, when detection is asked for. */
export const checkDuplicates = (request: EmuRequest, store: Store, table: TableDefinition, record: StoredRecord, id?: string): void => {
  const column = RULES[table.logicalName];
  const value = record[column];
  if (request.headers["mscrm.suppressduplicatedetection"]?.toLowerCase() !== "false" || !column || typeof value !== "string") return;
  const duplicate = store
    .list(table)
    .find((other) => other[table.primaryIdAttribute] !== id && String(other[column] ?? "").toLowerCase() === value.toLowerCase());
  if (duplicate) {
    throw new DataverseFault(
      412,
      "0x80040333",
      "A record was not created or updated because a duplicate of the current record already exists.",
    );
  }
};
