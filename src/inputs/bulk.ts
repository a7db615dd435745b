import { input } from "@prismatic-io/spectral";
import { type BulkLabels, InputError, MAX_BATCH_SIZE, MAX_PARALLELISM, requireName } from "../client";
import { parseJsonInput, toIntegerInRange, toOptionalString } from "./clean";

const RECORDS = "Records";

export const bulkEntityType = input({
  label: "Entity Type",
  type: "string",
  required: true,
  placeholder: "accounts",
  example: "accounts",
  comments: "The entity set name of the table to write, usually a pluralized name",
  dataSource: "entityTypes",
  clean: (value: unknown) => requireName(value, "Entity Type", "entity set name"),
});

const kindOf = (value: unknown): string => (value === null ? "null" : typeof value);

const recordsInput = (comments: string, example: unknown[]) =>
  input({
    label: RECORDS,
    type: "code",
    language: "json",
    required: true,
    default: JSON.stringify(example, null, 2),
    comments,
    clean: (value: unknown): unknown[] => {
      const parsed = parseJsonInput(value, RECORDS, "a JSON array of records, as in the default");
      if (!Array.isArray(parsed) || !parsed.length) {
        const what = Array.isArray(parsed) ? "an empty array" : parsed === undefined ? "nothing" : kindOf(parsed);
        throw new InputError(RECORDS, `must be a non-empty JSON array of records, such as [{"name": "Contoso"}], not ${what}.`);
      }
      return parsed;
    },
  });

export const createRecords = recordsInput("A JSON array of records to create, each an object of column values.", [
  { name: "Contoso", accountnumber: "A-1001" },
  { name: "Fabrikam", accountnumber: "A-1002" },
]);

export const updateRecords = recordsInput(
  "A JSON array of records to update, each with its primary key column (for accounts: accountid) and the columns to change.",
  [{ accountid: "00000000-0000-0000-0000-000000000001", telephone1: "555-0100" }],
);

export const upsertRecords = recordsInput(
  `A JSON array of records to create or update, each naming its record in "@odata.id" by an alternate key, as accounts(accountnumber='A-1001'), or by its GUID, as accounts(00000000-0000-0000-0000-000000000001).`,
  [{ "@odata.id": "accounts(accountnumber='A-1001')", name: "Contoso" }],
);

export const batchSize = input({
  label: "Batch Size",
  type: "string",
  required: false,
  default: "100",
  comments: `Records per request, from 1 to ${MAX_BATCH_SIZE}. Dataverse suggests 100 to 1000 for small records without plug-ins.`,
  clean: (value: unknown) => toIntegerInRange(value, "Batch Size", { min: 1, max: MAX_BATCH_SIZE, fallback: 100 }) as number,
});

export const maxParallelism = input({
  label: "Max Parallelism",
  type: "string",
  required: false,
  comments: `Requests in flight at once, at most ${MAX_PARALLELISM}. Leave empty to use the degree Dataverse recommends (its x-ms-dop-hint).`,
  clean: (value: unknown) => toIntegerInRange(value, "Max Parallelism", { min: 1, max: MAX_PARALLELISM }),
});

export const startIndex = input({
  label: "Start Index",
  type: "string",
  required: false,
  default: "0",
  comments: "The position in Records to start from, from 0: give the nextIndex of an earlier run to resume it.",
  clean: (value: unknown) => toIntegerInRange(value, "Start Index", { min: 0, max: Number.MAX_SAFE_INTEGER, fallback: 0 }) as number,
});

export const maxDurationSeconds = input({
  label: "Max Duration Seconds",
  type: "string",
  required: false,
  default: "600",
  comments:
    "No new request starts once this many seconds would be passed; the requests under way finish. The output's nextIndex says where to resume.",
  clean: (value: unknown): number => {
    const text = toOptionalString(value) ?? "600";
    const seconds = Number(text);
    if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 86_400) {
      throw new InputError("Max Duration Seconds", `'${text}' must be a number of seconds above 0 and at most 86400.`);
    }
    return seconds;
  },
});

/** The inputs the client's bulk errors name. */
export const bulkLabels: BulkLabels = { entitySetName: bulkEntityType.label, records: RECORDS, startIndex: startIndex.label };
