/** Change tracking (reference §10). Not reproduced yet. */
import { badRequest } from "./faults";
import type { TableDefinition } from "./schema";
import type { EmuContext, EmuRequest, EmuResponse } from "./types";

export const isChangeTrackingRequest = (request: EmuRequest): boolean =>
  /odata\.track-changes/.test(request.headers.prefer ?? "") || request.query.$deltatoken !== undefined;

export const handleTrackedQuery = (_request: EmuRequest, _context: EmuContext, _table: TableDefinition): EmuResponse => {
  throw badRequest("The emulator does not support change tracking yet.");
};
