import { DataverseError } from "./wire/errors";
import type { DataverseClient } from "./wire/http";
import { normalizeGuid, recordPath, type RecordKey } from "./wire/names";
import { collectPages } from "./pager";
import { queryPages } from "./query";
import type { EntityRecord } from "./records";
import { withRequestOptions, type RequestOptions } from "./requestOptions";

/** One side of a relationship: a record of an entity set, by GUID or alternate key. */
export interface RecordReference {
  entitySetName: string;
  key: RecordKey;
}

/** A record a navigation property points at, as Dataverse names it in `@odata.id`. */
export interface RecordLink {
  entitySetName: string;
  id: string;
  url: string;
}

/**
 * A collection-valued navigation property (1:N or N:N) takes a new member with POST; a
 * single-valued one (N:1, a lookup) is replaced with PUT.
 */
export type NavigationKind = "collection" | "single";

const refPath = (record: RecordReference, navigationProperty: string): string =>
  `${recordPath(record.entitySetName, record.key)}/${navigationProperty}/$ref`;

/**
 * The POST is not retried after a gateway fault (the client's rule for writes): a second
 * associate on an N:N relationship that did happen fails with "Cannot insert duplicate key".
 */
export const associateRecords = async (
  client: DataverseClient,
  record: RecordReference,
  navigationProperty: string,
  related: RecordReference,
  kind: NavigationKind,
  options?: RequestOptions,
): Promise<void> => {
  // Dataverse reads `@odata.id` against the service root; an absolute URL leaves no doubt.
  const body = { "@odata.id": `${client.webApi.root}${recordPath(related.entitySetName, related.key)}` };
  const method = kind === "collection" ? "POST" : "PUT";
  await client.send(withRequestOptions({ method, path: refPath(record, navigationProperty), body }, options));
};

/** Without a related id the navigation property is single-valued and is cleared. */
export const disassociateRecords = async (
  client: DataverseClient,
  record: RecordReference,
  navigationProperty: string,
  relatedId?: string,
  options?: RequestOptions,
): Promise<void> => {
  const target = relatedId ? `${navigationProperty}(${relatedId})` : navigationProperty;
  await client.send(
    withRequestOptions({ method: "DELETE", path: `${recordPath(record.entitySetName, record.key)}/${target}/$ref` }, options),
  );
};

const LINK = /([A-Za-z_][A-Za-z0-9_]*)\(([^()]*)\)\s*$/;

/** A malformed `%` escape makes `decodeURIComponent` throw; such a key names no record. */
const decodeKey = (text: string): string | undefined => {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
};

/** `https://org…/api/data/v9.2/contacts(<guid>)` read into its entity set name and id. */
export const parseRecordLink = (url: string): RecordLink | undefined => {
  const match = LINK.exec(url);
  const key = match ? decodeKey(match[2]) : undefined;
  const id = key === undefined ? undefined : normalizeGuid(key);
  return match && id ? { entitySetName: match[1], id, url } : undefined;
};

interface RefBody {
  value?: ({ "@odata.id"?: unknown } | null)[];
  "@odata.id"?: unknown;
  "@odata.nextLink"?: unknown;
}

/** The most links one step gathers: a record linked to more is listed with a query instead. */
export const LINKS_LIMIT = 100_000;

const tooManyLinks = (navigationProperty: string, path: string) => (): Error =>
  new DataverseError(
    `more than ${LINKS_LIMIT} records are associated through '${navigationProperty}', the most one step may hold: query the related entity set with a filter on its lookup instead`,
    { method: "GET", path },
  );

/**
 * A collection's links come in pages like an entity set's, so they are gathered as one
 * (with its limit and its guards against paging that never ends), from the page already read.
 */
const collectionLinks = async (
  client: DataverseClient,
  path: string,
  navigationProperty: string,
  body: RefBody,
  requestOptions?: RequestOptions,
): Promise<unknown[]> => {
  const next = body["@odata.nextLink"];
  const first = { records: (body.value ?? []) as EntityRecord[], nextPageId: typeof next === "string" && next ? next : undefined };
  const links = await collectPages(
    queryPages(client, path, { requestOptions }, first),
    LINKS_LIMIT,
    tooManyLinks(navigationProperty, path),
  );
  return links.items;
};

/**
 * A collection answers `{"value":[{"@odata.id":…}]}`, page by page; a single-valued navigation
 * property answers one `@odata.id`, or nothing at all when the lookup is empty.
 */
export const listRecordLinks = async (
  client: DataverseClient,
  record: RecordReference,
  navigationProperty: string,
  options?: RequestOptions,
): Promise<RecordLink[]> => {
  const path = refPath(record, navigationProperty);
  const response = await client.send<RefBody | undefined>(withRequestOptions({ method: "GET", path }, options));
  const body = response.data;
  if (body === undefined) {
    return [];
  }
  if (typeof body !== "object" || body === null) {
    throw new DataverseError(`the links answer is not a JSON object: ${response.text.slice(0, 120)}`, {
      status: response.status,
      method: "GET",
      path,
    });
  }
  const items = Array.isArray(body.value) ? await collectionLinks(client, path, navigationProperty, body, options) : [body];
  return items.map((item) => {
    const url = typeof item === "object" && item !== null ? (item as { "@odata.id"?: unknown })["@odata.id"] : undefined;
    const link = typeof url === "string" ? parseRecordLink(url) : undefined;
    if (!link) {
      throw new DataverseError(`the link ${JSON.stringify(url)} is not a record URL`, { status: response.status, method: "GET", path });
    }
    return link;
  });
};
