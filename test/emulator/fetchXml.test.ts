/** The emulator's FetchXML, spoken to with plain fetch: cookies, annotations and conditions as the reference says. */
import { SEED } from "./seed";
import { startEmulator, type Emulator } from "./server";

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.stop());

const PAGING_ANNOTATIONS = 'odata.include-annotations="Microsoft.Dynamics.CRM.fetchxmlpagingcookie,Microsoft.Dynamics.CRM.morerecords"';

const fetchXml = async (entitySetName: string, xml: string, prefer?: string) => {
  const headers: Record<string, string> = { Accept: "application/json", Authorization: `Bearer ${emulator.accessToken}` };
  if (prefer) headers.Prefer = prefer;
  const response = await fetch(`${emulator.apiRoot}${entitySetName}?fetchXml=${encodeURIComponent(xml)}`, { headers });
  return { status: response.status, body: (await response.json()) as any };
};

const names = (body: { value: { name?: string }[] }) => body.value.map((row) => row.name);

it("double-encodes the inner paging cookie in the annotation, and leaves both annotations off the last page", async () => {
  const xml = (page: number, cookie = "") =>
    `<fetch count="3" page="${page}"${cookie ? ` paging-cookie="${cookie.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;")}"` : ""}><entity name="account"><attribute name="name" /><order attribute="name" /></entity></fetch>`;
  const first = await fetchXml("accounts", xml(1), PAGING_ANNOTATIONS);
  expect(names(first.body)).toEqual(["Adventure Works", "Contoso Ltd", "Fabrikam Inc"]);
  const annotation = first.body["@Microsoft.Dynamics.CRM.fetchxmlpagingcookie"];
  const inner = `<cookie page="1"><name last="Fabrikam Inc" first="Adventure Works" /><accountid last="{${SEED.accounts.fabrikam.toUpperCase()}}" first="{${SEED.accounts.adventureWorks.toUpperCase()}}" /></cookie>`;
  const encode = (text: string) => encodeURIComponent(text).replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase());
  const twice = encode(encode(inner));
  expect(annotation).toBe(`<cookie pagenumber="2" pagingcookie="${twice}" istracking="False" />`);
  expect(annotation).toMatch(/pagingcookie="%253ccookie%2520page%253d%25221%2522%253e%253cname%2520last%253d/);
  expect(first.body["@Microsoft.Dynamics.CRM.morerecords"]).toBe(true);

  const last = await fetchXml("accounts", xml(2, inner), PAGING_ANNOTATIONS);
  expect(names(last.body)).toEqual(["Litware, Inc.", "Northwind Traders"]);
  expect(Object.keys(last.body).sort()).toEqual(["@odata.context", "value"]);
});

it("sends the annotations only when the Prefer header asks for them", async () => {
  const xml = '<fetch count="1"><entity name="account"><attribute name="name" /></entity></fetch>';
  expect(Object.keys((await fetchXml("accounts", xml)).body).sort()).toEqual(["@odata.context", "value"]);
  const star = await fetchXml("accounts", xml, 'odata.include-annotations="*"');
  expect(star.body["@Microsoft.Dynamics.CRM.morerecords"]).toBe(true);
  const one = await fetchXml("accounts", xml, 'odata.include-annotations="Microsoft.Dynamics.CRM.morerecords"');
  expect(one.body["@Microsoft.Dynamics.CRM.morerecords"]).toBe(true);
  expect(one.body["@Microsoft.Dynamics.CRM.fetchxmlpagingcookie"]).toBeUndefined();
});

it("sends the record count annotations asked for: -1 and false without returntotalrecordcount, the matched rows with it", async () => {
  const xml = (counted: string) => `<fetch count="1"${counted}><entity name="account"><attribute name="name" /></entity></fetch>`;
  const TOTAL = "@Microsoft.Dynamics.CRM.totalrecordcount";
  const EXCEEDED = "@Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded";
  const uncounted = await fetchXml("accounts", xml(""), 'odata.include-annotations="*"');
  expect([uncounted.body[TOTAL], uncounted.body[EXCEEDED]]).toEqual([-1, false]);
  const counted = await fetchXml("accounts", xml(' returntotalrecordcount="true"'), 'odata.include-annotations="*"');
  expect([counted.body[TOTAL], counted.body[EXCEEDED]]).toEqual([5, false]);
  const one = await fetchXml(
    "accounts",
    xml(' returntotalrecordcount="true"'),
    'odata.include-annotations="Microsoft.Dynamics.CRM.totalrecordcount"',
  );
  expect(one.body[TOTAL]).toBe(5);
  expect(one.body).not.toHaveProperty(EXCEEDED);
  const unasked = await fetchXml("accounts", xml(' returntotalrecordcount="true"'), PAGING_ANNOTATIONS);
  expect(unasked.body).not.toHaveProperty(TOTAL);
});

