import { action } from "@prismatic-io/spectral";
import { FETCH_ALL_LIMIT, runFetchXml, runFetchXmlAll, type FetchXmlPageRequest } from "../../client";
import { connectionInput, entityType } from "../../inputs/entities";
import {
  fetchAllPages,
  fetchXmlFetchAllLimits,
  fetchXmlPageLabels,
  impersonateUserId,
  includeAnnotations,
  pageNumber,
  xmlQuery,
} from "../../inputs/fetchXml";
import { nextPageId } from "../../inputs/queries";
import { impersonateBy, includeFormattedValues, requestOptionsOf } from "../../inputs/requestOptions";
import { EXAMPLE_ACCOUNT_ID } from "../examples";

const EXAMPLE_COOKIE = `<cookie page="1"><name last="Contoso Ltd" first="Adventure Works" /><accountid last="{6D81597F-0F9F-E711-8122-000D3AA2331C}" first="{00000ACC-0000-4000-8000-000000000003}" /></cookie>`;
import { clientFor } from "../clientFor";

export const fetchXml = action({
  display: {
    label: "[CRM] Run Fetch XML Query",
    description: "Execute a fetch XML query against your Microsoft Dynamics 365 CRM instance.",
  },
  inputs: {
    entityType,
    xmlQuery,
    includeAnnotations,
    pageNumber,
    nextPageId,
    impersonateUserId,
    fetchAll: fetchAllPages,
    connection: connectionInput,
    impersonateBy,
    includeFormattedValues,
  },
  perform: async (context, params) => {
    const client = clientFor(context, params.connection);
    const request: FetchXmlPageRequest = {
      query: params.xmlQuery,
      pageNumber: params.pageNumber,
      nextPageId: params.nextPageId,
      labels: fetchXmlPageLabels,
      includeAnnotations: params.includeAnnotations,
      requestOptions: requestOptionsOf(params),
    };
    const page = params.fetchAll
      ? await runFetchXmlAll(client, params.entityType, request, { maxRecords: FETCH_ALL_LIMIT, ...fetchXmlFetchAllLimits })
      : await runFetchXml(client, params.entityType, request);
    const { records, ...paging } = page;
    // Prismatic's component gives the cookie for the next page as PagingInfo, beside our own paging keys.
    const pagingInfo = page.nextPageId
      ? { PagingInfo: { cookie: page.nextPageId, page: page.pageNumber, nextPage: page.pageNumber + 1 } }
      : {};
    return { data: { value: records, ...paging, ...(params.fetchAll ? {} : pagingInfo) } };
  },
  examplePayload: {
    data: {
      value: [{ "@odata.etag": 'W/"536530"', accountid: EXAMPLE_ACCOUNT_ID, name: "Contoso Ltd", revenue: 5000000 }],
      pageNumber: 1,
      moreRecords: true,
      nextPageId: EXAMPLE_COOKIE,
      totalRecordCount: 2,
      totalRecordCountLimitExceeded: false,
      PagingInfo: { cookie: EXAMPLE_COOKIE, page: 1, nextPage: 2 },
    },
  },
});
