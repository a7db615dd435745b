import type { Connection } from "@prismatic-io/spectral";
import { parseWebApiUrl } from "../client";

/** What an Auth Code connection should ask for: Dataverse as the signed-in user, and a refresh token. */
export const recommendedScopes = (webApiUrl: unknown): string | undefined => {
  try {
    return `${parseWebApiUrl(webApiUrl).origin}/user_impersonation offline_access`;
  } catch {
    return undefined;
  }
};

/**
 * Without `offline_access` Entra ID issues no refresh token, so Prismatic cannot renew the
 * access token and the connection stops working within about an hour. This says so on the
 * first use of such a connection, with the scopes to give instead.
 */
export const scopesWarning = (connection: Connection): string | undefined => {
  if (connection.key !== "oauth2") return undefined;
  const scopes = typeof connection.fields?.scopes === "string" ? connection.fields.scopes.trim() : "";
  const listed = scopes.split(/\s+/).filter(Boolean);
  if (listed.some((scope) => scope.toLowerCase() === "offline_access")) return undefined;
  const recommended = recommendedScopes(connection.fields?.webApiUrl) ?? "https://<org>.crm.dynamics.com/user_impersonation offline_access";
  const given = scopes ? `are '${scopes}', without offline_access` : "are blank";
  return `The connection's Scopes ${given}: Entra ID then gives Prismatic no refresh token, so the connection stops working when its access token expires (about an hour). Set Scopes to '${recommended}' and authorize the connection again.`;
};
