import { action } from "@prismatic-io/spectral";
import { sendDataverseRawRequest } from "../../client";
import { rawRequestInputs, rawRequestLabels } from "../../inputs/rawRequest";
import { exampleNamedAccountRow } from "../examples";

export const rawRequest = action({
  display: {
    label: "[CRM] Raw Request",
    description: "Send raw HTTP request to Microsoft Dynamics 365 CRM",
  },
  inputs: rawRequestInputs,
  perform: async (context, { connection, ...values }) => {
    // Kept for existing flows: a path outside /api/ is relative to /api/data/v9.2/.
    const { data } = await sendDataverseRawRequest(connection, values, {
      paths: "webApiRoot",
      labels: rawRequestLabels,
      log: (line) => context.logger.info(line),
    });
    return { data };
  },
  examplePayload: {
    data: { "@odata.context": "https://my-org.crm.dynamics.com/api/data/v9.2/$metadata#accounts(name)", value: [exampleNamedAccountRow] },
  },
});
