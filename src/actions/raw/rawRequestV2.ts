import { action } from "@prismatic-io/spectral";
import { sendDataverseRawRequest } from "../../client";
import { rawRequestInputs, rawRequestLabels } from "../../inputs/rawRequest";
import { exampleNamedAccountRow } from "../examples";

export const rawRequestV2 = action({
  display: {
    label: "Raw Request",
    description: "Send raw HTTP request to Microsoft Dynamics 365",
  },
  inputs: rawRequestInputs,
  perform: async (context, { connection, ...values }) => {
    // Every path is taken on the connection's host as it is written.
    const { data } = await sendDataverseRawRequest(connection, values, {
      paths: "host",
      labels: rawRequestLabels,
      log: (line) => context.logger.info(line),
    });
    return { data };
  },
  examplePayload: {
    data: { "@odata.context": "https://my-org.crm.dynamics.com/api/data/v9.2/$metadata#accounts(name)", value: [exampleNamedAccountRow] },
  },
});
