import { DataverseError } from "./wire/errors";
import type { DataverseClient } from "./wire/http";

/** One entry of the OData service document: an entity set Dataverse exposes. */
export interface ServiceDocumentEntry {
  name: string;
  kind: string;
  url: string;
}

export interface ServiceDocumentPage {
  entries: ServiceDocumentEntry[];
  /** Absent when this is the last (in practice the only) page. */
  nextLink?: string;
}

interface ServiceDocumentBody {
  value?: unknown[];
  "@odata.nextLink"?: unknown;
}

const isEntry = (value: unknown): value is ServiceDocumentEntry =>
  typeof value === "object" && value !== null && typeof (value as ServiceDocumentEntry).name === "string";

/**
 * `GET /api/data/v9.2/`: every entity set by name. Dataverse sends it whole, but a page size
 * is still asked for and a next link followed if one comes, so a proxy that pages it works too.
 */
export const readServiceDocument = async (
  client: DataverseClient,
  options: { pageSize?: number; nextLink?: string } = {},
): Promise<ServiceDocumentPage> => {
  const path = options.nextLink ?? "";
  const response = await client.send<ServiceDocumentBody>({
    method: "GET",
    path,
    prefer: options.pageSize ? [`odata.maxpagesize=${options.pageSize}`] : undefined,
  });
  const body = response.data;
  if (!body || !Array.isArray(body.value)) {
    throw new DataverseError("the service document has no 'value' list", { status: response.status, method: "GET", path: path || "/" });
  }
  const entries = body.value.filter(isEntry).map(({ name, kind, url }) => ({
    name,
    kind: typeof kind === "string" ? kind : "EntitySet",
    url: typeof url === "string" ? url : name,
  }));
  const next = body["@odata.nextLink"];
  return { entries, ...(typeof next === "string" && next ? { nextLink: next } : {}) };
};

/** Far more pages than Dataverse has tables: a bound on a server that never stops paging. */
const MAX_PAGES = 1000;

/** Every page, in order; a link seen twice or endless pages are an error rather than a loop. */
export const readWholeServiceDocument = async (
  client: DataverseClient,
  options: { pageSize?: number; nextLink?: string } = {},
): Promise<ServiceDocumentEntry[]> => {
  const entries: ServiceDocumentEntry[] = [];
  const seen = new Set<string>();
  let page = await readServiceDocument(client, options);
  for (let pages = 1; ; pages += 1) {
    entries.push(...page.entries);
    const next = page.nextLink;
    if (!next) return entries;
    if (seen.has(next) || pages >= MAX_PAGES) {
      throw new DataverseError(`the service document was still paging after ${pages} pages, or repeated a next link`, {
        method: "GET",
        path: "/",
      });
    }
    seen.add(next);
    page = await readServiceDocument(client, { ...options, nextLink: next });
  }
};
