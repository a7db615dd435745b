/**
 * Routing for everything under `/api/data/v9.2/`, in one place: the service document,
 * `$batch`, metadata and functions, FetchXML and change-tracking queries, then entity sets.
 * Unknown segments answer 404 `0x8006088a`, as Dataverse does; faults thrown by any
 * module become Dataverse error bodies here.
 */
import { handleBatch } from "./batch";
import { actingAs } from "./caller";
import { handleBulk } from "./bulk";
import { handleTrackedQuery, isChangeTrackingRequest } from "./changeTracking";
import { DataverseFault, unknownSegment } from "./faults";
import { handleFetchXml } from "./fetchXml";
import { handleFileColumn } from "./files";
import { handleMetadata } from "./metadata";
import { handleOperation } from "./operations";
import { handleEntitySet } from "./records";
import { handleRelationship } from "./relationships";
import type { EmuContext, EmuRequest, EmuResponse } from "./types";

/** The request URL as the next link repeats it: every query option but the skip token. */
const requestUrlOf = (request: EmuRequest, context: EmuContext): string => {
  const options = Object.entries(request.query)
    .filter(([name]) => name !== "$skiptoken")
    .map(([name, value]) => `${name}=${encodeURIComponent(value).replace(/%24/g, "$").replace(/%2C/g, ",")}`);
  return `${context.apiRoot}${request.path}${options.length ? `?${options.join("&")}` : ""}`;
};

const serviceDocument = (context: EmuContext): EmuResponse => ({
  status: 200,
  body: {
    "@odata.context": `${context.apiRoot}$metadata`,
    value: context.store.tables.map((table) => ({ name: table.entitySetName, kind: "EntitySet", url: table.entitySetName })),
  },
});

const route = async (request: EmuRequest, context: EmuContext): Promise<EmuResponse> => {
  if (request.path === "" && request.method === "GET") return serviceDocument(context);
  if (request.path === "$batch") {
    if (request.method !== "POST") throw new DataverseFault(405, "0x80060888", "The $batch endpoint only accepts POST.");
    return handleBatch(request, context);
  }
  const metadata = await handleMetadata(request, context);
  if (metadata) return metadata;
  const file = handleFileColumn(request, context);
  if (file) return file;
  const linkOrOperation = handleBulk(request, context) ?? handleRelationship(request, context) ?? handleOperation(request, context);
  if (linkOrOperation) return linkOrOperation;
  const setName = /^([A-Za-z_][A-Za-z0-9_]*)$/.exec(request.path)?.[1];
  const table = setName ? context.store.bySetName(setName) : undefined;
  if (table && request.method === "GET" && request.query.fetchXml !== undefined) {
    return handleFetchXml(request, context, table);
  }
  if (table && request.method === "GET" && isChangeTrackingRequest(request)) {
    return handleTrackedQuery(request, context, table);
  }
  const response = handleEntitySet(request, context, requestUrlOf(request, context));
  if (response) return response;
  throw unknownSegment(decodeURIComponent(request.path.split(/[(/]/)[0]));
};

export const dispatch = async (request: EmuRequest, context: EmuContext): Promise<EmuResponse> => {
  try {
    return await actingAs(request, context.store, () => route(request, context));
  } catch (error) {
    if (error instanceof DataverseFault) return error.toResponse();
    return { status: 500, body: { error: { code: "0x80040216", message: `An unexpected error occurred: ${(error as Error).message}` } } };
  }
};
