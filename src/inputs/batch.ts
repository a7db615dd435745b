import { input } from "@prismatic-io/spectral";
import {
  InputError,
  parseRecordKey,
  requireGuid,
  requireName,
  type BatchAction,
  type BatchOperation,
  type RequestOptions,
} from "../client";
import { parseJsonInput, toBoolean, toOptionalString } from "./clean";
import { requireEtag } from "./requestOptions";

const LABEL = "Batch Actions";
const ACTIONS: BatchAction[] = ["create", "update", "upsert", "delete"];
const PROPERTIES = ["collection", "action", "key", "data", "returnRepresentation", "impersonateUserId", "ifMatchEtag"];

/**
 * Prismatic's component defaults to Event Management's msevtmgt_events, which most orgs do not
 * have. This one works on any org and leaves nothing behind: the create chooses the record's
 * id, so the update and the delete can name it.
 */
const EXAMPLE_ID = "00000000-0000-0000-0000-000000000002";
const exampleActions = [
  {
    collection: "accounts",
    action: "create",
    returnRepresentation: true,
    data: { accountid: EXAMPLE_ID, name: "Test Account 1" },
  },
  {
    collection: "accounts",
    action: "update",
    key: EXAMPLE_ID,
    returnRepresentation: true,
    data: { name: "Test Account 2" },
  },
  { collection: "accounts", action: "delete", key: EXAMPLE_ID },
];

const kindOf = (value: unknown): string => (value === null ? "null" : Array.isArray(value) ? "an array" : typeof value);

const parseList = (value: unknown): unknown[] => {
  const parsed = parseJsonInput(value, LABEL, "a JSON array of operations, as in the default");
  if (parsed === undefined) {
    throw new InputError(LABEL, "is required: give a JSON array of operations, as in the default.");
  }
  if (!Array.isArray(parsed) || !parsed.length) {
    throw new InputError(
      LABEL,
      `must be a non-empty JSON array of operations, not ${Array.isArray(parsed) ? "an empty array" : kindOf(parsed)}.`,
    );
  }
  return parsed;
};

/** Re-raises a property's InputError so that it names the operation it belongs to. */
const atOperation = <T>(index: number, read: () => T): T => {
  try {
    return read();
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    throw new InputError(LABEL, `operation ${index}: ${error.message}`);
  }
};

const fail = (index: number, problem: string): never => {
  throw new InputError(LABEL, `operation ${index}: ${problem}`);
};

const article = (action: BatchAction): string => (action === "create" || action === "delete" ? `a ${action}` : `an ${action}`);

const readAction = (value: unknown, index: number): BatchAction => {
  const action = typeof value === "string" ? value.trim().toLowerCase() : "";
  if (!ACTIONS.includes(action as BatchAction)) {
    fail(index, `'action' must be one of ${ACTIONS.join(", ")}, not ${JSON.stringify(value ?? null)}.`);
  }
  return action as BatchAction;
};

const readData = (value: unknown, action: BatchAction, index: number): Record<string, unknown> | undefined => {
  if (action === "delete") {
    return value === undefined ? undefined : fail(index, "a delete takes no 'data': remove it.");
  }
  if (!value || typeof value !== "object" || Array.isArray(value)) {
    fail(index, `${article(action)} needs 'data', a JSON object of column values such as {"name": "Contoso"}, not ${kindOf(value)}.`);
  }
  return value as Record<string, unknown>;
};

const readKey = (value: unknown, action: BatchAction, index: number) => {
  if (action === "create") {
    return value === undefined
      ? undefined
      : fail(index, "a create takes no 'key': remove it (to choose the new record's id, put its id column in 'data').");
  }
  if (value === undefined || value === null || value === "") {
    fail(index, `${article(action)} needs a 'key': the record's GUID or an alternate key such as accountnumber='A-1'.`);
  }
  return atOperation(index, () => parseRecordKey(value, "key"));
};

/** An operation's own impersonation and ETag, over the step's options; only what it gives. */
const readRequestOptions = (
  operation: Record<string, unknown>,
  action: BatchAction,
  index: number,
): { requestOptions?: RequestOptions } => {
  const requestOptions: RequestOptions = {};
  const userId = toOptionalString(operation.impersonateUserId);
  if (userId) requestOptions.impersonateUserId = atOperation(index, () => requireGuid(userId, "impersonateUserId"));
  const etag = atOperation(index, () => requireEtag(operation.ifMatchEtag, "ifMatchEtag"));
  if (etag && action === "create") fail(index, "a create has no record to match an ETag against: remove 'ifMatchEtag'.");
  if (etag) requestOptions.ifMatchEtag = etag;
  return Object.keys(requestOptions).length ? { requestOptions } : {};
};

const readOperation = (value: unknown, index: number): BatchOperation => {
  if (!value || typeof value !== "object" || Array.isArray(value)) {
    fail(index, `must be an object with 'collection' and 'action', not ${kindOf(value)}.`);
  }
  const operation = value as Record<string, unknown>;
  const unknown = Object.keys(operation).find((name) => !PROPERTIES.includes(name));
  if (unknown) {
    fail(index, `'${unknown}' is not an operation property: use ${PROPERTIES.join(", ")}.`);
  }
  const entitySetName = atOperation(index, () => requireName(operation.collection, "collection", "entity set name"));
  const action = readAction(operation.action, index);
  const returnRepresentation = operation.returnRepresentation;
  if (returnRepresentation !== undefined && typeof returnRepresentation !== "boolean") {
    fail(index, `'returnRepresentation' must be true or false, not ${JSON.stringify(returnRepresentation)}.`);
  }
  if (returnRepresentation && action === "delete") {
    fail(index, "a delete returns no record: remove 'returnRepresentation'.");
  }
  return {
    entitySetName,
    action,
    key: readKey(operation.key, action, index),
    data: readData(operation.data, action, index),
    returnRepresentation: returnRepresentation === true,
    ...readRequestOptions(operation, action, index),
  };
};

export const batchActions = input({
  label: LABEL,
  type: "code",
  language: "json",
  required: true,
  default: JSON.stringify(exampleActions, null, 2),
  comments:
    "A list of up to 1000 create, update or delete actions to perform. Each action must have a 'collection' and an 'action' (create, update or delete). Create or update actions must also have 'data' and can include a boolean 'returnRepresentation' which determines if the full record should be returned after being created or updated. Update or delete actions must also have an entity key.",
  clean: (value: unknown): BatchOperation[] => parseList(value).map(readOperation),
});

export const atomic = input({
  label: "Atomic",
  type: "boolean",
  required: false,
  default: "false",
  comments: "Run all actions in one change set, so they succeed or fail together: if one fails, none is applied. At most 1000 actions.",
  clean: (value: unknown) => toBoolean(value),
});

export const continueOnError = input({
  label: "Continue On Error",
  type: "boolean",
  required: false,
  default: "true",
  comments:
    "Keep going when an action fails, so one bad action does not stop the rest. When off, Dataverse stops at the first failure and the actions after it are reported as not executed.",
  clean: (value: unknown) => toBoolean(value, true),
});
