import { action } from "@prismatic-io/spectral";
import { upsertRecords } from "../../inputs/bulk";
import { bulkInputs, exampleBulkResult, performBulk } from "./perform";

export const upsertMultiple = action({
  display: {
    label: "[CRM] Upsert Multiple Records",
    description: "Create or update many records of one table with UpsertMultiple, in parallel chunks, reporting each record's outcome.",
  },
  inputs: bulkInputs(upsertRecords),
  perform: (context, params) => performBulk(context, "UpsertMultiple", params),
  examplePayload: exampleBulkResult("UpsertMultiple", "Upserted"),
});
