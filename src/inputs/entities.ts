import { input } from "@prismatic-io/spectral";
import { InputError, parseRecordKey, requireName, requireNames } from "../client";
import { refusePrototypeKey, toJsonObject, toStringList } from "./clean";

export const connectionInput = input({
  label: "Connection",
  type: "connection",
  required: true,
  comments: "The Microsoft Dynamics 365 connection to use (Auth Code or Client Credentials).",
});

export const entityType = input({
  label: "Entity Type",
  type: "string",
  required: true,
  placeholder: "accounts",
  example: "accounts",
  comments: "The type of Entity to query, usually a pluralized name",
  dataSource: "entityTypes",
  clean: (value: unknown) => requireName(value, "Entity Type", "entity set name"),
});

export const entityId = input({
  label: "Entity ID",
  type: "string",
  required: true,
  placeholder: "00000000-0000-0000-0000-000000000000",
  example: "00000000-0000-0000-0000-000000000000",
  comments: "The ID of a specific Entity record",
  clean: (value: unknown) => parseRecordKey(value, "Entity ID"),
});

export const fieldNames = input({
  label: "Field Name",
  type: "string",
  collection: "valuelist",
  required: false,
  example: "name",
  comments: "The names of the fields to retrieve",
  clean: (value: unknown) => requireNames(toStringList(value), "Field Name"),
});

/** A navigation property, optionally with its own query options: `primarycontactid($select=fullname)`. */
const EXPAND = /^[A-Za-z_][A-Za-z0-9_]*(\(.*\))?$/;

export const expandPropertyNames = input({
  label: "Expand Property Name",
  type: "string",
  collection: "valuelist",
  required: false,
  example: "primarycontactid($select=fullname)",
  comments: "The names of entity properties to linked entities that should be included",
  clean: (value: unknown) =>
    toStringList(value).map((name) => {
      if (!EXPAND.test(name)) {
        throw new InputError(
          "Expand Property Name",
          `'${name}' is not a navigation property: use a name such as primarycontactid, optionally with options in parentheses: primarycontactid($select=fullname).`,
        );
      }
      return name;
    }),
});

/** A column, a lookup bind (`parentcustomerid_account@odata.bind`) or an annotation (`@odata.type`). */
const BODY_KEY = /^(@odata\.[A-Za-z]+|[A-Za-z_][A-Za-z0-9_]*(@[A-Za-z][A-Za-z0-9.]*)?)$/;

const checkBodyKeys = (record: Record<string, unknown>, inputLabel: string): Record<string, unknown> => {
  for (const key of Object.keys(record)) {
    if (!BODY_KEY.test(key)) {
      throw new InputError(
        inputLabel,
        `'${key}' is not a column name: use a logical column name such as 'name', or a lookup bind such as 'parentcustomerid_account@odata.bind'.`,
      );
    }
  }
  return record;
};

export const fieldValues = input({
  label: "Field Value",
  type: "string",
  collection: "keyvaluelist",
  required: false,
  comments: "The names of the fields and their values to use when creating/updating a record",
  clean: (value: unknown) => {
    const pairs = Array.isArray(value) ? (value as { key?: unknown; value?: unknown }[]) : [];
    const record: Record<string, unknown> = {};
    for (const pair of pairs) {
      const key = typeof pair?.key === "string" ? pair.key.trim() : "";
      refusePrototypeKey(key, "Field Value");
      if (key) {
        record[key] = pair.value;
      }
    }
    return checkBodyKeys(record, "Field Value");
  },
});

export const dynamicValues = input({
  label: "Dynamic Values",
  type: "data",
  required: false,
  comments:
    "A JSON object of column values, usually mapped from an earlier step; it wins over Field Value on a clash. Use it for numbers, booleans, null and lookups ('parentcustomerid_account@odata.bind': '/accounts(<id>)').",
  clean: (value: unknown) => checkBodyKeys(toJsonObject(value, "Dynamic Values") ?? {}, "Dynamic Values"),
});

/** Dynamic values win on a clash: they are usually mapped from an earlier step. */
export const mergeRecordValues = (fields: Record<string, unknown>, dynamic: Record<string, unknown>): Record<string, unknown> => {
  const record = { ...fields, ...dynamic };
  if (!Object.keys(record).length) {
    throw new InputError("Field Value", "no fields were given: add at least one Field Value or Dynamic Values entry.");
  }
  return record;
};