it.each([
  ['<condition attribute="revenue" operator="ge" value="2500000" />', ["Contoso Ltd", "Fabrikam Inc", "Northwind Traders"]],
  ['<condition attribute="revenue" operator="gt" value="2500000" />', ["Contoso Ltd", "Northwind Traders"]],
  ['<condition attribute="revenue" operator="le" value="800000" />', ["Adventure Works", "Litware, Inc."]],
  ['<condition attribute="revenue" operator="lt" value="800000" />', ["Litware, Inc."]],
  ['<condition attribute="address1_city" operator="ne" value="redmond" />', ["Adventure Works", "Fabrikam Inc", "Northwind Traders"]],
  ['<condition attribute="name" operator="like" value="%in%" />', ["Fabrikam Inc", "Litware, Inc.", "Northwind Traders"]],
  [
    '<condition attribute="industrycode" operator="in"><value>1</value><value>33</value></condition>',
    ["Adventure Works", "Contoso Ltd", "Litware, Inc."],
  ],
  ['<condition attribute="parentaccountid" operator="null" />', ["Adventure Works", "Contoso Ltd", "Fabrikam Inc", "Northwind Traders"]],
  ['<condition attribute="primarycontactid" operator="not-null" />', ["Contoso Ltd", "Fabrikam Inc"]],
  ['<condition attribute="primarycontactid" operator="eq" value="' + SEED.contacts.maria.toUpperCase() + '" />', ["Contoso Ltd"]],
])("filters with %s", async (condition, expected) => {
  const xml = `<fetch><entity name="account"><attribute name="name" /><filter>${condition}</filter><order attribute="name" /></entity></fetch>`;
  const { status, body } = await fetchXml("accounts", xml);
  expect(status).toBe(200);
  expect(names(body)).toEqual(expected);
});

it.each([["<all-attributes />"], [""]])("returns every column but the null ones with %p", async (columns) => {
  const xml = `<fetch top="1"><entity name="contact">${columns}<filter><condition attribute="contactid" operator="eq" value="${SEED.contacts.maria}" /></filter></entity></fetch>`;
  const { body } = await fetchXml("contacts", xml);
  expect(body.value[0]).toMatchObject({
    contactid: SEED.contacts.maria,
    firstname: "Maria",
    lastname: "Campbell",
    _parentcustomerid_value: SEED.accounts.contoso,
  });
  expect(Object.values(body.value[0])).not.toContain(null);
  expect(body.value[0]).not.toHaveProperty("birthdate");
});

it.each([
  ['<fetch><entity name="contact" /></fetch>', /does not match the entity set 'accounts'/],
  [
    '<fetch><entity name="account"><attribute name="Name" /></entity></fetch>',
    /'account' entity doesn't contain attribute with Name = 'Name'/,
  ],
  ['<fetch top="5" count="5"><entity name="account" /></fetch>', /top attribute can't be combined with the page or count/],
  ['<fetch count="5001"><entity name="account" /></fetch>', /count attribute must be a whole number from 1 to 5000/],
  [
    '<fetch><entity name="account"><filter><condition attribute="name" operator="begins-with" value="A" /></filter></entity></fetch>',
    /operator 'begins-with' is not supported/,
  ],
  ['<fetch><entity name="account"></fetch>', /Invalid FetchXML/],
])("refuses %s with 400", async (xml, message) => {
  const { status, body } = await fetchXml("accounts", xml);
  expect(status).toBe(400);
  expect(body.error.message).toMatch(message);
});

it("sends no paging cookie, but morerecords, for a query ordered on a link-entity column", async () => {
  const link = (inside: string) =>
    `<fetch count="2"><entity name="contact"><attribute name="fullname" /><link-entity name="account" from="accountid" to="parentcustomerid" link-type="outer">${inside}</link-entity></entity></fetch>`;
  const { status, body } = await fetchXml("contacts", link('<order attribute="name" />'), PAGING_ANNOTATIONS);
  expect(status).toBe(200);
  expect(body.value).toHaveLength(2);
  expect(body["@Microsoft.Dynamics.CRM.morerecords"]).toBe(true);
  expect(body).not.toHaveProperty("@Microsoft.Dynamics.CRM.fetchxmlpagingcookie");
  const refused = await fetchXml("contacts", link('<attribute name="name" />'), PAGING_ANNOTATIONS);
  expect(refused.status).toBe(400);
  expect(refused.body.error.message).toMatch(/link-entity is reproduced by the emulator only with <order> elements inside/);
});

it("stops simple paging (no cookie) at 50,000 rows", async () => {
  const { status, body } = await fetchXml("accounts", '<fetch count="5000" page="11"><entity name="account" /></fetch>');
  expect(status).toBe(400);
  expect(body.error.message).toMatch(/limited to 50000 rows/);
});
