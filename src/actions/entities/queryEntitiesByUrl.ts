import { action } from "@prismatic-io/spectral";
import {
  FETCH_ALL_LIMIT,
  InputError,
  MAX_PAGE_SIZE,
  parseFetchXml,
  queryAllRecords,
  queryRecords,
  type RecordPage,
  type RecordQuery,
  runFetchXmlAll,
} from "../../client";
import { connectionInput } from "../../inputs/entities";
import { fetchXmlFetchAllLimits } from "../../inputs/fetchXml";
import { odataQuery, VIEW_OPTIONS } from "../../inputs/odataQuery";
import { fetchAll, fetchAllTooMany, nextPageId, recordsPerPage } from "../../inputs/queries";
import { queryOptionInputs, requestOptionsOf } from "../../inputs/requestOptions";
import { exampleAccount } from "../examples";
import { clientFor } from "../clientFor";

const EXAMPLE_NEXT_LINK =
  "https://my-org.crm.dynamics.com/api/data/v9.2/accounts?$select=name&$skiptoken=%3Ccookie%20pagenumber=%222%22%20pagingcookie=%22%253ccookie%2520page%253d%25221%2522%253e%253c%252fcookie%253e%22%20istracking=%22False%22%20/%3E";

/** Shaped as Dataverse's collection: the next link (twice, as the existing component gives it) only while pages remain. */
const toOutput = (page: RecordPage) => ({
  value: page.records,
  ...(page.nextPageId ? { "@odata.nextLink": page.nextPageId, oDataNextLink: page.nextPageId } : {}),
  ...(page.count === undefined ? {} : { count: page.count }),
});

export const queryEntitiesByUrl = action({
  display: {
    label: "[CRM] Query Entities by URL",
    description: "Query Microsoft Dynamics 365 CRM entity records with an OData query relative to the Web API root.",
  },
  inputs: { odataQuery, recordsPerPage, nextPageId, fetchAll, connection: connectionInput, ...queryOptionInputs },
  perform: async (context, params) => {
    const { entitySetName, queryOptions } = params.odataQuery;
    if (params.top !== undefined && queryOptions.$top !== undefined) {
      throw new InputError("Top", `the OData Query already has $top=${queryOptions.$top}: give one of them.`);
    }
    const client = clientFor(context, params.connection);
    // A view pages by its own count, so no page size is sent with it.
    const view = VIEW_OPTIONS.some((name) => name in queryOptions);
    const query: RecordQuery = {
      queryOptions,
      pageSize: view ? undefined : params.recordsPerPage,
      nextPageId: params.nextPageId,
      requestOptions: requestOptionsOf(params),
    };
    // FetchXML gives no @odata.nextLink: Fetch All follows its paging cookie instead of stopping after one page.
    const fetchXml = Object.keys(queryOptions).length === 1 ? queryOptions.fetchXml : undefined;
    if (params.fetchAll && fetchXml !== undefined && params.top === undefined) {
      const all = await runFetchXmlAll(
        client,
        entitySetName,
        { query: parseFetchXml(fetchXml, "OData Query"), requestOptions: query.requestOptions },
        {
          maxRecords: FETCH_ALL_LIMIT,
          ...fetchXmlFetchAllLimits,
          tooMany: fetchAllTooMany("the fetch element's page and paging-cookie attributes"),
        },
      );
      return { data: toOutput({ records: all.records }) };
    }
    const page = params.fetchAll
      ? await queryAllRecords(
          client,
          entitySetName,
          { ...query, pageSize: view ? undefined : MAX_PAGE_SIZE, nextPageId: undefined },
          FETCH_ALL_LIMIT,
          fetchAllTooMany("Next Page Id"),
        )
      : await queryRecords(client, entitySetName, query);
    return { data: toOutput(page) };
  },
  examplePayload: {
    data: {
      value: [exampleAccount],
      "@odata.nextLink": EXAMPLE_NEXT_LINK,
      oDataNextLink: EXAMPLE_NEXT_LINK,
      count: 1,
    },
  },
});
