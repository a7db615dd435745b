import { action } from "@prismatic-io/spectral";
import { createDataverseClient, FETCH_ALL_LIMIT, MAX_PAGE_SIZE, queryAllRecords, queryRecords, type RecordQuery } from "../../client";
import { connectionInput, entityType, expandPropertyNames, fieldNames } from "../../inputs/entities";
import {
  fetchAll,
  filterExpression,
  includeCount,
  nextPageId,
  orderByFieldNames,
  recordsPerPage,
  requireNextPageOf,
} from "../../inputs/queries";
import { exampleAccount } from "../examples";

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
  },
  perform: async (_context, params) => {
    const client = createDataverseClient(params.connection);
    const query: RecordQuery = {
      select: params.fieldNames,
      filter: params.filterExpression,
      orderBy: params.orderByFieldNames,
      expand: params.expandPropertyNames,
      count: params.includeCount,
      pageSize: params.recordsPerPage,
      nextPageId: requireNextPageOf(params.nextPageId, params.entityType, client.webApi),
    };
    // Fetch All returns one combined list, so the page size only decides how many requests it takes.
    const page = params.fetchAll
      ? await queryAllRecords(client, params.entityType, { ...query, pageSize: MAX_PAGE_SIZE, nextPageId: undefined }, FETCH_ALL_LIMIT)
      : await queryRecords(client, params.entityType, query);
    return { data: page };
  },
  examplePayload: {
    data: {
      records: [exampleAccount],
      nextPageId:
        "https://my-org.crm.dynamics.com/api/data/v9.2/accounts?$select=name&$skiptoken=%3Ccookie%20pagenumber=%222%22%20pagingcookie=%22%253ccookie%2520page%253d%25221%2522%253e%253c%252fcookie%253e%22%20istracking=%22False%22%20/%3E",
      count: 1,
    },
  },
});
