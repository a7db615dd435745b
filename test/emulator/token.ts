/**
 * A stand-in for Microsoft Entra ID's v2.0 endpoints (reference §11): `/{tenant}/oauth2/v2.0/token`
 * for the client credentials, authorization code and refresh grants, and
 * `/{tenant}/oauth2/v2.0/authorize`, which consents at once and redirects with a code.
 * Tokens are unsigned JWTs whose `aud` is the environment URL; errors use Entra's body shape.
 */
import { randomBytes } from "node:crypto";

export interface TokenIssuer {
  clientId: string;
  clientSecret: string;
  /** Access tokens the Web API accepts. */
  accessTokens: Set<string>;
  issue(): string;
}

const base64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString("base64url");

export const createTokenIssuer = (audience: () => string): TokenIssuer => {
  const accessTokens = new Set<string>();
  return {
    clientId: "00000000-0000-4000-8000-00000000c11e",
    clientSecret: `emulator-secret-${randomBytes(6).toString("hex")}`,
    accessTokens,
    issue() {
      const now = Math.floor(Date.now() / 1000);
      const token = `${base64url({ alg: "none", typ: "JWT" })}.${base64url({ aud: audience(), iat: now, exp: now + 3599, jti: randomBytes(8).toString("hex") })}.`;
      accessTokens.add(token);
      return token;
    },
  };
};

interface TokenAnswer {
  status: number;
  body: Record<string, unknown>;
}

const entraError = (error: string, description: string): TokenAnswer => ({
  status: 400,
  body: {
    error,
    error_description: description,
    error_codes: [Number(/AADSTS(\d+)/.exec(description)?.[1] ?? 0)],
    timestamp: new Date().toISOString(),
    trace_id: randomBytes(16).toString("hex"),
    correlation_id: randomBytes(16).toString("hex"),
  },
});

const codes = new Set<string>();
const refreshTokens = new Set<string>();

export const authorizeRedirect = (issuer: TokenIssuer, query: URLSearchParams): string | undefined => {
  const redirect = query.get("redirect_uri");
  if (!redirect || query.get("client_id") !== issuer.clientId) return undefined;
  const code = randomBytes(12).toString("hex");
  codes.add(code);
  const url = new URL(redirect);
  url.searchParams.set("code", code);
  const state = query.get("state");
  if (state) url.searchParams.set("state", state);
  return url.toString();
};

export const answerTokenRequest = (issuer: TokenIssuer, form: URLSearchParams, basicAuth?: string): TokenAnswer => {
  let clientId = form.get("client_id");
  let clientSecret = form.get("client_secret");
  if (basicAuth) {
    const [id, secret] = Buffer.from(basicAuth, "base64").toString().split(":");
    clientId = clientId ?? decodeURIComponent(id);
    clientSecret = clientSecret ?? decodeURIComponent(secret ?? "");
  }
  if (clientId !== issuer.clientId) {
    return entraError("unauthorized_client", `AADSTS700016: Application with identifier '${clientId}' was not found in the directory.`);
  }
  if (clientSecret !== issuer.clientSecret) {
    return entraError(
      "invalid_client",
      "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.",
    );
  }
  const grant = form.get("grant_type");
  const scope = form.get("scope") ?? "";
  if (grant === "client_credentials") {
    if (!scope.endsWith("/.default")) {
      return entraError(
        "invalid_scope",
        `AADSTS1002012: The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier.`,
      );
    }
    return { status: 200, body: { token_type: "Bearer", expires_in: 3599, ext_expires_in: 3599, access_token: issuer.issue() } };
  }
  if (grant === "authorization_code" || grant === "refresh_token") {
    const presented = grant === "authorization_code" ? form.get("code") : form.get("refresh_token");
    const known = grant === "authorization_code" ? codes : refreshTokens;
    if (!presented || !known.delete(presented)) {
      return entraError("invalid_grant", "AADSTS70008: The provided authorization code or refresh token has expired or was already used.");
    }
    const refreshToken = randomBytes(16).toString("hex");
    refreshTokens.add(refreshToken);
    return {
      status: 200,
      body: {
        token_type: "Bearer",
        scope,
        expires_in: 3599,
        ext_expires_in: 3599,
        access_token: issuer.issue(),
        refresh_token: refreshToken,
      },
    };
  }
  return entraError("unsupported_grant_type", `AADSTS70003: The app requested an unsupported grant type '${grant}'.`);
};
