/** Prismatic's global debug: every action's requests are logged, and a token or secret never is. */
import type { Connection } from "@prismatic-io/spectral";
import { SEED } from "../emulator/seed";
import { harness, recordingLogger, useEmulator } from "../support";

const fixture = useEmulator();

const lines = (mock: jest.Mock): string[] => mock.mock.calls.map(([line]) => String(line));

describe("global debug", () => {
  it("logs each request's method, URL, status and time when debug is on, never the token", async () => {
    const logger = recordingLogger();
    // Prismatic turns debug on for a flow with globalDebug; spectral builds context.debug from it.
    const context = { logger, globalDebug: true };
    await harness.action("getCurrentUser", { connection: fixture.connection }, context as never);
    const logged = lines(logger.debug);
    expect(logged).toEqual([
      expect.stringMatching(/^GET http:\/\/127\.0\.0\.1:\d+\/api\/data\/v9\.2\/WhoAmI 200 \d+ ms$/),
      expect.stringMatching(new RegExp(`^GET .*/systemusers\\(${SEED.users.admin}\\)\\?\\$select=.* 200 \\d+ ms$`)),
    ]);
    expect(JSON.stringify(logger.debug.mock.calls)).not.toContain(fixture.emulator.accessToken);
  });

  it("logs a failed request with its status, and nothing when debug is off", async () => {
    const on = recordingLogger();
    const context = { logger: on, globalDebug: true };
    const missing = "00000000-0000-0000-0000-0000000000aa";
    await expect(
      harness.action("getEntity", { connection: fixture.connection, entityType: "accounts", entityId: missing }, context as never),
    ).rejects.toThrow(/Record not found/);
    expect(lines(on.debug)).toEqual([expect.stringMatching(/^GET .*accounts\(0{8}-0{4}-0{4}-0{4}-0{10}aa\) 404 \d+ ms$/)]);
    const off = recordingLogger();
    await harness.action("getCurrentUser", { connection: fixture.connection }, { logger: off, globalDebug: false } as never);
    expect(off.debug).not.toHaveBeenCalled();
  });
});

describe("Auth Code connection scopes", () => {
  const authCode = (scopes: string): Connection => ({
    ...fixture.connection,
    key: "oauth2",
    fields: { ...fixture.connection.fields, scopes },
  });

  it.each([[""], ["https://my-org.crm.dynamics.com/user_impersonation"]])(
    "warns when the scopes %p lack offline_access, naming the scopes to use",
    async (scopes) => {
      const logger = recordingLogger();
      await harness.action("getCurrentUser", { connection: authCode(scopes) }, { logger } as never);
      expect(lines(logger.warn)).toEqual([
        expect.stringContaining(`Set Scopes to '${fixture.emulator.url}/user_impersonation offline_access'`),
      ]);
    },
  );

  it("is quiet when offline_access is there, and for client credentials", async () => {
    const logger = recordingLogger();
    await harness.action("getCurrentUser", { connection: authCode(`${fixture.emulator.url}/user_impersonation offline_access`) }, {
      logger,
    } as never);
    await harness.action("getCurrentUser", { connection: fixture.connection }, { logger } as never);
    expect(logger.warn).not.toHaveBeenCalled();
  });
});
