/** Metadata (reference §5) and functions such as WhoAmI (§6). Not reproduced yet. */
import type { EmuContext, EmuRequest, EmuResponse } from "./types";

/** Answers undefined for paths that are not metadata or functions. */
export const handleMetadata = (_request: EmuRequest, _context: EmuContext): EmuResponse | undefined => undefined;
