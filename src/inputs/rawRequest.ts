import { inputs as httpInputs } from "@prismatic-io/spectral/dist/clients/http";
import type { RawRequestLabels } from "../client";
import { toIntegerInRange } from "./clean";
import { connectionInput } from "./entities";

const wholeNumber = (inputLabel: string, max: number) => (value: unknown) =>
  toIntegerInRange(value, inputLabel, { min: 0, max, fallback: 0 }) as number;

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
};
