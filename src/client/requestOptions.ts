import type { DataverseRequest } from "./wire/http";

/** Reference §8: `MSCRMCallerID` takes a systemuserid, `CallerObjectId` an Entra ID object id. */
export const IMPERSONATE_BY = ["MSCRMCallerID", "CallerObjectId"] as const;
export type ImpersonateBy = (typeof IMPERSONATE_BY)[number];

export const BYPASS_BUSINESS_LOGIC = ["CustomSync", "CustomAsync", "CustomSync,CustomAsync"] as const;
export type BypassBusinessLogic = (typeof BYPASS_BUSINESS_LOGIC)[number];

/** What the formatted-values option asks for: labels and names, and what a lookup points at (beyond §7). */
export const FORMATTED_VALUE_ANNOTATIONS = [
  "OData.Community.Display.V1.FormattedValue",
  "Microsoft.Dynamics.CRM.lookuplogicalname",
  "Microsoft.Dynamics.CRM.associatednavigationproperty",
];

/** Per-request options Dataverse reads from headers (reference §1.3, §1.4, §8), and `$top`. */
export interface RequestOptions {
  impersonateUserId?: string;
  /** Which header carries `impersonateUserId`; MSCRMCallerID when not given. */
  impersonateBy?: ImpersonateBy;
  includeFormattedValues?: boolean;
  bypassBusinessLogic?: BypassBusinessLogic;
  /** Sends `MSCRM.SuppressDuplicateDetection: false`: the Web API skips duplicate detection unless asked. */
  detectDuplicates?: boolean;
  /** Replaces `If-Match: *` (or adds it to an upsert), so a record changed since it was read is refused with 412. */
  ifMatchEtag?: string;
  top?: number;
}

type OptionTarget = Pick<DataverseRequest, "headers" | "prefer" | "query">;

const INCLUDE_ANNOTATIONS = "odata.include-annotations=";

const annotationsOf = (preference: string): string[] =>
  preference
    .slice(INCLUDE_ANNOTATIONS.length)
    .replace(/^"|"$/g, "")
    .split(",")
    .map((name) => name.trim())
    .filter(Boolean);

/** One `odata.include-annotations` preference holding what was already asked for and the formatted-value annotations. */
const withAnnotations = (prefer: string[]): string[] => {
  const existing = prefer.find((preference) => preference.startsWith(INCLUDE_ANNOTATIONS));
  const asked = existing ? annotationsOf(existing) : [];
  const names = asked.includes("*") ? ["*"] : [...new Set([...asked, ...FORMATTED_VALUE_ANNOTATIONS])];
  const merged = `${INCLUDE_ANNOTATIONS}"${names.join(",")}"`;
  return existing ? prefer.map((preference) => (preference === existing ? merged : preference)) : [...prefer, merged];
};

/** The headers the options add; a `$batch` part carries them too. */
export const requestOptionHeaders = (options: RequestOptions = {}): Record<string, string> => {
  const headers: Record<string, string> = {};
  if (options.impersonateUserId) headers[options.impersonateBy ?? "MSCRMCallerID"] = options.impersonateUserId;
  if (options.bypassBusinessLogic) headers["MSCRM.BypassBusinessLogicExecution"] = options.bypassBusinessLogic;
  if (options.detectDuplicates) headers["MSCRM.SuppressDuplicateDetection"] = "false";
  if (options.ifMatchEtag) headers["If-Match"] = options.ifMatchEtag;
  return headers;
};

/**
 * A request with the options applied: their headers (an ETag replacing `If-Match: *`), the
 * formatted-value annotations merged into the one `Prefer` header, and `$top`.
 */
export function withRequestOptions(request: DataverseRequest, options?: RequestOptions): DataverseRequest;
export function withRequestOptions<T extends OptionTarget>(request: T, options?: RequestOptions): T;
export function withRequestOptions<T extends OptionTarget>(request: T, options: RequestOptions = {}): T {
  const prefer = request.prefer ?? [];
  // Object.assign, not a spread with keys after it, which V8 builds several times slower: a `$batch` part is built with this.
  return Object.assign({}, request, {
    headers: { ...request.headers, ...requestOptionHeaders(options) },
    prefer: options.includeFormattedValues ? withAnnotations(prefer) : prefer,
    query: options.top === undefined ? request.query : { ...request.query, $top: options.top },
  });
}
