/**
 * Realistic starting data with lookups between the tables: users who own the records,
 * accounts with parent accounts and primary contacts, contacts that belong to accounts,
 * leads, and opportunities for accounts and contacts. Ids are fixed so tests and the
 * demo can name them.
 */
import type { Store } from "./store";

const id = (table: number, row: number): string =>
  `${table.toString(16).padStart(8, "0")}-0000-4000-8000-${row.toString(16).padStart(12, "0")}`;

export const SEED = {
  organizationId: "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9",
  businessUnitId: "b0000000-0000-4000-8000-000000000001",
  users: { admin: id(0x5e, 1), sales: id(0x5e, 2), support: id(0x5e, 3) },
  accounts: { contoso: id(0xacc, 1), fabrikam: id(0xacc, 2), adventureWorks: id(0xacc, 3), litware: id(0xacc, 4), northwind: id(0xacc, 5) },
  contacts: { maria: id(0xc0, 1), james: id(0xc0, 2), yvonne: id(0xc0, 3), nancy: id(0xc0, 4) },
};

const users = [
  {
    key: "admin",
    first: "Avery",
    last: "Howard",
    domain: "avery@contoso.onmicrosoft.com",
    objectId: "a1b2c3d4-0000-4000-8000-00000000a001",
  },
  { key: "sales", first: "Dan", last: "Park", domain: "dan@contoso.onmicrosoft.com", objectId: "a1b2c3d4-0000-4000-8000-00000000a002" },
  {
    key: "support",
    first: "Rene",
    last: "Valdes",
    domain: "rene@contoso.onmicrosoft.com",
    objectId: "a1b2c3d4-0000-4000-8000-00000000a003",
  },
] as const;

const accounts = [
  { key: "contoso", name: "Contoso Ltd", number: "A-1001", revenue: 5000000, employees: 1200, city: "Redmond", industry: 33 },
  { key: "fabrikam", name: "Fabrikam Inc", number: "A-1002", revenue: 2500000, employees: 450, city: "Seattle", industry: 7 },
  { key: "adventureWorks", name: "Adventure Works", number: "A-1003", revenue: 800000, employees: 90, city: "Bothell", industry: 1 },
  { key: "litware", name: "Litware, Inc.", number: "A-1004", revenue: 120000, employees: 12, city: "Redmond", industry: 33 },
  { key: "northwind", name: "Northwind Traders", number: "A-1005", revenue: 3100000, employees: 640, city: "Tacoma", industry: 7 },
] as const;

const contacts = [
  { key: "maria", first: "Maria", last: "Campbell", email: "maria@contoso.com", title: "Purchasing Manager", account: "contoso" },
  { key: "james", first: "James", last: "O'Brien", email: "james@fabrikam.com", title: "CFO", account: "fabrikam" },
  { key: "yvonne", first: "Yvonne", last: "McKay", email: "yvonne@adventure-works.com", title: "Buyer", account: "adventureWorks" },
  { key: "nancy", first: "Nancy", last: "Anderson", email: "nancy@litware.com", title: "Owner", account: "litware" },
] as const;

export const seedStore = (store: Store): void => {
  const at = (day: number): string => `2026-10-${String(day).padStart(2, "0")}T09:00:00Z`;
  const table = (logicalName: string) => {
    const found = store.byLogicalName(logicalName);
    if (!found) throw new Error(`no table ${logicalName}`);
    return found;
  };
  store.currentUserId = SEED.users.admin;
  users.forEach((user, index) =>
    store.create(
      table("systemuser"),
      {
        firstname: user.first,
        lastname: user.last,
        fullname: `${user.first} ${user.last}`,
        domainname: user.domain,
        internalemailaddress: user.domain,
        azureactivedirectoryobjectid: user.objectId,
        isdisabled: false,
        _businessunitid_value: SEED.businessUnitId,
        createdon: at(1 + index),
        modifiedon: at(1 + index),
      },
      SEED.users[user.key],
    ),
  );
  accounts.forEach((account, index) =>
    store.create(
      table("account"),
      {
        name: account.name,
        accountnumber: account.number,
        revenue: account.revenue,
        numberofemployees: account.employees,
        address1_city: account.city,
        industrycode: account.industry,
        creditonhold: false,
        telephone1: `+1 425 555 01${String(index).padStart(2, "0")}`,
        _parentaccountid_value: account.key === "litware" ? SEED.accounts.contoso : null,
        createdon: at(5 + index),
        modifiedon: at(5 + index),
      },
      SEED.accounts[account.key],
    ),
  );
  contacts.forEach((contact, index) =>
    store.create(
      table("contact"),
      {
        firstname: contact.first,
        lastname: contact.last,
        emailaddress1: contact.email,
        jobtitle: contact.title,
        _parentcustomerid_value: SEED.accounts[contact.account],
        createdon: at(10 + index),
        modifiedon: at(10 + index),
      },
      SEED.contacts[contact.key],
    ),
  );
  store.update(table("account"), SEED.accounts.contoso, { _primarycontactid_value: SEED.contacts.maria, modifiedon: at(14) });
  store.update(table("account"), SEED.accounts.fabrikam, { _primarycontactid_value: SEED.contacts.james, modifiedon: at(14) });
  const leads: [string, string, string, string, number][] = [
    ["Interested in 500 laptops", "Kim", "Shane", "Wingtip Toys", 1],
    ["Annual support renewal", "Ty", "Carlson", "Coho Winery", 2],
    ["Trade show follow-up", "Lena", "Ortiz", "Tailspin Toys", 3],
    ["Pricing request", "Ahmed", "Khan", "Margie's Travel", 2],
  ];
  leads.forEach(([subject, first, last, company, rating], index) =>
    store.create(
      table("lead"),
      {
        subject,
        firstname: first,
        lastname: last,
        companyname: company,
        emailaddress1: `${first.toLowerCase()}@${company.toLowerCase().replace(/[^a-z]/g, "")}.com`,
        estimatedamount: 10000 * (index + 1),
        leadqualitycode: rating,
        createdon: at(15 + index),
        modifiedon: at(15 + index),
      },
      id(0x1ead, index + 1),
    ),
  );
  const opportunities: [string, number, number, string][] = [
    ["Contoso fleet upgrade", 250000, 60, SEED.accounts.contoso],
    ["Fabrikam analytics rollout", 90000, 40, SEED.accounts.fabrikam],
    ["Adventure Works bikes", 45000, 80, SEED.accounts.adventureWorks],
  ];
  opportunities.forEach(([name, value, probability, customer], index) =>
    store.create(
      table("opportunity"),
      {
        name,
        estimatedvalue: value,
        closeprobability: probability,
        estimatedclosedate: "2026-12-31T00:00:00Z",
        _customerid_value: customer,
        createdon: at(20 + index),
        modifiedon: at(20 + index),
      },
      id(0x0b0, index + 1),
    ),
  );
};
