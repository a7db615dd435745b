import { DataverseError } from "./wire/errors";

/**
 * The one page walker: entity sets, the Modified On poll, change tracking, `$ref` lists and
 * FetchXML all page through it, each with its own way to the next page (a next link, a
 * paging cookie) and the same guards against paging that never ends.
 */

export interface Page<T, C> {
  items: T[];
  /** Where the next page is; absent on the last page. */
  next?: C;
}

export interface PagerOptions<C> {
  /** The request the pages answer, for the guards' errors. */
  method: string;
  path: string;
  /** Identifies a cursor, so one given twice is caught. */
  keyOf?: (cursor: C) => string;
  /** Far more pages than any read within its record limit needs: a bound on a server that never stops paging. */
  maxPages?: number;
}

export const MAX_PAGES = 10_000;

/**
 * Every page in order, from `first`, each fetched from the one before's cursor. An empty page
 * that links on, a cursor seen before, or endless pages would never end, so each is an error.
 */
export async function* walkPages<P extends Page<unknown, C>, C>(
  first: P,
  fetchPage: (cursor: C) => Promise<P>,
  options: PagerOptions<C>,
): AsyncGenerator<P> {
  const { keyOf = String, maxPages = MAX_PAGES } = options;
  const seen = new Set<string>();
  let page = first;
  for (let pageNumber = 1; ; pageNumber += 1) {
    yield page;
    if (page.next === undefined) {
      return;
    }
    const key = keyOf(page.next);
    const stuck = !page.items.length
      ? `Dataverse linked to a next page after page ${pageNumber} but returned no records on it`
      : seen.has(key)
        ? `Dataverse gave the same next page link twice, after page ${pageNumber}`
        : pageNumber >= maxPages
          ? `the read was still paging after ${maxPages} pages`
          : undefined;
    if (stuck) {
      throw new DataverseError(`${stuck}, so paging stopped rather than loop`, {
        kind: "parse",
        method: options.method,
        path: options.path,
      });
    }
    seen.add(key);
    page = await fetchPage(page.next);
  }
}

/** What Fetch All does past its limit: an error of the caller's choosing, never a silently truncated result. */
export type TooMany = (maxRecords: number) => Error;

/**
 * The one Fetch All contract: every item of every page, in order, and the first page itself
 * (which carries a query's counts). Past `maxRecords` it stops with `tooMany`'s error.
 */
export const collectPages = async <P extends Page<unknown, unknown>>(
  pages: AsyncIterable<P>,
  maxRecords: number,
  tooMany: TooMany,
): Promise<{ items: P["items"]; first?: P; last?: P }> => {
  const items: P["items"] = [];
  let first: P | undefined;
  let last: P | undefined;
  for await (const page of pages) {
    first ??= page;
    last = page;
    items.push(...page.items);
    if (items.length > maxRecords) {
      throw tooMany(maxRecords);
    }
  }
  return { items, first, last };
};
