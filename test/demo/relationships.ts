/** Associations through a navigation property, and Dataverse functions and actions. */
import { createRecord, deleteRecord, step, type Demo } from "./harness";

export const relationships = async (demo: Demo): Promise<void> => {
  const { connection, suffix } = demo;
  const account = await createRecord(
    demo,
    "accounts",
    { name: `Demo Relations ${suffix}` },
    (data) => `accounts(${data["@component.id"]})`,
  );
  const contact = await createRecord(
    demo,
    "contacts",
    { lastname: `Related ${suffix}` },
    (data) => `contacts(${data["@component.id"]}), not linked yet`,
  );
  const link = { connection, entityType: "accounts", entityId: account, navigationProperty: "contact_customer_accounts" };
  await step(
    "[CRM] Associate Entities",
    "associateEntities",
    { ...link, relatedEntityType: "contacts", relatedEntityId: contact },
    (data) => `${data.relatedEntityType}(${data.relatedId}) added to ${data.navigationProperty}`,
  );
  await step("[CRM] List Associated Entities", "listAssociatedEntities", link, (data) =>
    data.links.map((item: any) => `${item.entityType}(${item.id})`).join(", "),
  );
  await step(
    "[CRM] Disassociate Entities",
    "disassociateEntities",
    { ...link, relatedEntityId: contact },
    (data) => `contacts(${data.relatedId}) removed from ${data.navigationProperty}`,
  );
  await deleteRecord(demo, "contacts", contact);
  await deleteRecord(demo, "accounts", account);
};

export const operations = async (demo: Demo): Promise<void> => {
  const { connection, suffix } = demo;
  await step(
    "[CRM] Execute Function",
    "executeFunction",
    { connection, functionName: "RetrieveVersion" },
    (data) => `RetrieveVersion: ${data.result.Version}`,
  );
  await step(
    "[CRM] Execute Function",
    "executeFunction",
    {
      connection,
      functionName: "RetrieveCurrentOrganization",
      operationParameters: { AccessType: "Microsoft.Dynamics.CRM.EndpointAccessType'Default'" },
    },
    (data) => `RetrieveCurrentOrganization: "${data.result.Detail.FriendlyName}"`,
  );
  const opportunity = await createRecord(
    demo,
    "opportunities",
    { name: `Demo Deal ${suffix}` },
    (data) => `opportunities(${data["@component.id"]})`,
  );
  await step(
    "[CRM] Execute Action",
    "executeAction",
    {
      connection,
      actionName: "WinOpportunity",
      operationParameters: {
        OpportunityClose: { subject: "Demo won", "opportunityid@odata.bind": `/opportunities(${opportunity})` },
        Status: 3,
      },
    },
    (data) => `WinOpportunity: ${data.result === null ? "done (204)" : JSON.stringify(data.result)}`,
  );
  await deleteRecord(demo, "opportunities", opportunity);
};
