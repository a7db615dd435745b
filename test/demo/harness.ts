/**
 * What every demo step shares: the harness around the BUILT component (dist/index.js, so the demo
 * runs what Prismatic would run), the run's state, and the one-line-per-step output.
 */
import type { Connection } from "@prismatic-io/spectral";
import { createHarness } from "@prismatic-io/spectral/dist/testing";
import type { Emulator } from "../emulator/server";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const component = require("../../dist/index.js").default;
export const harness = createHarness(component);

export interface Demo {
  connection: Connection;
  /** Makes this run's names and alternate keys unique, so runs against a real environment never collide. */
  suffix: string;
  /** Set when the demo runs against the local emulator rather than a real environment. */
  emulator?: Emulator;
  /** Create/Update Attribute change the schema: only on the emulator, or when asked for. */
  schemaChanges: boolean;
  /** Records created and not yet deleted, so a failed run still removes them. */
  leftovers: Map<string, string>;
}

const LABEL_WIDTH = 30;

export const report = (label: string, text: string): void => console.log(`  ✓ ${label.padEnd(LABEL_WIDTH)} ${text}`);

export const skipped = (label: string, why: string): void => console.log(`  - ${label.padEnd(LABEL_WIDTH)} skipped (${why})`);

/** Runs a step and reports it; a failure names the step it happened in. */
export const attempt = async <T>(label: string, run: () => Promise<T>, describe: (result: T) => string): Promise<T> => {
  let result: T;
  let text: string;
  try {
    result = await run();
    text = describe(result);
  } catch (error) {
    throw new Error(`${label}: ${(error as Error).message}`);
  }
  report(label, text);
  return result;
};

export const step = (label: string, key: string, params: Record<string, unknown>, describe: (data: any) => string): Promise<any> =>
  attempt(label, async () => ((await harness.action(key, params)) as { data: any }).data, describe);

export const created = (demo: Demo, entityType: string, id: string): void => {
  demo.leftovers.set(`${entityType}(${id})`, entityType);
};

export const deleted = (demo: Demo, entityType: string, id: string): void => {
  demo.leftovers.delete(`${entityType}(${id})`);
};

/** Deletes what a failed run left behind, children (created later) first. */
export const cleanUp = async (demo: Demo): Promise<void> => {
  for (const [reference, entityType] of [...demo.leftovers].reverse()) {
    const entityId = reference.slice(entityType.length + 1, -1);
    try {
      await harness.action("deleteEntity", { connection: demo.connection, entityType, entityId });
      console.log(`  cleaned up ${reference}`);
    } catch (error) {
      console.error(`  could not clean up ${reference}: ${(error as Error).message}`);
    }
  }
  demo.leftovers.clear();
};

/** Creates a record with Create Entity and remembers it for the clean-up; its id. */
export const createRecord = async (
  demo: Demo,
  entityType: string,
  dynamicValues: Record<string, unknown>,
  describe: (data: any) => string,
): Promise<string> => {
  const record = await step("[CRM] Create Entity", "createEntity", { connection: demo.connection, entityType, dynamicValues }, describe);
  created(demo, entityType, record["@component.id"]);
  return record["@component.id"];
};

/** Deletes a record with Delete Entity and forgets it. */
export const deleteRecord = async (demo: Demo, entityType: string, entityId: string): Promise<void> => {
  await step(
    "[CRM] Delete Entity",
    "deleteEntity",
    { connection: demo.connection, entityType, entityId },
    (data) => `${entityType}(${data.id}) deleted`,
  );
  deleted(demo, entityType, entityId);
};
