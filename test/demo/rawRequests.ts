/** The two raw-request actions; they read a relative path differently, so each gets the path it reads as the Web API's. */
import { step, type Demo } from "./harness";

export const rawRequests = async (demo: Demo): Promise<void> => {
  await step(
    "[CRM] Raw Request",
    "rawRequest",
    { connection: demo.connection, method: "GET", url: "WhoAmI" },
    (data) => `GET WhoAmI (relative to /api/data/v9.2/): UserId ${data.UserId}`,
  );
  await step(
    "Raw Request",
    "rawRequestV2",
    { connection: demo.connection, method: "GET", url: "/api/data/v9.2/accounts?$top=1&$select=name" },
    (data) => `GET /api/data/v9.2/accounts?$top=1&$select=name: ${data.value.map((record: any) => `"${record.name}"`).join(", ")}`,
  );
};
