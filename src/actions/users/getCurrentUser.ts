import { action } from "@prismatic-io/spectral";
import { retrieveCurrentUser } from "../../client";
import { connectionInput } from "../../inputs/entities";
import { clientFor } from "../clientFor";

export const getCurrentUser = action({
  display: {
    label: "[CRM] Get Current User",
    description: "Get information about the currently logged in CRM user",
  },
  inputs: { connection: connectionInput },
  perform: async (context, params) => {
    const client = clientFor(context, params.connection);
    return { data: await retrieveCurrentUser(client) };
  },
  examplePayload: {
    data: {
      "@odata.context": "https://my-org.crm.dynamics.com/api/data/v9.2/$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse",
      UserId: "5e0a1f2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b",
      BusinessUnitId: "b0c1d2e3-f4a5-4b6c-8d7e-8f9a0b1c2d3e",
      OrganizationId: "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9",
      user: {
        "@odata.context":
          "https://my-org.crm.dynamics.com/api/data/v9.2/$metadata#systemusers(fullname,firstname,lastname,internalemailaddress,domainname,azureactivedirectoryobjectid)/$entity",
        "@odata.etag": 'W/"1207512"',
        systemuserid: "5e0a1f2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b",
        fullname: "Avery Howard",
        firstname: "Avery",
        lastname: "Howard",
        internalemailaddress: "avery@contoso.onmicrosoft.com",
        domainname: "avery@contoso.onmicrosoft.com",
        azureactivedirectoryobjectid: "a1b2c3d4-0000-4000-8000-00000000a001",
      },
    },
  },
});
