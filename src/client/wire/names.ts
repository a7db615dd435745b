import { InputError } from "./errors";
import { odataString } from "./url";

/**
 * Dataverse names (entity set names, logical names, column names, navigation properties)
 * are SchemaName-derived: letters, digits and underscores, starting with a letter or an
 * underscore (lookup values read as `_parentaccountid_value`). Anything else would change
 * the meaning of the URL we build, so it is refused before a request is sent.
 */
const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
const GUID = /^\{?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\}?$/;

export const isName = (value: string): boolean => NAME.test(value);

export const requireName = (value: unknown, inputLabel: string, what = "name"): string => {
  const text = typeof value === "string" ? value.trim() : "";
  if (!text) {
    throw new InputError(inputLabel, `is required: give the ${what}, for example 'accounts'.`);
  }
  if (!isName(text)) {
    throw new InputError(
      inputLabel,
      `'${text}' is not a valid Dataverse ${what}: use letters, digits and underscores only (for example 'accounts' or 'new_projects').`,
    );
  }
  return text;
};

export const requireNames = (values: string[], inputLabel: string): string[] =>
  values.map((value) => requireName(value, inputLabel, "column name"));

/** Returns the GUID in the lower-case, brace-less form Dataverse uses in URLs, or undefined. */
export const normalizeGuid = (value: string): string | undefined => {
  const match = GUID.exec(value.trim());
  return match ? match[1].toLowerCase() : undefined;
};

export const requireGuid = (value: unknown, inputLabel: string): string => {
  const text = typeof value === "string" ? value.trim() : "";
  const guid = normalizeGuid(text);
  if (!guid) {
    throw new InputError(inputLabel, `'${text}' is not a GUID: use the form 00000000-0000-0000-0000-000000000000 (braces optional).`);
  }
  return guid;
};

/**
 * A quoted value is text, even when it looks like a GUID; a bare number keeps its digits as
 * written (`{ number: "007" }`), as a JS number would round long account numbers and drop
 * leading zeros; a bare GUID is a GUID literal, normalised (`{ guid: "25a17064-…" }`).
 */
export type AlternateKeyValue = string | { number: string } | { guid: string };

/**
 * The key of one record: its primary key GUID, or alternate key columns and values
 * (`accountnumber='A-1'`, several comma-separated).
 */
export type RecordKey = { kind: "id"; id: string } | { kind: "alternateKey"; values: Record<string, AlternateKeyValue> };

/** An OData integer or decimal literal, put into the URL unquoted. */
const NUMBER = /^-?\d+(\.\d+)?$/;

/**
 * Reads `name='text',other=12` into key columns. A quoted value runs to the quote that is
 * followed by the end or by `,nextname=`, so a value may itself contain quotes and commas
 * (`lastname='O'Brien, Jr'`); its text is taken literally and escaped when the URL is built.
 */
const parseAlternateKey = (text: string, inputLabel: string): Record<string, AlternateKeyValue> => {
  // No prototype, so a column named like an Object property (`constructor`) is a column like any other.
  const values: Record<string, AlternateKeyValue> = Object.create(null);
  let rest = text;
  while (rest.length) {
    const eq = rest.indexOf("=");
    const column = rest.slice(0, eq).trim();
    if (eq < 1 || !isName(column)) {
      throw new InputError(
        inputLabel,
        `'${text}' is neither a GUID nor an alternate key: use a GUID, or column='value' pairs such as accountnumber='A-1'.`,
      );
    }
    let raw = rest.slice(eq + 1).trimStart();
    let value: AlternateKeyValue;
    if (raw.startsWith("'")) {
      const closing = /'\s*(,\s*[A-Za-z_][A-Za-z0-9_]*\s*=|$)/g;
      closing.lastIndex = 1;
      const match = closing.exec(raw);
      if (!match) {
        throw new InputError(inputLabel, `the value of '${column}' has no closing quote.`);
      }
      value = raw.slice(1, match.index);
      raw = raw.slice(match.index + 1).trimStart();
    } else {
      const comma = raw.indexOf(",");
      const bare = (comma < 0 ? raw : raw.slice(0, comma)).trim();
      const guid = normalizeGuid(bare);
      value = guid ? { guid } : NUMBER.test(bare) ? { number: bare } : bare;
      raw = comma < 0 ? "" : raw.slice(comma);
    }
    if (value === "") {
      throw new InputError(inputLabel, `the alternate key column '${column}' has an empty value.`);
    }
    if (column in values) {
      throw new InputError(inputLabel, `the alternate key column '${column}' is given twice: give each column of the key once.`);
    }
    values[column] = value;
    rest = raw.startsWith(",") ? raw.slice(1).trimStart() : raw;
  }
  return values;
};

export const parseRecordKey = (value: unknown, inputLabel: string): RecordKey => {
  const text = typeof value === "string" ? value.trim() : typeof value === "number" ? String(value) : "";
  if (!text) {
    throw new InputError(inputLabel, "is required: give the record's GUID or an alternate key such as accountnumber='A-1'.");
  }
  const guid = normalizeGuid(text);
  if (guid) {
    return { kind: "id", id: guid };
  }
  if (!text.includes("=")) {
    throw new InputError(
      inputLabel,
      `'${text}' is neither a GUID nor an alternate key: use a GUID, or column='value' pairs such as accountnumber='A-1'.`,
    );
  }
  return { kind: "alternateKey", values: parseAlternateKey(text, inputLabel) };
};

/** A number or GUID literal as it is; text quoted, as OData string literals are, with a quote inside doubled. */
const keyLiteral = (value: AlternateKeyValue): string => {
  if (typeof value !== "string") {
    return "number" in value ? value.number : value.guid;
  }
  // encodeURIComponent leaves the quotes as they are.
  return encodeURIComponent(odataString(value));
};

/**
 * An id key goes into the URL as it is, so anything but a GUID could change which record
 * the URL names (`x)/../accounts(<guid>` normalises to an account). Ids also come from
 * stored trigger state and from responses, not only from parseRecordKey, so they are checked here.
 */
const recordId = (entitySetName: string, id: unknown): string => {
  const guid = typeof id === "string" ? normalizeGuid(id) : undefined;
  if (!guid) {
    throw new InputError(
      "Record ID",
      `'${String(id).slice(0, 80)}' is not a GUID, so it cannot name a record of ${entitySetName}: a record id has the form 00000000-0000-0000-0000-000000000000.`,
    );
  }
  return guid;
};

/** `accounts(<guid>)` or `accounts(accountnumber='A-1')`, URL-safe. */
export const recordPath = (entitySetName: string, key: RecordKey): string => {
  if (key.kind === "id") {
    return `${entitySetName}(${recordId(entitySetName, key.id)})`;
  }
  const parts = Object.entries(key.values).map(([column, value]) => `${column}=${keyLiteral(value)}`);
  return `${entitySetName}(${parts.join(",")})`;
};

export const describeRecordKey = (key: RecordKey): string =>
  key.kind === "id"
    ? key.id
    : Object.entries(key.values)
        .map(([column, value]) => `${column}=${typeof value === "string" ? `'${value}'` : keyLiteral(value)}`)
        .join(",");
