import { isConnectionError } from "@prismatic-io/spectral";
import component from "../../src";
import { clientCredentials, oauth2 } from "../../src/connections";
import { SEED } from "../emulator/seed";
import { actionError, connectionFor, runAction, useEmulator } from "../support";

const fixture = useEmulator();

const tokenRequest = async (url: string, form: Record<string, string>) => {
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(form),
  });
  return { status: response.status, body: (await response.json()) as Record<string, string> };
};

describe("connection definitions", () => {
  it("keeps the keys and inputs existing integrations use", () => {
    const byKey = Object.fromEntries(component.connections.map((connection) => [connection.key, connection]));
    expect(Object.keys(byKey).sort()).toEqual(["clientCredentials", "oauth2"]);
    expect(byKey.oauth2.label).toBe("MS Dynamics OAuth 2.0 Auth Code");
    expect(byKey.oauth2.oauth2Type).toBe("authorization_code");
    expect(byKey.oauth2.inputs.map((input) => input.key)).toEqual([
      "webApiUrl",
      "authorizeUrl",
      "tokenUrl",
      "scopes",
      "clientId",
      "clientSecret",
    ]);
    expect(byKey.clientCredentials.label).toBe("MS Dynamics OAuth 2.0 Client Credentials");
    expect(byKey.clientCredentials.oauth2Type).toBe("client_credentials");
    expect(byKey.clientCredentials.inputs.map((input) => [input.key, input.label])).toEqual([
      ["webApiUrl", "Web API URL"],
      ["tokenUrl", "Token URL"],
      ["scopes", "Scopes"],
      ["clientId", "Client ID"],
      ["clientSecret", "Client secret value"],
    ]);
    expect(oauth2.inputs.authorizeUrl.default).toBe("https://login.microsoftonline.com/organizations/oauth2/v2.0/authorize");
    expect(oauth2.inputs.tokenUrl.default).toBe("https://login.microsoftonline.com/organizations/oauth2/v2.0/token");
    expect(oauth2.inputs.clientSecret.type).toBe("password");
    expect(clientCredentials.inputs.clientSecret.type).toBe("password");
  });
});

describe("the Web API URL", () => {
  it.each([
    ["the org root", ""],
    ["a trailing slash", "/"],
    ["the API path", "/api/data/v9.2"],
    ["the API path and a slash", "/api/data/v9.2/"],
    ["an older API version", "/api/data/v9.1"],
  ])("works given %s", async (_label, suffix) => {
    const { emulator } = fixture;
    const connection = connectionFor(emulator, `${emulator.url}${suffix}`);
    const data = await runAction("getEntity", {
      connection,
      entityType: "accounts",
      entityId: SEED.accounts.contoso,
      fieldNames: ["name"],
    });
    expect(data.name).toBe("Contoso Ltd");
    expect(emulator.takeRequests()[0].path).toBe(`accounts(${SEED.accounts.contoso})`);
  });

  it.each([
    ["not a URL", /is not a URL/],
    ["http://my-org.crm.dynamics.com", /must use https/],
    ["https://my-org.crm.dynamics.com/main.aspx", /unexpected path '\/main\.aspx'/],
    ["https://user:pw@my-org.crm.dynamics.com", /must not contain credentials/],
    ["", /is required/],
  ])("refuses %p as a connection error", async (webApiUrl, message) => {
    const connection = connectionFor(fixture.emulator, webApiUrl);
    const error = await actionError("getEntity", { connection, entityType: "accounts", entityId: SEED.accounts.contoso });
    expect(isConnectionError(error)).toBe(true);
    expect(error.message).toMatch(/^Web API URL: /);
    expect(error.message).toMatch(message);
    expect(JSON.stringify((error as { connection?: unknown }).connection)).not.toMatch(/access_token|clientSecret|emulator-secret/);
    expect(fixture.emulator.takeRequests()).toHaveLength(0);
  });
});

describe("OAuth 2.0 flows against the emulator's token endpoint", () => {
  it("client credentials: the issued token works for the component", async () => {
    const { emulator } = fixture;
    const { status, body } = await tokenRequest(emulator.tokenUrl, {
      grant_type: "client_credentials",
      client_id: emulator.issuer.clientId,
      client_secret: emulator.issuer.clientSecret,
      scope: `${emulator.url}/.default`,
    });
    expect(status).toBe(200);
    expect(body).toMatchObject({ token_type: "Bearer", expires_in: 3599 });
    const connection = { ...fixture.connection, token: { access_token: body.access_token } };
    const data = await runAction("queryEntities", { connection, entityType: "systemusers", fieldNames: ["fullname"] });
    expect(data.value.length).toBeGreaterThan(0);
  });

  it("client credentials: a wrong secret or scope is refused as Entra does", async () => {
    const { emulator } = fixture;
    const wrongSecret = await tokenRequest(emulator.tokenUrl, {
      grant_type: "client_credentials",
      client_id: emulator.issuer.clientId,
      client_secret: "nope",
      scope: `${emulator.url}/.default`,
    });
    expect(wrongSecret).toMatchObject({ status: 400, body: { error: "invalid_client" } });
    const wrongScope = await tokenRequest(emulator.tokenUrl, {
      grant_type: "client_credentials",
      client_id: emulator.issuer.clientId,
      client_secret: emulator.issuer.clientSecret,
      scope: emulator.url,
    });
    expect(wrongScope).toMatchObject({ status: 400, body: { error: "invalid_scope" } });
  });

  it("authorization code then refresh: each access token works, a used refresh token does not", async () => {
    const { emulator } = fixture;
    const authorize = new URL(emulator.authorizeUrl);
    Object.entries({
      client_id: emulator.issuer.clientId,
      response_type: "code",
      redirect_uri: "https://oauth2.prismatic.io/callback",
      scope: `${emulator.url}/user_impersonation offline_access`,
      state: "s1",
    }).forEach(([name, value]) => authorize.searchParams.set(name, value));
    const redirect = await fetch(authorize, { redirect: "manual" });
    const location = new URL(redirect.headers.get("location") ?? "");
    expect(location.searchParams.get("state")).toBe("s1");
    const code = location.searchParams.get("code") ?? "";
    const common = {
      client_id: emulator.issuer.clientId,
      client_secret: emulator.issuer.clientSecret,
      scope: `${emulator.url}/user_impersonation offline_access`,
    };
    const first = await tokenRequest(emulator.tokenUrl, {
      ...common,
      grant_type: "authorization_code",
      code,
      redirect_uri: "https://oauth2.prismatic.io/callback",
    });
    expect(first.status).toBe(200);
    expect(first.body.refresh_token).toBeTruthy();
    const refreshed = await tokenRequest(emulator.tokenUrl, {
      ...common,
      grant_type: "refresh_token",
      refresh_token: first.body.refresh_token,
    });
    expect(refreshed.status).toBe(200);
    const reused = await tokenRequest(emulator.tokenUrl, {
      ...common,
      grant_type: "refresh_token",
      refresh_token: first.body.refresh_token,
    });
    expect(reused).toMatchObject({ status: 400, body: { error: "invalid_grant" } });
    for (const token of [first.body.access_token, refreshed.body.access_token]) {
      const connection = { ...fixture.connection, key: "oauth2", token: { access_token: token } };
      const data = await runAction("getEntity", {
        connection,
        entityType: "accounts",
        entityId: SEED.accounts.fabrikam,
        fieldNames: ["name"],
      });
      expect(data.name).toBe("Fabrikam Inc");
    }
  });
});
