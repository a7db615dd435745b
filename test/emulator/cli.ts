/**
 * `npm run emulator`: starts the emulator alone and prints how to reach it, so any
 * Dataverse client can be pointed at it. EMULATOR_PORT picks the port (default: any free one).
 */
import { startEmulator } from "./server";

const main = async (): Promise<void> => {
  const port = process.env.EMULATOR_PORT ? Number(process.env.EMULATOR_PORT) : 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`EMULATOR_PORT must be a port number, not '${process.env.EMULATOR_PORT}'.`);
  }
  const emulator = await startEmulator({ port });
  console.log(`Dataverse Web API emulator listening on ${emulator.url}`);
  console.log(`  Web API URL:   ${emulator.apiRoot}`);
  console.log(`  Token URL:     ${emulator.tokenUrl} (client credentials, authorization code, refresh)`);
  console.log(`  Authorize URL: ${emulator.authorizeUrl}`);
  console.log(`  Client ID:     ${emulator.issuer.clientId}`);
  console.log(`  Client secret: ${emulator.issuer.clientSecret}`);
  console.log(`  Scope:         ${emulator.url}/.default`);
  console.log(`  Access token:  ${emulator.accessToken}`);
  console.log("Press Ctrl+C to stop.");
  const stop = () => {
    emulator.stop().then(() => process.exit(0));
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
};

main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
