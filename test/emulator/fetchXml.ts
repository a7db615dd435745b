/** FetchXML over the Web API (reference §3). Not reproduced yet. */
import { badRequest } from "./faults";
import type { TableDefinition } from "./schema";
import type { EmuContext, EmuRequest, EmuResponse } from "./types";

export const handleFetchXml = (_request: EmuRequest, _context: EmuContext, _table: TableDefinition): EmuResponse => {
  throw badRequest("The emulator does not support fetchXml yet.");
};
