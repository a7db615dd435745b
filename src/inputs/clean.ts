import { util } from "@prismatic-io/spectral";
import { InputError } from "../client";

/**
 * Any value as text. An object from an earlier step may have a `toString` that is not a
 * function (`{"toString": "x"}`), which makes the usual conversion throw a bare TypeError;
 * such a value becomes its JSON, for the input's own check to judge.
 */
const textOf = (value: unknown): string => {
  if (typeof value === "string") return value;
  try {
    return util.types.toString(value);
  } catch {
    return JSON.stringify(value) ?? "";
  }
};

/** A value-list input as trimmed, non-empty strings (the UI sends undefined or [] when empty). */
export const toStringList = (value: unknown): string[] => {
  const items = Array.isArray(value) ? value : value === undefined || value === null || value === "" ? [] : [value];
  return items.map((item) => textOf(item).trim()).filter(Boolean);
};

export const toOptionalString = (value: unknown): string | undefined => {
  const text = value === undefined || value === null ? "" : textOf(value).trim();
  return text || undefined;
};

export const toBoolean = (value: unknown, defaultValue = false): boolean => util.types.toBool(value, defaultValue);

/** Names that reach an object's prototype rather than become a property: assigned, they vanish or change the object. */
const PROTOTYPE_KEYS = new Set(["__proto__", "constructor", "prototype"]);

/** Refuses a prototype name as a key (a Field Value's name), naming the input, rather than drop it silently. */
export const refusePrototypeKey = (key: string, inputLabel: string, where = ""): void => {
  if (PROTOTYPE_KEYS.has(key)) {
    throw new InputError(
      inputLabel,
      `'${key}'${where} cannot be used as a name (no column is called that): remove it or use the column's logical name.`,
    );
  }
};

/** The same check at every level of a JSON value (a nested record, a batch operation's data). */
const refusePrototypeKeys = (value: unknown, inputLabel: string, path: string, seen: Set<object>): void => {
  if (typeof value !== "object" || value === null || seen.has(value)) return;
  seen.add(value);
  for (const [key, item] of Object.entries(value)) {
    const at = Array.isArray(value) ? `${path}[${key}]` : path ? `${path}.${key}` : key;
    if (!Array.isArray(value)) refusePrototypeKey(key, inputLabel, path ? ` (at ${path})` : "");
    refusePrototypeKeys(item, inputLabel, at, seen);
  }
};

const parseJsonText = (text: string, inputLabel: string, expected: string): unknown => {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InputError(inputLabel, `is not valid JSON (${(error as Error).message}). Give ${expected}.`);
  }
};

/**
 * JSON given as text (or bytes) parsed; a value the UI already parsed as it is; blank text
 * as undefined. Malformed JSON names the input, where the text went wrong and what to give
 * instead, rather than letting `JSON.parse`'s bare message through. A `__proto__`,
 * `constructor` or `prototype` key at any level is refused the same way.
 */
export const parseJsonInput = (value: unknown, inputLabel: string, expected: string): unknown => {
  const text = typeof value === "string" || Buffer.isBuffer(value) ? value.toString().trim() : undefined;
  if (text === "") {
    return undefined;
  }
  const parsed = text === undefined ? value : parseJsonText(text, inputLabel, expected);
  refusePrototypeKeys(parsed, inputLabel, "", new Set());
  return parsed;
};

/** A JSON object given as an object or as JSON text; undefined when blank. */
export const toJsonObject = (value: unknown, inputLabel: string): Record<string, unknown> | undefined => {
  if (value === undefined || value === null) {
    return undefined;
  }
  const parsed = parseJsonInput(value, inputLabel, 'a JSON object such as {"name": "Contoso"}');
  if (parsed === undefined) {
    return undefined;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new InputError(
      inputLabel,
      `must be a JSON object such as {"name": "Contoso"}, not ${Array.isArray(parsed) ? "an array" : typeof parsed}.`,
    );
  }
  return parsed as Record<string, unknown>;
};

/** Whole numbers only: `"12abc"` or `1.5` is an error, not a silent 12 or 1. */
export const toIntegerInRange = (
  value: unknown,
  inputLabel: string,
  { min, max, fallback }: { min: number; max: number; fallback?: number },
): number | undefined => {
  const text = value === undefined || value === null ? "" : textOf(value).trim();
  if (!text) {
    return fallback;
  }
  const number = Number(text);
  if (!Number.isInteger(number) || number < min || number > max) {
    throw new InputError(inputLabel, `'${text}' must be a whole number from ${min} to ${max}.`);
  }
  return number;
};
