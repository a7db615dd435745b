/**
 * Dataverse's error bodies: `{"error":{"code":"0x…","message":"…"}}`, with the HRESULT codes
 * the reference lists. Handlers throw a DataverseFault; the router turns it into a response.
 */
import type { EmuResponse } from "./types";

export class DataverseFault extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  toResponse(): EmuResponse {
    return { status: this.status, headers: this.headers, body: { error: { code: this.code, message: this.message } } };
  }
}

export const notFoundRecord = (logicalName: string, id: string): DataverseFault =>
  new DataverseFault(404, "0x80040217", `Entity '${logicalName}' With Id = ${id} Does Not Exist`);

export const unknownSegment = (segment: string): DataverseFault =>
  new DataverseFault(404, "0x8006088a", `Resource not found for the segment '${segment}'.`);

export const unknownProperty = (name: string, logicalName: string): DataverseFault =>
  new DataverseFault(400, "0x0", `Could not find a property named '${name}' on type 'Microsoft.Dynamics.CRM.${logicalName}'.`);

export const badRequest = (message: string, code = "0x0"): DataverseFault => new DataverseFault(400, code, message);

export const THROTTLED_CODE = "0x80072322";
