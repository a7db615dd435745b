import { oauth2Connection, OAuth2Type } from "@prismatic-io/spectral";
import { webApiUrl } from "./webApiUrl";

export const clientCredentials = oauth2Connection({
  key: "clientCredentials",
  display: {
    label: "MS Dynamics OAuth 2.0 Client Credentials",
    description: "OAuth 2.0 Client Credentials Connectivity for Microsoft Dynamics",
  },
  oauth2Type: OAuth2Type.ClientCredentials,
  inputs: {
    webApiUrl,
    tokenUrl: {
      label: "Token URL",
      type: "string",
      required: true,
      shown: true,
      placeholder: "https://login.microsoftonline.com/<tenant id>/oauth2/v2.0/token",
      example: "https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/oauth2/v2.0/token",
      comments: "This can be found by visiting your app in Azure portal and selecting 'Endpoints'",
    },
    scopes: {
      label: "Scopes",
      type: "string",
      required: true,
      shown: true,
      placeholder: "https://my-org.crm.dynamics.com/.default",
      example: "https://my-org.crm.dynamics.com/.default",
      comments: "This should be your Dynamics URL with '/.default' appended to it",
    },
    clientId: {
      label: "Client ID",
      type: "string",
      required: true,
      shown: true,
      comments: "Generated when you register an app in Azure portal",
    },
    clientSecret: {
      label: "Client secret value",
      type: "password",
      required: true,
      shown: true,
      comments: "Generated when you register an app in Azure portal",
    },
  },
});
