import { input } from "@prismatic-io/spectral";
import {
  BYPASS_BUSINESS_LOGIC,
  IMPERSONATE_BY,
  InputError,
  MAX_PAGE_SIZE,
  requireGuid,
  type BypassBusinessLogic,
  type ImpersonateBy,
  type RequestOptions,
} from "../client";
import { toChoice } from "./choices";
import { toBoolean, toIntegerInRange, toOptionalString } from "./clean";

export const impersonateUserId = input({
  label: "Impersonate User ID",
  type: "string",
  required: false,
  example: "00000000-0000-0000-0000-000000000000",
  comments:
    "Act as this user: a systemuserid, or an Entra ID object id when Impersonate By is CallerObjectId. The connection's user needs the Delegate role (prvActOnBehalfOfAnotherUser).",
  clean: (value: unknown) => {
    const text = toOptionalString(value);
    return text ? requireGuid(text, "Impersonate User ID") : undefined;
  },
});

export const impersonateBy = input({
  label: "Impersonate By",
  type: "string",
  required: false,
  default: "MSCRMCallerID",
  comments: "What Impersonate User ID is: a systemuserid (sent as MSCRMCallerID) or an Entra ID object id (sent as CallerObjectId).",
  model: [
    { label: "User ID (MSCRMCallerID)", value: "MSCRMCallerID" },
    { label: "Entra ID object ID (CallerObjectId)", value: "CallerObjectId" },
  ],
  clean: (value: unknown): ImpersonateBy => toChoice(toOptionalString(value) ?? "MSCRMCallerID", IMPERSONATE_BY, "Impersonate By"),
});

export const includeFormattedValues = input({
  label: "Include Formatted Values",
  type: "boolean",
  required: false,
  default: "false",
  comments:
    "Also return each value as the user sees it (choice labels, currency text, dates, a lookup's name) under <column>@OData.Community.Display.V1.FormattedValue, and the table a lookup points at.",
  clean: (value: unknown) => toBoolean(value),
});

const NO_BYPASS = "none";

export const bypassBusinessLogic = input({
  label: "Bypass Custom Business Logic",
  type: "string",
  required: false,
  default: NO_BYPASS,
  comments:
    "Skip custom synchronous plug-ins and real-time workflows, asynchronous ones, or both (MSCRM.BypassBusinessLogicExecution). The connection's user needs the prvBypassCustomBusinessLogic privilege.",
  model: [
    { label: "None", value: NO_BYPASS },
    { label: "Synchronous logic (CustomSync)", value: "CustomSync" },
    { label: "Asynchronous logic (CustomAsync)", value: "CustomAsync" },
    { label: "Both (CustomSync,CustomAsync)", value: "CustomSync,CustomAsync" },
  ],
  clean: (value: unknown): BypassBusinessLogic | undefined => {
    const text = (toOptionalString(value) ?? NO_BYPASS).replace(/\s+/g, "");
    if (text.toLowerCase() === NO_BYPASS) return undefined;
    // Both, in either order, are one value.
    const canonical = text.split(",").length === 2 && /customasync,customsync/i.test(text) ? "CustomSync,CustomAsync" : text;
    return toChoice(canonical, BYPASS_BUSINESS_LOGIC, "Bypass Custom Business Logic");
  },
});

export const detectDuplicates = input({
  label: "Detect Duplicates",
  type: "boolean",
  required: false,
  default: "false",
  comments:
    "Run the environment's duplicate-detection rules (the Web API skips them unless asked): a write matching a rule fails instead of creating or changing the record.",
  clean: (value: unknown) => toBoolean(value),
});

/** RFC 9110's entity-tag: visible ASCII but the quote, so no line break can start a header of its own (in a `$batch` part). */
const ETAG = /^(W\/)?"[\x21\x23-\x7e]+"$/;

/** An ETag as Dataverse gives it in `@odata.etag`: `W/"<version>"`, or a strong `"<version>"`. */
export const requireEtag = (value: unknown, inputLabel: string): string | undefined => {
  const text = toOptionalString(value);
  if (text && !ETAG.test(text)) {
    throw new InputError(
      inputLabel,
      `'${text}' is not an ETag: give the record's @odata.etag with its quotes, for example W/"12345678" (or "12345678").`,
    );
  }
  return text;
};

export const ifMatchEtag = input({
  label: "If Match ETag",
  type: "string",
  required: false,
  example: 'W/"12345678"',
  comments:
    "Write only if the record is unchanged since it was read: give the @odata.etag read with it. When it has changed since, the write fails with 412 and nothing is written.",
  clean: (value: unknown) => requireEtag(value, "If Match ETag"),
});

export const top = input({
  label: "Top",
  type: "string",
  required: false,
  example: "10",
  comments: `Return at most this many records (1 to ${MAX_PAGE_SIZE}), in one page: Records Per Page is then not sent, as Dataverse ignores $top beside a page size.`,
  clean: (value: unknown) => toIntegerInRange(value, "Top", { min: 1, max: MAX_PAGE_SIZE }),
});

/** List Associated Entities, and every other action's options start with these. */
export const impersonationInputs = { impersonateUserId, impersonateBy };

/** Reads: Get, Execute Function. */
export const readOptionInputs = { ...impersonationInputs, includeFormattedValues };
/** Query Entities and Query Entities by URL. */
export const queryOptionInputs = { top, ...readOptionInputs };
/** Writes without column values: Associate, Disassociate, Execute Action. */
export const writeOptionInputs = { ...impersonationInputs, bypassBusinessLogic };
/** Create and Batch Entity Actions. */
export const createOptionInputs = { ...writeOptionInputs, detectDuplicates };
/** Update and Upsert. */
export const updateOptionInputs = { ...createOptionInputs, ifMatchEtag };
export const deleteOptionInputs = { ...writeOptionInputs, ifMatchEtag };

/** The cleaned option inputs of an action's params, whichever of them it has. */
export const requestOptionsOf = (params: RequestOptions): RequestOptions => ({
  impersonateUserId: params.impersonateUserId,
  impersonateBy: params.impersonateBy,
  includeFormattedValues: params.includeFormattedValues,
  bypassBusinessLogic: params.bypassBusinessLogic,
  detectDuplicates: params.detectDuplicates,
  ifMatchEtag: params.ifMatchEtag,
  top: params.top,
});
