import { input } from "@prismatic-io/spectral";
import { type FetchXmlPageLabels, InputError, parseFetchXml, requireGuid } from "../client";
import { toBoolean, toIntegerInRange, toOptionalString } from "./clean";
import { fetchAllTooMany, nextPageId } from "./queries";

export const xmlQuery = input({
  label: "XML Query",
  type: "code",
  language: "xml",
  required: true,
  example: '<fetch count="50"><entity name="account"><attribute name="name" /><order attribute="name" /></entity></fetch>',
  comments: "An XML query string to use as a Fetch query in Microsoft Dynamics 365",
  clean: (value: unknown) => parseFetchXml(toOptionalString(value) ?? "", "XML Query"),
});

/** `*`, or annotation names such as `OData.Community.Display.V1.FormattedValue` or `Microsoft.Dynamics.CRM.*`. */
const ANNOTATION = /^(\*|[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*(\.\*)?)$/;

export const includeAnnotations = input({
  label: "Include Annotations",
  type: "string",
  required: false,
  example: "OData.Community.Display.V1.FormattedValue",
  comments: "Specifies annotations to include with the result",
  clean: (value: unknown): string[] =>
    (toOptionalString(value) ?? "")
      .split(",")
      .map((name) => name.trim().replace(/^"|"$/g, ""))
      .filter(Boolean)
      .map((name) => {
        if (!ANNOTATION.test(name)) {
          throw new InputError(
            "Include Annotations",
            `'${name}' is not an annotation name: give * or comma-separated names such as OData.Community.Display.V1.FormattedValue,Microsoft.Dynamics.CRM.lookuplogicalname.`,
          );
        }
        return name;
      }),
});

export const pageNumber = input({
  label: "Page Number",
  type: "string",
  required: false,
  example: "2",
  comments: "The page number to request",
  clean: (value: unknown) => toIntegerInRange(value, "Page Number", { min: 1, max: 1_000_000 }),
});

export const impersonateUserId = input({
  label: "Impersonate User Id",
  type: "string",
  required: false,
  example: "a1b2c3d4-0000-4000-8000-00000000a002",
  comments: "Specifies the GUID of a user to impersonate when executing the query",
  clean: (value: unknown) => {
    const text = toOptionalString(value);
    return text ? requireGuid(text, "Impersonate User Id") : undefined;
  },
});

export const fetchAllPages = input({
  label: "Fetch All",
  type: "boolean",
  required: false,
  default: "false",
  comments:
    "Follow every page and return all records at once (up to 100,000). Page Number and Next Page Id are then ignored; the page size is the query's count, or 5000.",
  clean: (value: unknown) => toBoolean(value),
});

/** The inputs Run Fetch XML Query pages with, which the client's paging errors name. */
export const fetchXmlPageLabels: FetchXmlPageLabels = { pageNumber: pageNumber.label, nextPageId: nextPageId.label };

/** Fetch All's errors for a FetchXML query, naming the inputs that page instead. */
export const fetchXmlFetchAllLimits = {
  tooMany: fetchAllTooMany("Page Number and Next Page Id"),
  pastSimplePaging: (rows: number) =>
    new InputError(
      "Fetch All",
      `Dataverse returned no paging cookie for this query (it gives none for some queries, such as one ordered on a link-entity column), and without one it pages only through the first ${rows} rows, which this query has more than: order by columns of the primary entity only, so Dataverse returns paging cookies, or narrow the filter.`,
    ),
};
