import type { KeyValuePair } from "@prismatic-io/spectral";
import { inputs as httpInputs } from "@prismatic-io/spectral/dist/clients/http";
import { InputError, type RawRequestLabels } from "../client";
import { toIntegerInRange } from "./clean";
import { connectionInput } from "./entities";

const wholeNumber = (inputLabel: string, max: number) => (value: unknown) =>
  toIntegerInRange(value, inputLabel, { min: 0, max, fallback: 0 }) as number;

/** An HTTP header name is a token (RFC 9110 §5.1). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/**
 * HTTP allows visible characters, spaces, tabs and Latin-1 in a value (RFC 9110 §5.5); the HTTP
 * client silently drops anything else (a line break, a NUL, an emoji), so what was sent would not be
 * what was given.
 */
const NOT_SENDABLE = /[^\t\u0020-\u007e\u0080-\u00ff]/u;

/** Header pairs as given, or an error naming the header that cannot be sent as written. */
const checkHeaders = (value: unknown): KeyValuePair<unknown>[] => {
  const pairs = Array.isArray(value) ? (value as KeyValuePair<unknown>[]) : [];
  for (const pair of pairs) {
    const name = typeof pair?.key === "string" ? pair.key.trim() : "";
    if (name && !HEADER_NAME.test(name)) {
      throw new InputError("Header", `'${name.slice(0, 80)}' is not a header name: use letters, digits and - only (for example Prefer).`);
    }
    if (name && typeof pair.value === "string" && NOT_SENDABLE.test(pair.value)) {
      throw new InputError(
        "Header",
        `the value of '${name}' contains a line break, a control character or a character outside Latin-1, which a header cannot carry: remove it, or percent-encode the value.`,
      );
    }
  }
  return pairs;
};

/**
 * Spectral's raw-request inputs with the labels, comments and defaults of the existing
 * component's page; the numbers are refused with the input's name instead of coerced.
 */
export const rawRequestInputs = {
  connection: connectionInput,
  ...httpInputs,
  url: {
    ...httpInputs.url,
    placeholder: "/api/data/v9.2/accounts?$select=name",
    example: "/api/data/v9.2/accounts?$select=name",
    comments:
      "Input the path only (/api/data/v9.2/accounts?$select=name), The base URL is already included (https://my-org.api.crm.dynamics.com). For example, to connect to https://my-org.api.crm.dynamics.com/api/data/v9.2/accounts?$select=name, only /api/data/v9.2/accounts?$select=name is entered in this field.",
  },
  headers: { ...httpInputs.headers, clean: checkHeaders },
  timeout: { ...httpInputs.timeout, clean: wholeNumber("Timeout", 600_000) },
  debugRequest: { ...httpInputs.debugRequest, default: "false" },
  retryDelayMS: { ...httpInputs.retryDelayMS, clean: wholeNumber("Retry Delay (ms)", 600_000) },
  maxRetries: { ...httpInputs.maxRetries, clean: wholeNumber("Max Retry Count", 10) },
};

/** The inputs the client's Raw Request errors name. */
export const rawRequestLabels: RawRequestLabels = {
  url: httpInputs.url.label,
  data: httpInputs.data.label,
  formData: httpInputs.formData.label,
  fileData: httpInputs.fileData.label,
  queryParams: httpInputs.queryParams.label,
};
