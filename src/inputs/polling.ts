import { input } from "@prismatic-io/spectral";
import { toChoice } from "./choices";
import { toOptionalString } from "./clean";

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
