/**
 * Functions and actions (reference §6), besides WhoAmI (in metadata.ts): functions answer
 * GET with parameters inline (`Fn(A='x')`) or as aliases (`Fn(A=@p1)?@p1='x'`), actions
 * answer POST with a JSON body. Reproduced: `RetrieveVersion` and
 * `RetrieveCurrentOrganization(AccessType=…)` (unbound functions, the latter with an enum
 * literal), `CalculateRollupField(Target=…,FieldName=…)` (a record-reference and a string
 * parameter), `systemusers(<id>)/Microsoft.Dynamics.CRM.RetrieveUserPrivileges` (bound
 * function), `WinOpportunity` (unbound action, 204; the opportunity becomes Won) and
 * `leads(<id>)/Microsoft.Dynamics.CRM.QualifyLead` (bound action, 200 with the created
 * records). Errors as the reference gives them: a function called with POST (or an action
 * with GET) is 404, a bound operation without its namespace is 400 "Request message has
 * unresolved parameters", an unknown operation 404. Simplified: the organization details and
 * privileges are fixed; a rollup "calculation" answers the column's stored value.
 */
import { randomUUID } from "node:crypto";
import { badRequest, DataverseFault, unknownSegment } from "./faults";
import { parseBody } from "./records";
import { findRecord, recordAt, tableNamed } from "./relationships";
import type { TableDefinition } from "./schema";
import { SEED } from "./seed";
import type { StoredRecord } from "./store";
import type { EmuContext, EmuRequest, EmuResponse } from "./types";

const NAMESPACE = "Microsoft.Dynamics.CRM.";

type Parameters = Record<string, unknown>;

interface Bound {
  table: TableDefinition;
  record?: StoredRecord;
}

interface Operation {
  kind: "function" | "action";
  /** The logical name of the table it is bound to (to one record), if bound. */
  boundTo?: string;
  run: (parameters: Parameters, context: EmuContext, bound?: Bound) => EmuResponse;
}

const responseOf = (context: EmuContext, type: string, body: Record<string, unknown>): EmuResponse => ({
  status: 200,
  body: { "@odata.context": `${context.apiRoot}$metadata#${NAMESPACE}${type}`, ...body },
});

const required = (parameters: Parameters, name: string): unknown => {
  if (parameters[name] === undefined) throw badRequest(`The parameter '${name}' is required and was not given.`);
  return parameters[name];
};

const ACCESS_TYPES = ["Default", "Internet", "Intranet"];

const retrieveCurrentOrganization = (parameters: Parameters, context: EmuContext): EmuResponse => {
  const accessType = required(parameters, "AccessType") as { enumType?: string; member?: string };
  if (accessType.enumType !== "EndpointAccessType" || !ACCESS_TYPES.includes(accessType.member ?? "")) {
    throw badRequest(`The value for parameter 'AccessType' is not a Microsoft.Dynamics.CRM.EndpointAccessType literal.`);
  }
  const root = context.apiRoot.replace(/\/api\/data\/v9\.2\/$/, "");
  return responseOf(context, "RetrieveCurrentOrganizationResponse", {
    Detail: {
      OrganizationId: SEED.organizationId,
      FriendlyName: "Contoso",
      OrganizationVersion: "9.2.24094.00193",
      EnvironmentId: "Default-0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9",
      DatacenterId: "00000000-0000-0000-0000-000000000000",
      Geo: "NA",
      TenantId: "a0b1c2d3-0000-4000-8000-00000000beef",
      UrlName: "contoso",
      UniqueName: "unq0f1e2d3c4b5a4978",
      State: "Enabled",
      Endpoints: {
        Count: 3,
        IsReadOnly: false,
        Keys: ["WebApplication", "OrganizationService", "OrganizationDataService"],
        Values: [`${root}/`, `${root}/XRMServices/2011/Organization.svc`, `${root}/XRMServices/2011/OrganizationData.svc`],
      },
    },
  });
};

