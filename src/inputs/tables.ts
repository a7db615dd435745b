/** Inputs of the table-listing actions (List Entity Types, List Entities, List Attributes) and the table pickers. */
import { input } from "@prismatic-io/spectral";
import { MAX_PAGE_SIZE } from "../client";
import { toBoolean, toIntegerInRange, toOptionalString } from "./clean";

export const maxPageSize = input({
  label: "Max Page Size",
  type: "string",
  required: false,
  default: "5000",
  example: "500",
  comments: "The most entity types per page (sent as Prefer: odata.maxpagesize), 1 to 5000. Dataverse usually sends them all at once.",
  clean: (value: unknown) => toIntegerInRange(value, "Max Page Size", { min: 1, max: MAX_PAGE_SIZE }),
});

export const nextLink = input({
  label: "Next Link",
  type: "string",
  required: false,
  comments: "The nextLink of the previous page, to read the page after it. Leave blank for the first page.",
  clean: toOptionalString,
});

export const fetchAllEntityTypes = input({
  label: "Fetch All",
  type: "boolean",
  required: false,
  default: "false",
  comments: "Follow every next link and return all entity types at once; Next Link is then ignored.",
  clean: (value: unknown) => toBoolean(value),
});

export const includeCustom = input({
  label: "Include Custom Entities",
  type: "boolean",
  required: false,
  default: "true",
  comments: "When false, custom tables (IsCustomEntity) are left out.",
  clean: (value: unknown) => toBoolean(value, true),
});

export const includeOnlyTopLevel = input({
  label: "Top Level Only",
  type: "boolean",
  required: false,
  default: "false",
  comments: "When true, child tables (IsChildEntity, such as activity parties) are left out.",
  clean: (value: unknown) => toBoolean(value),
});

export const includeEntityDetails = input({
  label: "Include Entity Details",
  type: "boolean",
  required: false,
  default: "false",
  comments:
    "Also return each table's description, ownership type, activity, business process, Advanced Find and queue settings, color and icon names.",
  clean: (value: unknown) => toBoolean(value),
});

export const includeAttributeDetails = input({
  label: "Include Entity Details",
  type: "boolean",
  required: false,
  default: "false",
  comments: "Also return each column's schema name and its field security, auditing and Advanced Find settings.",
  clean: (value: unknown) => toBoolean(value),
});
