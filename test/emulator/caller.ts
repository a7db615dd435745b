/**
 * Who a request acts as (reference §8). `MSCRMCallerID: <systemuserid>` or
 * `CallerObjectId: <Entra object id>` makes the named user the acting user for the request:
 * records it writes are created and modified by that user, on behalf of the connection's
 * own user (createdonbehalfby / modifiedonbehalfby). An id that names no user is refused.
 * `MSCRM.BypassBusinessLogicExecution` is accepted with the values Dataverse documents; the
 * emulator runs no custom logic, so it has no other effect (the request log shows it).
 * [emu] The status and code for an unknown user: 404 0x80040217, as for any missing record.
 */
import { badRequest, DataverseFault } from "./faults";
import type { TableDefinition } from "./schema";
import type { Store, StoredRecord } from "./store";
import type { EmuRequest } from "./types";

const BYPASS_VALUES = ["CustomSync", "CustomAsync", "CustomSync,CustomAsync"];

const unknownUser = (header: string, id: string): DataverseFault =>
  new DataverseFault(404, "0x80040217", `Entity 'systemuser' With ${header} = ${id} Does Not Exist`);

const impersonatedUser = (request: EmuRequest, store: Store): string | undefined => {
  const users = store.byLogicalName("systemuser");
  const callerId = request.headers.mscrmcallerid?.trim().toLowerCase();
  const objectId = request.headers.callerobjectid?.trim().toLowerCase();
  if (!users || (!callerId && !objectId)) return undefined;
  if (callerId) {
    if (!store.find(users, callerId)) throw unknownUser("Id", callerId);
    return callerId;
  }
  const user = store.list(users).find((candidate) => String(candidate.azureactivedirectoryobjectid ?? "").toLowerCase() === objectId);
  if (!user) throw unknownUser("azureactivedirectoryobjectid", objectId ?? "");
  return user.systemuserid as string;
};

const checkBypass = (request: EmuRequest): void => {
  const bypass = request.headers["mscrm.bypassbusinesslogicexecution"];
  if (bypass !== undefined && !BYPASS_VALUES.includes(bypass.replace(/\s+/g, ""))) {
    throw badRequest(`'${bypass}' is not a valid value for MSCRM.BypassBusinessLogicExecution: use ${BYPASS_VALUES.join(", ")}.`);
  }
};

/** Runs the request as the user its headers name; the store's acting user is restored after. */
export const actingAs = async <T>(request: EmuRequest, store: Store, work: () => Promise<T>): Promise<T> => {
  checkBypass(request);
  const userId = impersonatedUser(request, store);
  if (!userId) return work();
  const caller = store.currentUserId;
  const onBehalfOf = store.onBehalfOfUserId;
  store.currentUserId = userId;
  store.onBehalfOfUserId = onBehalfOf ?? caller;
  try {
    return await work();
  } finally {
    store.currentUserId = caller;
    store.onBehalfOfUserId = onBehalfOf;
  }
};

/** The audit lookups a write sets, for the tables that have them. */
export const auditValues = (table: TableDefinition, store: Store, created: boolean): StoredRecord => {
  if (!table.attributes.some((attribute) => attribute.logicalName === "modifiedby")) return {};
  const user = store.currentUserId || null;
  const delegate = store.onBehalfOfUserId ?? null;
  const modified = { _modifiedby_value: user, _modifiedonbehalfby_value: delegate };
  return created ? { ...modified, _createdby_value: user, _createdonbehalfby_value: delegate } : modified;
};
