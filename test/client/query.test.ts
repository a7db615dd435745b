import { createDataverseClient, InputError, queryAllRecords } from "../../src/client";
import { fetchAllTooMany } from "../../src/inputs/queries";
import { useEmulator } from "../support";

const fixture = useEmulator();

describe("queryAllRecords", () => {
  it("reports the record limit with the error the caller gives: Fetch All's, or its own", async () => {
    const client = createDataverseClient(fixture.connection);
    const query = { select: ["name"], pageSize: 2 };
    await expect(queryAllRecords(client, "accounts", query, 2, fetchAllTooMany("Next Page Id"))).rejects.toThrow(
      /^Fetch All: the query returns more than 2 records/,
    );
    const own = (maxRecords: number) => new InputError("Webhook", `more than ${maxRecords} registrations`);
    await expect(queryAllRecords(client, "accounts", query, 2, own)).rejects.toThrow(/^Webhook: more than 2 registrations$/);
    expect(fixture.emulator.takeRequests()).toHaveLength(4);
  });
});
