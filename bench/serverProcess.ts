/**
 * The servers the benchmark talks to, in a process of their own so that the benchmark's CPU
 * time is the clients' alone: the emulator, a throttling front for it, a canned `$batch`
 * server, and an emulator with service protection on for the bulk figure, fresh for each
 * client. The parent drives it with the messages of servers.ts.
 */
import { randomUUID } from "node:crypto";
import { Agent, createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { buffer } from "node:stream/consumers";
import { startEmulator, type Emulator } from "../test/emulator/server";
import { auditBulk, seedExisting, serviceProtectionOf } from "./bulk";
import { cannedBatchResponse } from "./canned";
import type { ServerCommand } from "./servers";

let emulator: Emulator | undefined;
let bulkEmulator: Emulator | undefined;
const servers: Server[] = [];
const throttle = { forwarded: 0, throttled: 0, windowStart: 0, used: 0 };

const listen = async (server: Server): Promise<string> => {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};

const accountsTable = (running: Emulator) => {
  const table = running.store.bySetName("accounts");
  if (!table) throw new Error("the emulator has no accounts table");
  return table;
};

/** Accounts with names in no particular order, so sorting by name is real work. */
const seedAccounts = (running: Emulator, count: number): void => {
  const table = accountsTable(running);
  for (let index = 0; index < count; index += 1) {
    const scrambled = ((index * 7919) % count).toString().padStart(6, "0");
    running.store.create(table, { name: `Bench ${scrambled}`, accountnumber: `B-${index}`, revenue: index * 10 });
  }
};

/**
 * Service protection scaled down to fit a benchmark: at most `limit` requests in each window
 * of `windowMs`; the rest get Dataverse's 429 with Retry-After (in seconds, as a fraction here)
 * until the window ends. Throttled requests never reach the emulator, as Dataverse does no work for them.
 */
const startThrottle = async (target: string, limit: number, windowMs: number): Promise<string> => {
  const agent = new Agent({ keepAlive: true });
  const server = createServer(async (request: IncomingMessage, response: ServerResponse) => {
    const body = await buffer(request);
    const now = Date.now();
    if (now - throttle.windowStart >= windowMs) {
      throttle.windowStart = now;
      throttle.used = 0;
    }
    if (throttle.used >= limit) {
      throttle.throttled += 1;
      const retryAfter = ((throttle.windowStart + windowMs - now) / 1000).toFixed(3);
      response.writeHead(429, { "Content-Type": "application/json; charset=utf-8", "Retry-After": retryAfter });
      response.end(JSON.stringify({ error: { code: "0x80072322", message: "Number of requests exceeded the limit of the window." } }));
      return;
    }
    throttle.used += 1;
    throttle.forwarded += 1;
    const forward = httpRequest(`${target}${request.url}`, { method: request.method, headers: request.headers, agent }, (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    });
    forward.on("error", () => response.destroy());
    forward.end(body);
  });
  return listen(server);
};

const startCanned = async (operations: number): Promise<string> => {
  let origin = "";
  let answer: { contentType: string; text: string } | undefined;
  const server = createServer(async (request, response) => {
    await buffer(request);
    answer ??= cannedBatchResponse(origin, operations);
    response.writeHead(200, { "Content-Type": answer.contentType, "OData-Version": "4.0", "x-ms-service-request-id": randomUUID() });
    response.end(answer.text);
  });
  origin = await listen(server);
  return origin;
};

const running = (): Emulator => {
  if (!emulator) throw new Error("start the emulator first");
  return emulator;
};

const addressOf = (started: Emulator) => ({
  url: started.url,
  tokenUrl: started.tokenUrl,
  accessToken: started.accessToken,
  clientId: started.issuer.clientId,
  clientSecret: started.issuer.clientSecret,
});

const handle = async (command: ServerCommand): Promise<unknown> => {
  switch (command.op) {
    case "emulator":
      emulator = await startEmulator({ seed: true });
      return addressOf(emulator);
    case "bulkEmulator":
      await bulkEmulator?.stop();
      bulkEmulator = await startEmulator({ seed: false, serviceProtection: serviceProtectionOf(command.limits) });
      seedExisting(bulkEmulator, command.tag, command.existing);
      bulkEmulator.takeRequests();
      return addressOf(bulkEmulator);
    case "bulkAudit":
      if (!bulkEmulator) throw new Error("start the bulk emulator first");
      return auditBulk(bulkEmulator, command.tag, command.count);
    case "seed":
      seedAccounts(running(), command.count);
      return running().store.list(accountsTable(running())).length;
    case "requests":
      return running().takeRequests().length;
    case "throttle":
      return startThrottle(running().url, command.limit, command.windowMs);
    case "throttled":
      return { forwarded: throttle.forwarded, throttled: throttle.throttled };
    case "newWindow":
      // Each client starts with a window of its own, untouched by the one before.
      throttle.windowStart = 0;
      return null;
    case "names": {
      const names = running()
        .store.list(accountsTable(running()))
        .map((record) => String(record.name))
        .filter((name) => name.startsWith(command.prefix));
      return { records: names.length, distinct: new Set(names).size };
    }
    case "canned":
      return startCanned(command.operations);
    case "stop":
      await emulator?.stop();
      await bulkEmulator?.stop();
      servers.forEach((server) => server.closeAllConnections());
      await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
      return null;
  }
};

process.on("message", (message: { id: number; command: ServerCommand }) => {
  handle(message.command).then(
    (result) => process.send?.({ id: message.id, result }),
    (error: Error) => process.send?.({ id: message.id, error: error.message }),
  );
});