const calculateRollupField = (parameters: Parameters, context: EmuContext): EmuResponse => {
  const reference = required(parameters, "Target") as Record<string, unknown>;
  const fieldName = required(parameters, "FieldName");
  const { table, record } = recordAt(context.store, reference?.["@odata.id"]);
  if (typeof fieldName !== "string" || !table.attributes.some((attribute) => attribute.logicalName === fieldName)) {
    throw badRequest(`The attribute '${String(fieldName)}' does not exist on entity '${table.logicalName}'.`, "0x80040203");
  }
  return responseOf(context, "CalculateRollupFieldResponse", {
    Entity: {
      "@odata.type": `#${NAMESPACE}${table.logicalName}`,
      [table.primaryIdAttribute]: record[table.primaryIdAttribute],
      [fieldName]: record[fieldName] ?? null,
    },
  });
};

const winOpportunity = (parameters: Parameters, context: EmuContext): EmuResponse => {
  const close = required(parameters, "OpportunityClose") as Record<string, unknown>;
  const status = required(parameters, "Status");
  if (typeof status !== "number") throw badRequest("The value for parameter 'Status' must be a whole number.");
  const { table, record } = recordAt(context.store, close?.["opportunityid@odata.bind"]);
  if (table.logicalName !== "opportunity") throw badRequest("OpportunityClose must refer to an opportunity.");
  // Won is statecode 1 for opportunities.
  context.store.update(table, record[table.primaryIdAttribute] as string, { statecode: 1, statuscode: status });
  return { status: 204 };
};

const retrieveUserPrivileges = (_parameters: Parameters, context: EmuContext): EmuResponse =>
  responseOf(context, "RetrieveUserPrivilegesResponse", {
    RolePrivileges: [
      {
        Depth: "Global",
        PrivilegeId: "886b280c-6396-4d56-a0a3-2c1b0a50ceb0",
        BusinessUnitId: SEED.businessUnitId,
        PrivilegeName: "prvReadAccount",
      },
      {
        Depth: "Basic",
        PrivilegeId: "d26fe964-230b-42dd-ad93-5cc879de411e",
        BusinessUnitId: SEED.businessUnitId,
        PrivilegeName: "prvWriteAccount",
      },
    ],
  });

/** Qualifies the lead (statecode 1) and creates the records asked for, each listed with its type. */
const qualifyLead = (parameters: Parameters, context: EmuContext, bound?: Bound): EmuResponse => {
  const { store } = context;
  const lead = bound?.record as StoredRecord;
  const leadId = lead.leadid as string;
  const created: Record<string, unknown>[] = [];
  const create = (logicalName: string, values: StoredRecord) => {
    const table = tableNamed(store, logicalName);
    const record = store.create(table, values, randomUUID());
    created.push({ "@odata.type": `#${NAMESPACE}${logicalName}`, [table.primaryIdAttribute]: record[table.primaryIdAttribute] });
  };
  if (required(parameters, "CreateAccount") === true) create("account", { name: lead.companyname ?? lead.fullname });
  if (required(parameters, "CreateContact") === true) create("contact", { firstname: lead.firstname, lastname: lead.lastname });
  if (required(parameters, "CreateOpportunity") === true) create("opportunity", { name: lead.subject, _originatingleadid_value: leadId });
  store.update(tableNamed(store, "lead"), leadId, { statecode: 1, statuscode: required(parameters, "Status") });
  return { status: 200, body: { "@odata.context": `${context.apiRoot}$metadata#Collection(${NAMESPACE}crmbaseentity)`, value: created } };
};

const OPERATIONS: Record<string, Operation> = {
  RetrieveVersion: {
    kind: "function",
    run: (_parameters, context) => responseOf(context, "RetrieveVersionResponse", { Version: "9.2.24094.00193" }),
  },
  RetrieveCurrentOrganization: { kind: "function", run: retrieveCurrentOrganization },
  CalculateRollupField: { kind: "function", run: calculateRollupField },
  RetrieveUserPrivileges: { kind: "function", boundTo: "systemuser", run: retrieveUserPrivileges },
  WinOpportunity: { kind: "action", run: winOpportunity },
  QualifyLead: { kind: "action", boundTo: "lead", run: qualifyLead },
};

const unquote = (text: string): string => text.slice(1, -1).replace(/''/g, "'");

