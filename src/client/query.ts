import { collectPages, type Page, type TooMany, walkPages } from "./pager";
import { type DataverseClient, valueCollection } from "./wire/http";
import type { EntityRecord } from "./records";
import { joinNames, type QueryOptions } from "./wire/url";
import { withRequestOptions, type RequestOptions } from "./requestOptions";

export interface RecordQuery {
  select?: string[];
  filter?: string;
  orderBy?: string[];
  expand?: string[];
  /** Sent as `Prefer: odata.maxpagesize`; Dataverse allows 1 to 5000. */
  pageSize?: number;
  count?: boolean;
  /** A previous page's `nextPageId`: the `@odata.nextLink`, or only its skip token. */
  nextPageId?: string;
  /** Query options as given (Query Entities by URL), sent after the ones above. */
  queryOptions?: QueryOptions;
  /** Sent with every page. */
  requestOptions?: RequestOptions;
}

export interface RecordPage {
  records: EntityRecord[];
  /** Absent on the last page. */
  nextPageId?: string;
  /** Capped at 5000 by Dataverse. */
  count?: number;
}

interface CollectionBody {
  value?: EntityRecord[];
  "@odata.nextLink"?: string;
  "@odata.count"?: number;
}

export const MAX_PAGE_SIZE = 5000;

/** The most records Fetch All gathers into one step's output before it refuses. */
export const FETCH_ALL_LIMIT = 100_000;

const queryOptions = (query: RecordQuery): QueryOptions => ({
  $select: joinNames(query.select),
  $filter: query.filter || undefined,
  $orderby: joinNames(query.orderBy),
  $expand: joinNames(query.expand),
  $count: query.count ? "true" : undefined,
  ...query.queryOptions,
});

const isLink = (value: string): boolean => /^https?:\/\//i.test(value);

/**
 * One page of an entity set. A next-page link is followed verbatim (Dataverse's own
 * advice); a bare skip token is put on the same query. Every page sends the same page size.
 */
export const queryRecords = async (client: DataverseClient, entitySetName: string, query: RecordQuery): Promise<RecordPage> => {
  const next = query.nextPageId?.trim();
  const options = query.requestOptions ?? {};
  // Dataverse ignores $top when a page size is also asked for (reference §1.5).
  const top = options.top ?? query.queryOptions?.$top;
  const prefer = query.pageSize && top === undefined ? [`odata.maxpagesize=${query.pageSize}`] : [];
  const response = await client.send<CollectionBody>(
    next && isLink(next)
      ? withRequestOptions({ method: "GET", path: next, prefer }, { ...options, top: undefined })
      : withRequestOptions({ method: "GET", path: entitySetName, query: { ...queryOptions(query), $skiptoken: next }, prefer }, options),
  );
  const body = response.data;
  return {
    records: valueCollection<EntityRecord>(body, { method: "GET", path: entitySetName }),
    nextPageId: body["@odata.nextLink"],
    count: typeof body["@odata.count"] === "number" ? body["@odata.count"] : undefined,
  };
};

/** A page of records as the pager walks it: its records, the link to the next page, and the first page's count. */
export interface EntityPage extends Page<EntityRecord, string> {
  count?: number;
}

const asPage = (page: RecordPage): EntityPage => ({ items: page.records, next: page.nextPageId, count: page.count });

/** Every page of a query, in order, from `first` when the caller already read it, through the one pager and its guards. */
export async function* queryPages(
  client: DataverseClient,
  entitySetName: string,
  query: RecordQuery,
  first?: RecordPage,
): AsyncGenerator<EntityPage> {
  const start = asPage(first ?? (await queryRecords(client, entitySetName, query)));
  const next = async (nextPageId: string) => asPage(await queryRecords(client, entitySetName, { ...query, nextPageId }));
  yield* walkPages(start, next, { method: "GET", path: entitySetName });
}

/** Follows every next-page link, gathering at most `maxRecords`: past it, `tooMany`'s error. */
export const queryAllRecords = async (
  client: DataverseClient,
  entitySetName: string,
  query: RecordQuery,
  maxRecords: number,
  tooMany: TooMany,
): Promise<RecordPage> => {
  const { items, first } = await collectPages(queryPages(client, entitySetName, query), maxRecords, tooMany);
  return { records: items, count: first?.count };
};
