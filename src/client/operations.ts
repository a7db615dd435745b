import { InputError } from "./wire/errors";
import type { DataverseClient, DataverseRequest, DataverseResponse } from "./wire/http";
import { normalizeGuid, recordPath, type RecordKey } from "./wire/names";
import { withRequestOptions, type RequestOptions } from "./requestOptions";
import { odataString } from "./wire/url";

/** What a function or action is bound to: nothing, one record, or an entity set. */
export type OperationBinding =
  | { kind: "unbound" }
  | { kind: "record"; entitySetName: string; key: RecordKey }
  | { kind: "collection"; entitySetName: string };

export interface OperationResult {
  /** The response body (a `…Response` complex type, a record or a collection); null for 204. */
  result: Record<string, unknown> | null;
}

export type OperationParameters = Record<string, unknown>;

export const CRM_NAMESPACE = "Microsoft.Dynamics.CRM.";

/** `WinOpportunity`, `new_AddNoteToContact`, `Microsoft.Dynamics.CRM.RetrieveUserPrivileges`. */
const OPERATION_NAME = /^([A-Za-z_][A-Za-z0-9_]*\.)*[A-Za-z_][A-Za-z0-9_]{0,127}$/;

export const requireOperationName = (value: unknown, inputLabel: string): string => {
  const text = typeof value === "string" ? value.trim() : "";
  if (!OPERATION_NAME.test(text)) {
    throw new InputError(
      inputLabel,
      text
        ? `'${text}' is not a Dataverse action or function name: use letters, digits and underscores, optionally after a namespace (for example WinOpportunity or Microsoft.Dynamics.CRM.new_MyAction).`
        : "is required: give the name of the action or function, for example WinOpportunity.",
    );
  }
  return text;
};

/** Dataverse resolves bound operations only by their full name (reference §6). */
const qualifiedName = (name: string, binding: OperationBinding): string =>
  binding.kind === "unbound" || name.includes(".") ? name : `${CRM_NAMESPACE}${name}`;

export const operationPath = (name: string, binding: OperationBinding): string => {
  const operation = qualifiedName(name, binding);
  if (binding.kind === "record") return `${recordPath(binding.entitySetName, binding.key)}/${operation}`;
  if (binding.kind === "collection") return `${binding.entitySetName}/${operation}`;
  return operation;
};

const ENUM_LITERAL = /^Microsoft\.Dynamics\.CRM\.[A-Za-z_][A-Za-z0-9_]*'[A-Za-z0-9_, ]*'$/;
const DATE_TIME_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * A function parameter as an OData literal. Strings are quoted with inner quotes doubled;
 * GUIDs, date-times with an offset and enum literals (`Microsoft.Dynamics.CRM.EndpointAccessType'Default'`)
 * are Edm literals written bare; a record reference is `{'@odata.id':'contacts(<guid>)'}`.
 */
export const functionLiteral = (value: unknown): string => {
  if (value === null || value === undefined) return "null";
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (typeof value === "string") {
    if (ENUM_LITERAL.test(value) || DATE_TIME_OFFSET.test(value)) return value;
    return normalizeGuid(value) ?? odataString(value);
  }
  const reference = (value as Record<string, unknown>)["@odata.id"];
  if (typeof reference === "string" && Object.keys(value as object).length === 1) {
    return `{'@odata.id':${odataString(reference)}}`;
  }
  return JSON.stringify(value);
};

/**
 * `Fn(A=@p1,B=@p2)?@p1=…&@p2=…`: aliases keep literals out of the path, which Dataverse
 * prefers because date-times and quotes survive the query string but not always the path.
 */
export const functionCall = (parameters: OperationParameters): { call: string; query: Record<string, string> } => {
  const names = Object.keys(parameters);
  const query = Object.fromEntries(names.map((name, index) => [`@p${index + 1}`, functionLiteral(parameters[name])]));
  const call = `(${names.map((name, index) => `${name}=@p${index + 1}`).join(",")})`;
  return { call, query };
};

/** No body is no result (204); a body that cannot be read is an error, which for an action says it ran. */
const toResult = (client: DataverseClient, request: DataverseRequest, response: DataverseResponse): OperationResult => ({
  result:
    response.status === 204 || !response.text.trim()
      ? null
      : (client.requireBody(request, response, "the result") as Record<string, unknown>),
});

/** Actions change data, so a POST whose answer is lost is not repeated (the client's rule). */
export const executeAction = async (
  client: DataverseClient,
  name: string,
  binding: OperationBinding,
  parameters: OperationParameters,
  options?: RequestOptions,
): Promise<OperationResult> => {
  const request = withRequestOptions({ method: "POST", path: operationPath(name, binding), body: parameters }, options);
  return toResult(client, request, await client.send(request));
};

export const executeFunction = async (
  client: DataverseClient,
  name: string,
  binding: OperationBinding,
  parameters: OperationParameters,
  options?: RequestOptions,
): Promise<OperationResult> => {
  const { call, query } = functionCall(parameters);
  const request = withRequestOptions({ method: "GET", path: `${operationPath(name, binding)}${call}`, query }, options);
  return toResult(client, request, await client.send(request));
};
