/**
 * Runs an action of the built component as Prismatic's runtime does: its `perform` (spectral's wrapper,
 * which cleans the inputs, around ours) with a step's context, and every input at its default (as text,
 * as Prismatic sends it) under the step's own values. Not through spectral's `createHarness`: that builds
 * jest mock functions for the logger on every call, a cost of the test tool (about 0.05 ms an action with
 * its garbage) that neither a flow in Prismatic nor dynamics-web-api pays.
 */
import { join } from "node:path";

interface BuiltAction {
  inputs: { key: string; default?: unknown }[];
  perform(context: unknown, params: Record<string, unknown>): Promise<{ data: unknown }>;
}

const noop = (): void => undefined;

/** What a step's context holds; `globalDebug` off, as in a flow not being debugged. */
const STEP_CONTEXT = {
  logger: { debug: noop, info: noop, log: noop, warn: noop, error: noop, metric: noop },
  globalDebug: false,
  instanceState: {},
  crossFlowState: {},
  executionState: {},
  integrationState: {},
  configVars: {},
  components: {},
  stepId: "benchStep",
  executionId: "benchExecution",
  webhookUrls: {},
  webhookApiKeys: {},
  invokeUrl: "",
  customer: { id: "customer", name: "Bench", externalId: "bench" },
  instance: { id: "instance", name: "Bench" },
  user: { id: "user", email: "bench@example.com", name: "Bench", externalId: "bench" },
  integration: { id: "integration", name: "Bench", versionSequenceId: "1", externalVersion: "1" },
  flow: { id: "flow", name: "Bench", stableId: "bench" },
  startedAt: new Date().toISOString(),
};

let actions: Record<string, BuiltAction> | undefined;
const defaults = new Map<string, Record<string, string>>();

const defaultsOf = (key: string, action: BuiltAction): Record<string, string> => {
  let values = defaults.get(key);
  if (!values) {
    values = Object.fromEntries(action.inputs.map((input) => [input.key, `${input.default ?? ""}`]));
    defaults.set(key, values);
  }
  return values;
};

/** Loads dist/index.js once, as Prismatic loads a component once per process, and runs one of its actions. */
export const runAction = async (key: string, params: Record<string, unknown>): Promise<{ data: unknown }> => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  actions ??= (require(join(__dirname, "..", "dist", "index.js")).default as { actions: Record<string, BuiltAction> }).actions;
  const action = actions[key];
  if (!action) throw new Error(`the built component has no action '${key}'`);
  return action.perform({ ...STEP_CONTEXT }, { ...defaultsOf(key, action), ...params });
};
