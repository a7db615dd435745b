import { util } from "@prismatic-io/spectral";
import { InputError } from "../client";

/** A value-list input as trimmed, non-empty strings (the UI sends undefined or [] when empty). */
export const toStringList = (value: unknown): string[] => {
  const items = Array.isArray(value) ? value : value === undefined || value === null || value === "" ? [] : [value];
  return items.map((item) => (typeof item === "string" ? item : util.types.toString(item)).trim()).filter(Boolean);
};

export const toOptionalString = (value: unknown): string | undefined => {
  const text = value === undefined || value === null ? "" : util.types.toString(value).trim();
  return text || undefined;
};

export const toBoolean = (value: unknown, defaultValue = false): boolean => util.types.toBool(value, defaultValue);

/**
 * JSON given as text (or bytes) parsed; a value the UI already parsed as it is; blank text
 * as undefined. Malformed JSON names the input, where the text went wrong and what to give
 * instead, rather than letting `JSON.parse`'s bare message through.
 */
export const parseJsonInput = (value: unknown, inputLabel: string, expected: string): unknown => {
  if (typeof value !== "string" && !Buffer.isBuffer(value)) {
    return value;
  }
  const text = value.toString().trim();
  if (!text) {
    return undefined;
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InputError(inputLabel, `is not valid JSON (${(error as Error).message}). Give ${expected}.`);
  }
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
  const text = value === undefined || value === null ? "" : String(value).trim();
  if (!text) {
    return fallback;
  }
  const number = Number(text);
  if (!Number.isInteger(number) || number < min || number > max) {
    throw new InputError(inputLabel, `'${text}' must be a whole number from ${min} to ${max}.`);
  }
  return number;
};
