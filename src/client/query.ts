import { DataverseError, InputError } from "./wire/errors";
import type { DataverseClient } from "./wire/http";
import type { EntityRecord } from "./records";
import type { QueryOptions } from "./wire/url";
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
  $select: query.select?.length ? query.select.join(",") : undefined,
  $filter: query.filter || undefined,
  $orderby: query.orderBy?.length ? query.orderBy.join(",") : undefined,
  $expand: query.expand?.length ? query.expand.join(",") : undefined,
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
  if (!body || !Array.isArray(body.value)) {
    throw new DataverseError("the response has no 'value' collection", { method: "GET", path: entitySetName });
  }
  return {
    records: body.value,
    nextPageId: body["@odata.nextLink"],
    count: typeof body["@odata.count"] === "number" ? body["@odata.count"] : undefined,
  };
};

/** Far more pages than any query within the record limit needs: a bound on a server that never stops paging. */
const MAX_PAGES = 10_000;

const fetchAllLimit = (maxRecords: number): Error =>
  new InputError(
    "Fetch All",
    `the query returns more than ${maxRecords} records, the most one step may hold: narrow the filter, or turn Fetch All off and page with Next Page Id.`,
  );

/**
 * Every page of a query, in order, from `first` when the caller already read it. An empty
 * page that still links on, a link seen before, or endless pages would never end, so each
 * is an error.
 */
export async function* queryPages(
  client: DataverseClient,
  entitySetName: string,
  query: RecordQuery,
  first?: RecordPage,
): AsyncGenerator<RecordPage> {
  const seen = new Set<string>();
  let page = first ?? (await queryRecords(client, entitySetName, query));
  for (let pageNumber = 1; ; pageNumber += 1) {
    yield page;
    const next = page.nextPageId;
    if (!next) {
      return;
    }
    const stuck = !page.records.length
      ? `Dataverse linked to a next page after page ${pageNumber} but returned no records on it`
      : seen.has(next)
        ? `Dataverse gave the same next page link twice, after page ${pageNumber}`
        : pageNumber >= MAX_PAGES
          ? `the query was still paging after ${MAX_PAGES} pages`
          : undefined;
    if (stuck) {
      throw new DataverseError(stuck, { method: "GET", path: entitySetName });
    }
    seen.add(next);
    page = await queryRecords(client, entitySetName, { ...query, nextPageId: next });
  }
}

/**
 * All records of the pages, with the first page's count. Past `maxRecords` it stops with
 * `tooMany`'s error (by default Fetch All's) rather than return a silently truncated result.
 */
export const collectPages = async (
  pages: AsyncIterable<RecordPage>,
  maxRecords: number,
  tooMany: (maxRecords: number) => Error = fetchAllLimit,
): Promise<RecordPage> => {
  const records: EntityRecord[] = [];
  let count: number | undefined;
  let first = true;
  for await (const page of pages) {
    if (first) {
      count = page.count;
      first = false;
    }
    records.push(...page.records);
    if (records.length > maxRecords) {
      throw tooMany(maxRecords);
    }
  }
  return { records, count };
};

/** Follows every next-page link, gathering at most `maxRecords` (see collectPages). */
export const queryAllRecords = (
  client: DataverseClient,
  entitySetName: string,
  query: RecordQuery,
  maxRecords: number,
  tooMany?: (maxRecords: number) => Error,
): Promise<RecordPage> => collectPages(queryPages(client, entitySetName, query), maxRecords, tooMany);
