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
    (data) => `accounts(${data.id}) "${data.record.name}"`,
  );
  created(demo, "accounts", account.id);
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
      dynamicValues: { "parentcustomerid_account@odata.bind": `/accounts(${account.id})` },
    },
    (data) => `contacts(${data.id}) "${data.record.fullname}", linked to the account`,
  );
  created(demo, "contacts", contact.id);
  await step(
    "[CRM] Query Entities",
    "queryEntities",
    {
      connection,
      entityType: "contacts",
      fieldNames: ["fullname"],
      filterExpression: `_parentcustomerid_value eq ${account.id}`,
      expandPropertyNames: ["parentcustomerid_account($select=name)"],
    },
    (data) => data.records.map((record: any) => `"${record.fullname}" at "${record.parentcustomerid_account?.name}"`).join(", "),
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
    (data) => `${data.created ? "created" : "updated"} accounts(${data.id}), revenue ${data.record.revenue}`,
  );
  await step(
    "[CRM] Update Entity",
    "updateEntity",
    {
      connection,
      entityType: "contacts",
      entityId: contact.id,
      fieldValues: [{ key: "jobtitle", value: "Demo Buyer" }],
    },
    (data) => `contacts(${data.id}) job title "${data.record.jobtitle}"`,
  );
  await step(
    "[CRM] Delete Entity",
    "deleteEntity",
    { connection, entityType: "contacts", entityId: contact.id },
    (data) => `contacts(${data.id}) deleted`,
  );
  deleted(demo, "contacts", contact.id);
  await step(
    "[CRM] Delete Entity",
    "deleteEntity",
    { connection, entityType: "accounts", entityId: account.id },
    (data) => `accounts(${data.id}) deleted`,
  );
  deleted(demo, "accounts", account.id);
};
