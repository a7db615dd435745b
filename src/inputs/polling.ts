import { input } from "@prismatic-io/spectral";
import { toChoice } from "./choices";
import { InputError } from "../client";
import { toBoolean, toOptionalString } from "./clean";

const POLLING_MODES = ["Modified On", "Change Tracking"] as const;
export type PollingMode = (typeof POLLING_MODES)[number];

export const pollingMode = input({
  label: "Mode",
  type: "string",
  required: true,
  default: "Modified On",
  model: POLLING_MODES.map((mode) => ({ label: mode, value: mode })),
  comments:
    "Modified On works on every table and reports new and updated records. Change Tracking also reports deleted records; the table must have change tracking enabled.",
  clean: (value: unknown): PollingMode => toChoice(toOptionalString(value) ?? "Modified On", POLLING_MODES, "Mode"),
});

export const showNewRecords = input({
  label: "Show New Records",
  type: "boolean",
  required: false,
  default: "true",
  comments: "Report the records created since the last poll (under created).",
  clean: (value: unknown) => toBoolean(value, true),
});

export const showUpdatedRecords = input({
  label: "Show Updated Records",
  type: "boolean",
  required: false,
  default: "true",
  comments: "Report the records updated since the last poll (under updated).",
  clean: (value: unknown) => toBoolean(value, true),
});

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A calendar date (YYYY-MM-DD) not after today, as the midnight UTC it starts at. */
export const toLookBackDate = (value: unknown, now: Date = new Date()): string | undefined => {
  const text = toOptionalString(value);
  if (!text) return undefined;
  const match = DATE.exec(text);
  const start = match ? new Date(`${text}T00:00:00Z`) : undefined;
  if (!match || !start || Number.isNaN(start.getTime()) || start.toISOString().slice(0, 10) !== text) {
    throw new InputError("Look-back Date", `'${text}' is not a date: write it as YYYY-MM-DD, for example 2026-01-01.`);
  }
  if (start.getTime() > now.getTime()) {
    throw new InputError("Look-back Date", `'${text}' is in the future: give today or an earlier date.`);
  }
  return `${text}T00:00:00Z`;
};

export const lookBackDate = input({
  label: "Look-back Date",
  type: "string",
  required: false,
  example: "2026-01-01",
  comments:
    "The first poll reports the records changed since this date (YYYY-MM-DD, from midnight UTC) instead of starting from now, so a new flow can catch up. Later polls continue from where the previous one stopped.",
  clean: (value: unknown) => toLookBackDate(value),
});
