/** Shapes shared by the example payloads Prismatic's designer shows before a flow runs. */
export const EXAMPLE_ACCOUNT_ID = "6d81597f-0f9f-e711-8122-000d3aa2331c";

const ORG = "https://my-org.crm.dynamics.com/api/data/v9.2/";

/** An account as it stands in a collection (`value`): Dataverse puts no `@odata.context` on its rows. */
export const exampleAccountRow = {
  "@odata.etag": 'W/"536530"',
  accountid: EXAMPLE_ACCOUNT_ID,
  name: "Contoso Ltd",
  accountnumber: "A-1001",
  revenue: 5000000,
  _primarycontactid_value: "25a17064-1ae7-e611-80f4-e0071b661f01",
  createdon: "2026-11-02T09:30:00Z",
  modifiedon: "2026-11-02T09:30:00Z",
};

/** The same account read on its own. */
export const exampleAccount = { "@odata.context": `${ORG}$metadata#accounts/$entity`, ...exampleAccountRow };

/** What `$select=name` brings back for a row: the etag, the key and the name. */
export const exampleNamedAccountRow = {
  "@odata.etag": exampleAccountRow["@odata.etag"],
  accountid: EXAMPLE_ACCOUNT_ID,
  name: exampleAccountRow.name,
};
