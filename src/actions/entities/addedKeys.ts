/**
 * Keys the record actions add beside the record's own columns. A column's logical name holds
 * only letters, digits and underscores, so a key that starts with `@` can never be a column;
 * Dataverse's own annotations use the `odata.`, `Microsoft.` and `OData.` namespaces, never
 * `component.`, so these cannot meet one of them either.
 */
export const RECORD_ID = "@component.id";
export const RECORD_CREATED = "@component.created";

export type WrittenRecordOutput = Record<string, unknown> & { [RECORD_ID]: string | null };

/** The record's columns as Dataverse returned them, with its id under RECORD_ID. */
export const withRecordId = (record: Record<string, unknown> | undefined, id: string | undefined): WrittenRecordOutput => ({
  ...record,
  [RECORD_ID]: id ?? null,
});