/** One OData literal: a string, number, boolean, null, GUID, date-time, enum or JSON object. */
export const parseLiteral = (text: string): unknown => {
  const value = text.trim();
  if (/^'(?:[^']|'')*'$/.test(value)) return unquote(value);
  if (value === "null") return null;
  if (value === "true" || value === "false") return value === "true";
  if (/^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  const enumLiteral = /^Microsoft\.Dynamics\.CRM\.([A-Za-z_][A-Za-z0-9_]*)'([^']*)'$/.exec(value);
  if (enumLiteral) return { enumType: enumLiteral[1], member: enumLiteral[2] };
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value)) return value.toLowerCase();
  if (/^\d{4}-\d{2}-\d{2}T[0-9:.]+(Z|[+-]\d{2}:\d{2})$/.test(value)) return value;
  if (value.startsWith("{") || value.startsWith("[")) {
    // OData lets object literals use single-quoted strings: {'@odata.id':'contacts(…)'}.
    const json = value.replace(/'((?:[^']|'')*)'/g, (_quoted, inner: string) => JSON.stringify(inner.replace(/''/g, "'")));
    try {
      return JSON.parse(json);
    } catch {
      // falls through to the syntax error below
    }
  }
  throw badRequest(`Syntax error: '${value}' is not a valid literal.`);
};

/** `A=@p1,B='x'` with aliases resolved from the query string. */
const parseCall = (text: string, query: Record<string, string>): Parameters => {
  const parameters: Parameters = {};
  const pattern = /\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*('(?:[^']|'')*'|\{[^}]*\}|[^,]*)\s*(?:,|$)/gy;
  let consumed = 0;
  while (consumed < text.length) {
    const match = pattern.exec(text);
    if (!match) break;
    const raw = match[2].trim();
    if (raw.startsWith("@")) {
      if (query[raw] === undefined) throw badRequest(`The parameter alias '${raw}' has no value in the query string.`);
      parameters[match[1]] = parseLiteral(query[raw]);
    } else {
      parameters[match[1]] = parseLiteral(raw);
    }
    consumed = pattern.lastIndex;
  }
  if (consumed < text.trim().length) throw badRequest(`Syntax error in the function parameters '${text}'.`);
  return parameters;
};

const OPERATION_PATH = /^(?:([A-Za-z_][A-Za-z0-9_]*)(?:\((.*?)\))?\/)?((?:[A-Za-z_][A-Za-z0-9_]*\.)*[A-Za-z_][A-Za-z0-9_]*)(?:\((.*)\))?$/;

const boundTarget = (context: EmuContext, setName: string, keyText: string | undefined): Bound => {
  const table = context.store.bySetName(setName);
  if (!table) throw unknownSegment(setName);
  return { table, record: keyText === undefined ? undefined : findRecord(context.store, table, keyText) };
};

const checkCall = (request: EmuRequest, context: EmuContext, operation: Operation, path: string): void => {
  const method = request.method.toUpperCase();
  if (method !== (operation.kind === "function" ? "GET" : "POST")) {
    throw new DataverseFault(404, "0x8006088a", `No HTTP resource was found that matches the request URI '${context.apiRoot}${path}'.`);
  }
};

/** Answers undefined for paths that name no operation the emulator knows (entity sets, navigation). */
export const handleOperation = (request: EmuRequest, context: EmuContext): EmuResponse | undefined => {
  const path = decodeURIComponent(request.path);
  const match = OPERATION_PATH.exec(path);
  if (!match) return undefined;
  const [, setName, keyText, segment, call] = match;
  const qualified = segment.startsWith(NAMESPACE);
  const name = qualified ? segment.slice(NAMESPACE.length) : segment;
  const operation = OPERATIONS[name];
  if (!operation) {
    if (setName && segment.includes(".")) throw unknownSegment(segment);
    return undefined;
  }
  if (setName && !qualified) throw badRequest("Request message has unresolved parameters.");
  const bound = setName ? boundTarget(context, setName, keyText) : undefined;
  if (bound?.table.logicalName !== operation.boundTo || (operation.boundTo && !bound?.record)) throw unknownSegment(segment);
  checkCall(request, context, operation, path);
  const parameters = operation.kind === "function" ? parseCall(call ?? "", request.query) : parseBody(request);
  return operation.run(parameters, context, bound);
};
