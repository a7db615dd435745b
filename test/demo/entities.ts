/** The six single-record actions: create, query, get (by alternate key), upsert, update, delete. */
import { created, deleted, step, type Demo } from "./harness";

export const entityActions = async (demo: Demo): Promise<void> => {
  const { connection, suffix } = demo;
  const account = await step(
    "[CRM] Create Entity",
    "createEntity",
    {
      connection,
      entityType: "accounts",
      fieldValues: [{ key: "name", value: `Demo Account ${suffix}` }],
      dynamicValues: { accountnumber: `DEMO-${suffix}`, revenue: 125000 },
    },
    (data) => `accounts(${data["@component.id"]}) "${data.name}"`,
  );
  const accountId = account["@component.id"];
  created(demo, "accounts", accountId);
  const contact = await step(
    "[CRM] Create Entity",
    "createEntity",
    {
      connection,
      entityType: "contacts",
      fieldValues: [
        { key: "firstname", value: "Dana" },
        { key: "lastname", value: `Demo ${suffix}` },
      ],
      dynamicValues: { "parentcustomerid_account@odata.bind": `/accounts(${accountId})` },
    },
    (data) => `contacts(${data["@component.id"]}) "${data.fullname}", linked to the account`,
  );
  const contactId = contact["@component.id"];
  created(demo, "contacts", contactId);
  await step(
    "[CRM] Query Entities",
    "queryEntities",
    {
      connection,
      entityType: "contacts",
      fieldNames: ["fullname"],
      filterExpression: `_parentcustomerid_value eq ${accountId}`,
      expandPropertyNames: ["parentcustomerid_account($select=name)"],
    },
    (data) => data.value.map((record: any) => `"${record.fullname}" at "${record.parentcustomerid_account?.name}"`).join(", "),
  );
  await step(
    "[CRM] Get Entity",
    "getEntity",
    {
      connection,
      entityType: "accounts",
      entityId: `accountnumber='DEMO-${suffix}'`,
      fieldNames: ["name", "revenue"],
    },
    (data) => `by alternate key: "${data.name}", revenue ${data.revenue}`,
  );
  await step(
    "[CRM] Upsert Entity",
    "upsertEntity",
    {
      connection,
      entityType: "accounts",
      entityId: `accountnumber='DEMO-${suffix}'`,
      dynamicValues: { revenue: 150000 },
    },
    (data) => `${data["@component.created"] ? "created" : "updated"} accounts(${data["@component.id"]}), revenue ${data.revenue}`,
  );
  await step(
    "[CRM] Update Entity",
    "updateEntity",
    {
      connection,
      entityType: "contacts",
      entityId: contactId,
      fieldValues: [{ key: "jobtitle", value: "Demo Buyer" }],
    },
    (data) => `contacts(${data["@component.id"]}) job title "${data.jobtitle}"`,
  );
  await step(
    "[CRM] Delete Entity",
    "deleteEntity",
    { connection, entityType: "contacts", entityId: contactId },
    (data) => `contacts(${data.id}) deleted`,
  );
  deleted(demo, "contacts", contactId);
  await step(
    "[CRM] Delete Entity",
    "deleteEntity",
    { connection, entityType: "accounts", entityId: accountId },
    (data) => `accounts(${data.id}) deleted`,
  );
  deleted(demo, "accounts", accountId);
};
