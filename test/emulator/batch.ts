/**
 * `$batch` (reference §4). Not reproduced yet: answers as Dataverse does for a request it
 * cannot read, with a plain JSON error.
 */
import { badRequest } from "./faults";
import type { EmuContext, EmuRequest, EmuResponse } from "./types";

export const handleBatch = async (_request: EmuRequest, _context: EmuContext): Promise<EmuResponse> => {
  throw badRequest("The emulator does not support $batch yet.");
};
