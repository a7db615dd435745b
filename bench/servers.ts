/** The parent's side of serverProcess.ts: one child process holding the servers, driven by messages. */
import { type ChildProcess, fork } from "node:child_process";
import { join } from "node:path";

export type ServerCommand =
  | { op: "emulator" }
  | { op: "seed"; count: number }
  | { op: "requests" }
  | { op: "throttle"; limit: number; windowMs: number }
  | { op: "throttled" }
  | { op: "newWindow" }
  | { op: "names"; prefix: string }
  | { op: "canned"; operations: number }
  | { op: "stop" };

export interface EmulatorAddress {
  url: string;
  tokenUrl: string;
  accessToken: string;
  clientId: string;
  clientSecret: string;
}

export class Servers {
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();

  private constructor(private readonly child: ChildProcess) {
    child.on("message", (message: { id: number; result?: unknown; error?: string }) => {
      const waiting = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (message.error !== undefined) waiting?.reject(new Error(message.error));
      else waiting?.resolve(message.result);
    });
  }

  static start(): Servers {
    const child = fork(join(__dirname, "serverProcess.ts"), [], { execArgv: ["-r", "ts-node/register/transpile-only"] });
    return new Servers(child);
  }

  send<T>(command: ServerCommand): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.child.send({ id, command });
    });
  }

  async stop(): Promise<void> {
    await this.send({ op: "stop" });
    this.child.disconnect();
  }
}
