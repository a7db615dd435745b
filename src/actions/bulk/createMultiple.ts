import { action } from "@prismatic-io/spectral";
import { createRecords } from "../../inputs/bulk";
import { bulkInputs, exampleBulkResult, performBulk } from "./perform";

export const createMultiple = action({
  display: {
    label: "[CRM] Create Multiple Records",
    description: "Create many records of one table with CreateMultiple, in parallel chunks, reporting each record's outcome.",
  },
  inputs: bulkInputs(createRecords),
  perform: (context, params) => performBulk(context, "CreateMultiple", params),
  examplePayload: exampleBulkResult("CreateMultiple", "Created"),
});
