import { input } from "@prismatic-io/spectral";
import { InputError, isName, parseRecordKey, requireName, requireOperationName, type OperationBinding, type RecordKey } from "../client";
import { toJsonObject, toOptionalString } from "./clean";

export const actionName = input({
  label: "Action Name",
  type: "string",
  required: true,
  placeholder: "WinOpportunity",
  example: "WinOpportunity",
  comments:
    "The name of the Dataverse action (a message such as WinOpportunity, or a custom action's unique name such as new_AddNoteToContact)",
  clean: (value: unknown) => requireOperationName(value, "Action Name"),
});

export const functionName = input({
  label: "Function Name",
  type: "string",
  required: true,
  placeholder: "RetrieveCurrentOrganization",
  example: "RetrieveCurrentOrganization",
  comments: "The name of the Dataverse function, such as RetrieveCurrentOrganization or RetrieveUserPrivileges",
  clean: (value: unknown) => requireOperationName(value, "Function Name"),
});

export const operationParameters = input({
  label: "Parameters",
  type: "code",
  language: "json",
  required: false,
  comments:
    'The parameters as a JSON object, by parameter name. Function parameters: strings, numbers, booleans, GUIDs, enum values such as "Microsoft.Dynamics.CRM.EndpointAccessType\'Default\'" and record references such as {"@odata.id": "contacts(00000000-0000-0000-0000-000000000000)"}',
  clean: (value: unknown): Record<string, unknown> => {
    const parameters = toJsonObject(value, "Parameters") ?? {};
    const bad = Object.keys(parameters).find((name) => !isName(name));
    if (bad !== undefined) {
      throw new InputError(
        "Parameters",
        `'${bad}' is not a parameter name: use the parameter's name as Dataverse defines it, for example "Status".`,
      );
    }
    return parameters;
  },
});

export const boundEntityType = input({
  label: "Bound Entity Type",
  type: "string",
  required: false,
  placeholder: "systemusers",
  example: "systemusers",
  comments: "For a bound action or function: the type of Entity it is bound to, usually a pluralized name. Leave empty for an unbound one",
  dataSource: "entityTypes",
  clean: (value: unknown) => {
    const text = toOptionalString(value);
    return text ? requireName(text, "Bound Entity Type", "entity set name") : undefined;
  },
});

export const boundEntityId = input({
  label: "Bound Entity ID",
  type: "string",
  required: false,
  placeholder: "00000000-0000-0000-0000-000000000000",
  example: "00000000-0000-0000-0000-000000000000",
  comments: "For an operation bound to one record: the ID of that Entity record. Leave empty for one bound to the whole entity set",
  clean: (value: unknown) => (toOptionalString(value) ? parseRecordKey(value, "Bound Entity ID") : undefined),
});

export const bindingOf = (entitySetName: string | undefined, key: RecordKey | undefined): OperationBinding => {
  if (!entitySetName) {
    if (key) {
      throw new InputError(
        "Bound Entity ID",
        "is given without a Bound Entity Type: give the record's entity type as well, or leave both empty.",
      );
    }
    return { kind: "unbound" };
  }
  return key ? { kind: "record", entitySetName, key } : { kind: "collection", entitySetName };
};
