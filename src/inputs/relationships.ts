import { input } from "@prismatic-io/spectral";
import { InputError, parseRecordKey, requireGuid, requireName, type NavigationKind } from "../client";
import { toOptionalString } from "./clean";

export const navigationProperty = input({
  label: "Navigation Property",
  type: "string",
  required: true,
  placeholder: "contact_customer_accounts",
  example: "contact_customer_accounts",
  comments:
    "The navigation property of the Entity record that names the relationship: collection-valued, for 1:N (contact_customer_accounts) or N:N (accountleads_association), or single-valued, for a lookup (parentcustomerid_account)",
  clean: (value: unknown) => requireName(value, "Navigation Property", "navigation property name"),
});

export const navigationKind = input({
  label: "Navigation Property Type",
  type: "string",
  required: true,
  default: "collection",
  comments:
    "Collection-valued (1:N and N:N) adds the related record to the collection; single-valued (N:1 lookup) replaces the lookup's value",
  model: [
    { label: "Collection-valued (1:N, N:N)", value: "collection" },
    { label: "Single-valued (lookup)", value: "single" },
  ],
  clean: (value: unknown): NavigationKind => {
    const kind = toOptionalString(value) ?? "collection";
    if (kind !== "collection" && kind !== "single") {
      throw new InputError("Navigation Property Type", `'${kind}' is not a navigation property type: use 'collection' or 'single'.`);
    }
    return kind;
  },
});

export const relatedEntityType = input({
  label: "Related Entity Type",
  type: "string",
  required: true,
  placeholder: "contacts",
  example: "contacts",
  comments: "The type of the Entity record to associate, usually a pluralized name",
  dataSource: "entityTypes",
  clean: (value: unknown) => requireName(value, "Related Entity Type", "entity set name"),
});

export const relatedEntityId = input({
  label: "Related Entity ID",
  type: "string",
  required: true,
  placeholder: "00000000-0000-0000-0000-000000000000",
  example: "00000000-0000-0000-0000-000000000000",
  comments: "The ID of the Entity record to associate",
  clean: (value: unknown) => parseRecordKey(value, "Related Entity ID"),
});

/** Dataverse addresses a member of a collection-valued navigation property by its GUID only. */
export const disassociatedEntityId = input({
  label: "Related Entity ID",
  type: "string",
  required: false,
  placeholder: "00000000-0000-0000-0000-000000000000",
  example: "00000000-0000-0000-0000-000000000000",
  comments:
    "The ID of the Entity record to remove from a collection-valued navigation property. Leave empty to clear a single-valued navigation property",
  clean: (value: unknown) => {
    const text = toOptionalString(value);
    return text ? requireGuid(text, "Related Entity ID") : undefined;
  },
});
