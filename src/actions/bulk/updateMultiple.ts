import { action } from "@prismatic-io/spectral";
import { updateRecords } from "../../inputs/bulk";
import { bulkInputs, exampleBulkResult, performBulk } from "./perform";

export const updateMultiple = action({
  display: {
    label: "[CRM] Update Multiple Records",
    description: "Update many records of one table with UpdateMultiple, in parallel chunks, reporting each record's outcome.",
  },
  inputs: bulkInputs(updateRecords),
  perform: (context, params) => performBulk(context, "UpdateMultiple", params),
  examplePayload: exampleBulkResult("UpdateMultiple", "Updated"),
});
