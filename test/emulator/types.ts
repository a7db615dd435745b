/** The shapes every emulator module handles: one request in, one response out. */
import type { Store } from "./store";

export interface EmuRequest {
  method: string;
  /** The path after `/api/data/v9.2/`, still percent-encoded: `accounts(…)`, `$batch`, `EntityDefinitions(…)/Attributes`. */
  path: string;
  /** Decoded query options (`$select`, `fetchXml`, `@p1`…). */
  query: Record<string, string>;
  /** Lower-case header names. */
  headers: Record<string, string>;
  body: string;
  /** The body's bytes, for file and image uploads. */
  bytes?: Buffer;
}

export interface EmuResponse {
  status: number;
  headers?: Record<string, string>;
  /** An object is sent as JSON with Dataverse's content type; a string as it is. */
  body?: unknown;
}

export interface EmuContext {
  store: Store;
  /** `http://127.0.0.1:<port>/api/data/v9.2/` */
  apiRoot: string;
  /** Runs another request through the same routing, as `$batch` does for each part. */
  dispatch: (request: EmuRequest) => Promise<EmuResponse>;
}

export type Handler = (request: EmuRequest, context: EmuContext) => Promise<EmuResponse | undefined> | EmuResponse | undefined;
