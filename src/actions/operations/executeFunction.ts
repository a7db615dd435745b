import { action } from "@prismatic-io/spectral";
import { executeFunction as execute } from "../../client";
import { connectionInput } from "../../inputs/entities";
import { readOptionInputs, requestOptionsOf } from "../../inputs/requestOptions";
import { bindingOf, boundEntityId, boundEntityType, functionName, operationParameters } from "../../inputs/operations";
import { clientFor } from "../clientFor";

export const executeFunction = action({
  display: {
    label: "[CRM] Execute Function",
    description: "Execute a Microsoft Dynamics 365 CRM function, unbound or bound to an entity type or record.",
  },
  inputs: { functionName, operationParameters, boundEntityType, boundEntityId, connection: connectionInput, ...readOptionInputs },
  perform: async (context, params) => {
    const binding = bindingOf(params.boundEntityType, params.boundEntityId);
    const client = clientFor(context, params.connection);
    return { data: await execute(client, params.functionName, binding, params.operationParameters, requestOptionsOf(params)) };
  },
  examplePayload: {
    data: {
      result: {
        "@odata.context": "https://my-org.crm.dynamics.com/api/data/v9.2/$metadata#Microsoft.Dynamics.CRM.RetrieveVersionResponse",
        Version: "9.2.24094.00193",
      },
    },
  },
});
