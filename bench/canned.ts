/**
 * The 1000-operation change set both clients send, and the answer Dataverse gives it: every
 * create answered `201 Created` with its record (`return=representation`), each part
 * echoing its Content-ID, in a change set response inside the batch response.
 */
const CRLF = "\r\n";

/** The id the canned answer gives the record of operation `index`. */
export const cannedId = (index: number): string => `be0c0000-0000-4000-8000-${index.toString(16).padStart(12, "0")}`;

export const benchAccount = (index: number): Record<string, unknown> => ({
  name: `Bench account ${index}`,
  accountnumber: `B-${index}`,
  revenue: 1000 + index,
  telephone1: "+1 425 555 0100",
  address1_city: "Redmond",
  description: "An account the benchmark writes in a change set.",
});

const cannedRecord = (origin: string, index: number): string =>
  JSON.stringify({
    "@odata.context": `${origin}/api/data/v9.2/$metadata#accounts/$entity`,
    "@odata.etag": `W/"${2_000_000 + index}"`,
    accountid: cannedId(index),
    ...benchAccount(index),
    statecode: 0,
    statuscode: 1,
    createdon: "2026-10-01T09:00:00Z",
    modifiedon: "2026-10-01T09:00:00Z",
    _ownerid_value: "0000005e-0000-4000-8000-000000000001",
    versionnumber: 2_000_000 + index,
  });

const cannedPart = (origin: string, index: number): string =>
  [
    "Content-Type: application/http",
    "Content-Transfer-Encoding: binary",
    `Content-ID: ${index + 1}`,
    "",
    "HTTP/1.1 201 Created",
    "Content-Type: application/json; odata.metadata=minimal",
    "OData-Version: 4.0",
    `OData-EntityId: ${origin}/api/data/v9.2/accounts(${cannedId(index)})`,
    "Preference-Applied: return=representation",
    "",
    cannedRecord(origin, index),
  ].join(CRLF);

export const cannedBatchResponse = (origin: string, operations: number): { contentType: string; text: string } => {
  const batch = "batchresponse_0f6f3a6e-0000-4000-8000-000000000001";
  const changeSet = "changesetresponse_0f6f3a6e-0000-4000-8000-000000000002";
  const parts = Array.from({ length: operations }, (_, index) => `--${changeSet}${CRLF}${cannedPart(origin, index)}${CRLF}`).join("");
  const text = [
    `--${batch}`,
    `Content-Type: multipart/mixed; boundary=${changeSet}`,
    "",
    `${parts}--${changeSet}--`,
    `--${batch}--`,
    "",
  ].join(CRLF);
  return { contentType: `multipart/mixed; boundary=${batch}`, text };
};
