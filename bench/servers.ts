/** The parent's side of serverProcess.ts: one child process holding the servers, driven by messages. */
import { type ChildProcess, fork } from "node:child_process";
import { join } from "node:path";
import type { BulkLimits } from "./bulk";

export type ServerCommand =
  | { op: "emulator" }
  | { op: "seed"; count: number }
  | { op: "requests" }
  | { op: "throttle"; limit: number; windowMs: number }
  | { op: "throttled" }
  | { op: "newWindow" }
  | { op: "names"; prefix: string }
  | { op: "canned"; operations: number }
  | { op: "bulkEmulator"; limits: BulkLimits; tag: number; existing: number }
  | { op: "bulkAudit"; tag: number; count: number }
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

  private exited?: Error;

  private constructor(private readonly child: ChildProcess) {
    child.on("message", (message: { id: number; result?: unknown; error?: string }) => {
      const waiting = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (message.error !== undefined) waiting?.reject(new Error(message.error));
      else waiting?.resolve(message.result);
    });
    // A server process that dies fails what waits on it, so the benchmark stops with an error instead of hanging.
    child.on("exit", (code, signal) => {
      this.exited = new Error(`the server process exited (${signal ?? `code ${code}`})`);
      for (const waiting of this.pending.values()) waiting.reject(this.exited);
      this.pending.clear();
    });
  }

  static start(): Servers {
    const child = fork(join(__dirname, "serverProcess.ts"), [], { execArgv: ["-r", "ts-node/register/transpile-only"] });
    return new Servers(child);
  }

  send<T>(command: ServerCommand): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      if (this.exited) return reject(this.exited);
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.child.send({ id, command });
    });
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    await this.send({ op: "stop" });
    this.child.disconnect();
  }
}
