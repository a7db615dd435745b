import { action } from "@prismatic-io/spectral";
import { FETCH_ALL_LIMIT, MAX_PAGE_SIZE, queryAllRecords, queryRecords, type EntityRecord, type RecordQuery } from "../../client";
import { connectionInput, entityType, expandPropertyNames, fieldNames } from "../../inputs/entities";
import {
  fetchAll,
  fetchAllTooMany,
  filterExpression,
  includeCount,
  nextPageId,
  orderByFieldNames,
  recordsPerPage,
  requireNextPageOf,
} from "../../inputs/queries";
import { queryOptionInputs, requestOptionsOf } from "../../inputs/requestOptions";
import { exampleNamedAccountRow } from "../examples";
import { clientFor } from "../clientFor";

const EXAMPLE_NEXT_LINK =
  "https://my-org.crm.dynamics.com/api/data/v9.2/accounts?$select=name&$skiptoken=%3Ccookie%20pagenumber=%222%22%20pagingcookie=%22%253ccookie%2520page%253d%25221%2522%253e%253c%252fcookie%253e%22%20istracking=%22False%22%20/%3E";

/** The next-page link is absent on the last page; the count only comes when asked for. */
interface QueryEntitiesOutput {
  value: EntityRecord[];
  "@odata.nextLink"?: string;
  oDataNextLink?: string;
  count?: number;
}

export const queryEntities = action({
  display: {
    label: "[CRM] Query Entities",
    description: "Query for Microsoft Dynamics 365 CRM entity records that satisfy the filter expression.",
  },
  inputs: {
    entityType,
    fieldNames,
    filterExpression,
    orderByFieldNames,
    expandPropertyNames,
    recordsPerPage,
    nextPageId,
    fetchAll,
    includeCount,
    connection: connectionInput,
    ...queryOptionInputs,
  },
  perform: async (context, params) => {
    const client = clientFor(context, params.connection);
    const query: RecordQuery = {
      select: params.fieldNames,
      filter: params.filterExpression,
      orderBy: params.orderByFieldNames,
      expand: params.expandPropertyNames,
      count: params.includeCount,
      pageSize: params.recordsPerPage,
      nextPageId: requireNextPageOf(params.nextPageId, params.entityType, client.webApi),
      requestOptions: requestOptionsOf(params),
    };
    // Fetch All returns one combined list, so the page size only decides how many requests it takes.
    const page = params.fetchAll
      ? await queryAllRecords(
          client,
          params.entityType,
          { ...query, pageSize: MAX_PAGE_SIZE, nextPageId: undefined },
          FETCH_ALL_LIMIT,
          fetchAllTooMany("Next Page Id"),
        )
      : await queryRecords(client, params.entityType, query);
    // Prismatic's component gives the next page's link under both names; both are absent on the last page.
    const data: QueryEntitiesOutput = { value: page.records };
    if (page.nextPageId) {
      data["@odata.nextLink"] = page.nextPageId;
      data.oDataNextLink = page.nextPageId;
    }
    if (page.count !== undefined) data.count = page.count;
    return { data };
  },
  examplePayload: {
    data: {
      value: [exampleNamedAccountRow],
      "@odata.nextLink": EXAMPLE_NEXT_LINK,
      oDataNextLink: EXAMPLE_NEXT_LINK,
      count: 2,
    } as QueryEntitiesOutput,
  },
});
