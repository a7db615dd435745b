import { action } from "@prismatic-io/spectral";
import { executeAction as execute } from "../../client";
import { connectionInput } from "../../inputs/entities";
import { writeOptionInputs, requestOptionsOf } from "../../inputs/requestOptions";
import { actionName, bindingOf, boundEntityId, boundEntityType, operationParameters } from "../../inputs/operations";
import { clientFor } from "../clientFor";

export const executeAction = action({
  display: {
    label: "[CRM] Execute Action",
    description: "Execute a Microsoft Dynamics 365 CRM action, unbound or bound to an entity type or record.",
  },
  inputs: { actionName, operationParameters, boundEntityType, boundEntityId, connection: connectionInput, ...writeOptionInputs },
  perform: async (context, params) => {
    const binding = bindingOf(params.boundEntityType, params.boundEntityId);
    const client = clientFor(context, params.connection);
    return { data: await execute(client, params.actionName, binding, params.operationParameters, requestOptionsOf(params)) };
  },
  examplePayload: {
    data: {
      result: {
        "@odata.context": "https://my-org.crm.dynamics.com/api/data/v9.2/$metadata#Microsoft.Dynamics.CRM.AddToQueueResponse",
        QueueItemId: "5531d753-95af-e711-a94e-000d3a11e605",
      },
    },
  },
});
