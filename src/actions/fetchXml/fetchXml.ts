import { action } from "@prismatic-io/spectral";
import { createDataverseClient, FETCH_ALL_LIMIT, runFetchXml, runFetchXmlAll, type FetchXmlRequest } from "../../client";
import { connectionInput, entityType } from "../../inputs/entities";
import { fetchAllPages, fetchXmlFetchAllLimits, impersonateUserId, includeAnnotations, pageNumber, xmlQuery } from "../../inputs/fetchXml";
import { nextPageId } from "../../inputs/queries";
import { impersonateBy, includeFormattedValues, requestOptionsOf } from "../../inputs/requestOptions";
import { EXAMPLE_ACCOUNT_ID } from "../examples";

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
  perform: async (_context, params) => {
    const client = createDataverseClient(params.connection);
    const request: FetchXmlRequest = {
      query: params.xmlQuery,
      pageNumber: params.pageNumber,
      nextPageId: params.nextPageId,
      includeAnnotations: params.includeAnnotations,
      requestOptions: requestOptionsOf(params),
    };
    const page = params.fetchAll
      ? await runFetchXmlAll(client, params.entityType, request, { maxRecords: FETCH_ALL_LIMIT, ...fetchXmlFetchAllLimits })
      : await runFetchXml(client, params.entityType, request);
    return { data: page };
  },
  examplePayload: {
    data: {
      records: [{ "@odata.etag": 'W/"536530"', accountid: EXAMPLE_ACCOUNT_ID, name: "Contoso Ltd", revenue: 5000000 }],
      pageNumber: 1,
      moreRecords: true,
      nextPageId: `<cookie page="1"><name last="Contoso Ltd" first="Adventure Works" /><accountid last="{6D81597F-0F9F-E711-8122-000D3AA2331C}" first="{00000ACC-0000-4000-8000-000000000003}" /></cookie>`,
      totalRecordCount: 2,
      totalRecordCountLimitExceeded: false,
    },
  },
});
