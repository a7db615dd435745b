import { OAuth2PkceMethod, oauth2Connection, OAuth2Type } from "@prismatic-io/spectral";
import { webApiUrl } from "./webApiUrl";

export const oauth2 = oauth2Connection({
  key: "oauth2",
  display: {
    label: "MS Dynamics OAuth 2.0 Auth Code",
    description: "Microsoft Dynamics 365 OAuth Connection",
  },
  oauth2Type: OAuth2Type.AuthorizationCode,
  // Entra ID supports PKCE for confidential clients too; it binds the code to this sign-in.
  oauth2PkceMethod: OAuth2PkceMethod.S256,
  inputs: {
    webApiUrl,
    authorizeUrl: {
      label: "Authorize URL",
      type: "string",
      required: true,
      shown: true,
      default: "https://login.microsoftonline.com/organizations/oauth2/v2.0/authorize",
      comments:
        "The OAuth 2.0 Authorization URL for Microsoft Dynamics 365. Replace 'organizations' with your tenant ID to restrict sign-in to one tenant.",
    },
    tokenUrl: {
      label: "Token URL",
      type: "string",
      required: true,
      shown: true,
      default: "https://login.microsoftonline.com/organizations/oauth2/v2.0/token",
      comments: "The OAuth 2.0 Token URL for Microsoft Dynamics 365.",
    },
    scopes: {
      label: "Scopes",
      type: "string",
      required: false,
      shown: true,
      placeholder: "https://my-org.crm.dynamics.com/user_impersonation offline_access",
      example: "https://my-org.crm.dynamics.com/user_impersonation offline_access",
      comments: "A space-delimited set of one or more scopes to get the user's permission to access.",
    },
    clientId: {
      label: "Client ID",
      type: "string",
      required: true,
      shown: true,
      comments: "The Application (client) ID of your app registration in Microsoft Entra ID.",
    },
    clientSecret: {
      label: "Client Secret",
      type: "password",
      required: true,
      shown: true,
      comments: "A client secret value of that app registration (Certificates & secrets).",
    },
  },
});
