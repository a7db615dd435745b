/**
 * The current user, table and column definitions, and the Entity Type picker. Creating and
 * updating a column changes a real environment's schema (and there is no action to remove a
 * column), so those two run only on the emulator unless DYNAMICS_DEMO_SCHEMA_CHANGES=1.
 */
import { attempt, harness, skipped, step, type Demo } from "./harness";

export const SCHEMA_CHANGES_VARIABLE = "DYNAMICS_DEMO_SCHEMA_CHANGES";

const label = (value: any): string => value?.UserLocalizedLabel?.Label ?? value?.LocalizedLabels?.[0]?.Label ?? "";

export const currentUser = (demo: Demo): Promise<unknown> =>
  step(
    "[CRM] Get Current User",
    "getCurrentUser",
    { connection: demo.connection },
    (data) => `"${data.user.fullname}" (UserId ${data.UserId})`,
  );

export const tableDefinitions = async (demo: Demo): Promise<void> => {
  const { connection } = demo;
  await step("[CRM] Get Entities Metadata", "getEntitiesMetaData", { connection, defaultSelectedRecordTypes: ["accounts"] }, (data) => {
    const selected = data.filter((entityType: any) => entityType.defaultSelected).map((entityType: any) => entityType.entitySetName);
    const columns = data.reduce((sum: number, entityType: any) => sum + entityType.fields.length, 0);
    return `${data.length} tables (${columns} columns), selected by default: ${selected.join(", ")}`;
  });
  await step(
    "[CRM] Get Entity Metadata",
    "getEntityMetaData",
    { connection, entityType: "account", lookupField: true },
    ({ result }) =>
      `${result.LogicalName} ("${label(result.DisplayName)}"): entity set ${result.EntitySetName}, id column ${result.PrimaryIdAttribute}`,
  );
  await step(
    "[CRM] Query Attributes",
    "queryAttributes",
    { connection, entityId: "account", attributeType: "Money", fieldNames: ["LogicalName"] },
    (data) =>
      `Money columns on account (${data.value.length}): ${data.value
        .slice(0, 3)
        .map((attribute: any) => attribute.LogicalName)
        .join(", ")}${data.value.length > 3 ? ", …" : ""}`,
  );
  await step(
    "[CRM] Get Attribute",
    "getAttribute",
    {
      connection,
      entityId: "account",
      attributeId: "name",
      attributeType: "String",
      fieldNames: ["LogicalName", "AttributeType", "MaxLength"],
    },
    (data) => `account.${data.LogicalName}: ${data.AttributeType}, MaxLength ${data.MaxLength}`,
  );
  await step("[CRM] List Entity Types", "listEntities", { connection }, (data) => {
    const names = data.entities.slice(0, 3).map((entity: any) => entity.name);
    return `${data.totalCount} entity sets in the service document, e.g. ${names.join(", ")}; more pages: ${data.hasMore}`;
  });
  await step(
    "[CRM] List Entities",
    "listEntitiesAction",
    { connection, includeOnlyTopLevel: true },
    (data) => `${data.totalCount} top-level tables: ${data.systemEntitiesCount} system, ${data.customEntitiesCount} custom`,
  );
  await step("[CRM] List Attributes", "listAttributesAction", { connection, entityId: "account" }, (data) => {
    const types = Object.entries(data.attributesByType as Record<string, number>).map(([type, count]) => `${count} ${type}`);
    return `${data.totalCount} columns on account (${types.join(", ")}), primary name ${data.primaryNameAttribute}`;
  });
  await attempt(
    "Select Entity Type",
    () => harness.dataSource("entityTypes", { connection }),
    ({ result }: any) => {
      const account = result.find((option: any) => option.key === "accounts");
      return `data source entityTypes: ${result.length} entity types, e.g. ${account.key} labelled "${account.label}"`;
    },
  );
};

/** The documented default body (a Money column), renamed for this run. */
const attributeBodyFor = (schemaName: string): string => {
  const inputs = harness.component.actions.createAttribute.inputs as { key: string; default?: string }[];
  const body = JSON.parse(inputs.find((input) => input.key === "attributeBody")?.default ?? "{}");
  body.SchemaName = schemaName;
  body.DisplayName.LocalizedLabels[0].Label = "Demo Balance";
  return JSON.stringify(body);
};

export const columnChanges = async (demo: Demo): Promise<void> => {
  if (!demo.schemaChanges) {
    const why = `schema change; set ${SCHEMA_CHANGES_VARIABLE}=1 to run`;
    skipped("[CRM] Create Attribute", why);
    skipped("[CRM] Update Attribute", why);
    return;
  }
  const { connection } = demo;
  const schemaName = `new_DemoBalance${demo.suffix}`;
  await step(
    "[CRM] Create Attribute",
    "createAttribute",
    { connection, entityId: "account", attributeBody: attributeBodyFor(schemaName) },
    (id) => `Money column ${schemaName} on account, MetadataId ${id}`,
  );
  const changes = { DisplayName: { LocalizedLabels: [{ Label: "Demo Balance (renamed)", LanguageCode: 1033 }] } };
  await step(
    "[CRM] Update Attribute",
    "updateAttribute",
    { connection, entityId: "account", attributeId: schemaName.toLowerCase(), attributeBody: JSON.stringify(changes) },
    (data) => `${data.definition.LogicalName} display name now "${label(data.definition.DisplayName)}"`,
  );
};
