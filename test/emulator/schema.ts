/**
 * The emulator's tables: the one description from which records, lookups, navigation
 * properties, alternate keys and the metadata (EntityDefinitions/Attributes) all derive,
 * so that data and metadata always agree.
 */

export type AttributeType =
  | "Uniqueidentifier"
  | "String"
  | "Memo"
  | "Integer"
  | "BigInt"
  | "Decimal"
  | "Double"
  | "Money"
  | "Boolean"
  | "DateTime"
  | "Picklist"
  | "State"
  | "Status"
  | "Lookup"
  | "Customer"
  | "Owner"
  | "File"
  | "Image";

export interface OptionDefinition {
  value: number;
  label: string;
}

export interface AttributeDefinition {
  logicalName: string;
  type: AttributeType;
  displayName: string;
  /** Lookup targets, by logical name. */
  targets?: string[];
  options?: OptionDefinition[];
  maxLength?: number;
  isCustom?: boolean;
  /** Set by Dataverse itself (createdon, versionnumber…); refused in a request body. */
  readOnly?: boolean;
  /** File and image columns: the largest file they take. */
  maxSizeInKB?: number;
  /** Image columns: whether the full image is kept beside the thumbnail, and whether it is the table's primary image. */
  canStoreFullImage?: boolean;
  isPrimaryImage?: boolean;
  /** The full attribute definition as created through the metadata API, when it was. */
  definition?: Record<string, unknown>;
  metadataId: string;
}

/** A single-valued navigation property: `parentcustomerid_account` sets `_parentcustomerid_value`. */
export interface LookupNavigation {
  name: string;
  attribute: string;
  target: string;
}

/** A collection-valued navigation property: `contact_customer_accounts` lists the contacts of an account. */
export interface CollectionNavigation {
  name: string;
  /** The table whose records are listed. */
  referencingTable: string;
  /** The lookup column on those records that points back. */
  referencingAttribute: string;
}

export interface TableDefinition {
  logicalName: string;
  entitySetName: string;
  primaryIdAttribute: string;
  primaryNameAttribute: string;
  displayName: string;
  displayCollectionName: string;
  isCustomEntity: boolean;
  /** Child tables (activity parties, intersect tables) are not top-level in a picker. */
  isChildEntity: boolean;
  changeTrackingEnabled: boolean;
  alternateKeys: string[][];
  attributes: AttributeDefinition[];
  lookups: LookupNavigation[];
  collections: CollectionNavigation[];
  metadataId: string;
  objectTypeCode: number;
}

const guidFrom = (seed: number): string => {
  const hex = seed.toString(16).padStart(12, "0");
  return `70000000-0000-4000-8000-${hex}`;
};

let metadataSeed = 1;
const nextMetadataId = (): string => guidFrom(metadataSeed++);

export const defineAttribute = (
  logicalName: string,
  type: AttributeType,
  displayName: string,
  extra: Partial<AttributeDefinition> = {},
): AttributeDefinition => ({
  logicalName,
  type,
  displayName,
  metadataId: nextMetadataId(),
  ...extra,
});

const STATE_OPTIONS: OptionDefinition[] = [
  { value: 0, label: "Active" },
  { value: 1, label: "Inactive" },
];

let auditSeed = 1;

/**
 * Who wrote a record, and on whose behalf when impersonated (see caller.ts). Their metadata
 * ids come from a range of their own, so the other attributes keep the ids tests know.
 */
const auditAttributes = (): AttributeDefinition[] =>
  [
    ["createdby", "Created By"],
    ["modifiedby", "Modified By"],
    ["createdonbehalfby", "Created By (Delegate)"],
    ["modifiedonbehalfby", "Modified By (Delegate)"],
  ].map(([logicalName, displayName]) => ({
    logicalName,
    type: "Lookup",
    displayName,
    targets: ["systemuser"],
    readOnly: true,
    metadataId: `71000000-0000-4000-8000-${(auditSeed++).toString(16).padStart(12, "0")}`,
  }));

/** Columns every table has. */
const systemAttributes = (): AttributeDefinition[] => [
  defineAttribute("createdon", "DateTime", "Created On", { readOnly: true }),
  defineAttribute("modifiedon", "DateTime", "Modified On", { readOnly: true }),
  defineAttribute("versionnumber", "BigInt", "Version Number", { readOnly: true }),
  defineAttribute("statecode", "State", "Status", { options: STATE_OPTIONS }),
  defineAttribute("statuscode", "Status", "Status Reason", {
    options: [
      { value: 1, label: "Active" },
      { value: 2, label: "Inactive" },
    ],
  }),
  defineAttribute("ownerid", "Owner", "Owner", { targets: ["systemuser"] }),
  ...auditAttributes(),
];

export const defineTable = (
  definition: Omit<
    TableDefinition,
    "metadataId" | "attributes" | "isChildEntity" | "isCustomEntity" | "changeTrackingEnabled" | "alternateKeys" | "lookups" | "collections"
  > &
    Partial<TableDefinition> & { attributes: AttributeDefinition[] },
): TableDefinition => ({
  isCustomEntity: false,
  isChildEntity: false,
  changeTrackingEnabled: true,
  alternateKeys: [],
  lookups: [],
  collections: [],
  metadataId: nextMetadataId(),
  ...definition,
  attributes: [
    defineAttribute(definition.primaryIdAttribute, "Uniqueidentifier", definition.displayName),
    ...definition.attributes,
    ...(definition.logicalName === "systemuser" ? [] : systemAttributes()),
  ],
});

export const createSchema = (): TableDefinition[] => {
  metadataSeed = 1;
  auditSeed = 1;
  return [
    defineTable({
      logicalName: "account",
      entitySetName: "accounts",
      primaryIdAttribute: "accountid",
      primaryNameAttribute: "name",
      displayName: "Account",
      displayCollectionName: "Accounts",
      objectTypeCode: 1,
      alternateKeys: [["accountnumber"]],
      attributes: [
        defineAttribute("name", "String", "Account Name", { maxLength: 160 }),
        defineAttribute("accountnumber", "String", "Account Number", { maxLength: 20 }),
        defineAttribute("revenue", "Money", "Annual Revenue"),
        defineAttribute("numberofemployees", "Integer", "Number of Employees"),
        defineAttribute("telephone1", "String", "Main Phone", { maxLength: 50 }),
        defineAttribute("emailaddress1", "String", "Email", { maxLength: 100 }),
        defineAttribute("address1_city", "String", "Address 1: City", { maxLength: 80 }),
        defineAttribute("description", "Memo", "Description", { maxLength: 2000 }),
        defineAttribute("creditonhold", "Boolean", "Credit Hold"),
        defineAttribute("industrycode", "Picklist", "Industry", {
          options: [
            { value: 1, label: "Accounting" },
            { value: 7, label: "Consulting" },
            { value: 33, label: "Software" },
          ],
        }),
        defineAttribute("primarycontactid", "Lookup", "Primary Contact", { targets: ["contact"] }),
        defineAttribute("parentaccountid", "Lookup", "Parent Account", { targets: ["account"] }),
      ],
      lookups: [
        { name: "primarycontactid", attribute: "primarycontactid", target: "contact" },
        { name: "parentaccountid", attribute: "parentaccountid", target: "account" },
        { name: "ownerid", attribute: "ownerid", target: "systemuser" },
      ],
      collections: [
        { name: "contact_customer_accounts", referencingTable: "contact", referencingAttribute: "parentcustomerid" },
        { name: "opportunity_customer_accounts", referencingTable: "opportunity", referencingAttribute: "customerid" },
        { name: "account_parent_account", referencingTable: "account", referencingAttribute: "parentaccountid" },
      ],
    }),
    defineTable({
      logicalName: "contact",
      entitySetName: "contacts",
      primaryIdAttribute: "contactid",
      primaryNameAttribute: "fullname",
      displayName: "Contact",
      displayCollectionName: "Contacts",
      objectTypeCode: 2,
      alternateKeys: [["emailaddress1"]],
      attributes: [
        defineAttribute("firstname", "String", "First Name", { maxLength: 50 }),
        defineAttribute("lastname", "String", "Last Name", { maxLength: 50 }),
        defineAttribute("fullname", "String", "Full Name", { maxLength: 160, readOnly: true }),
        defineAttribute("emailaddress1", "String", "Email", { maxLength: 100 }),
        defineAttribute("jobtitle", "String", "Job Title", { maxLength: 100 }),
        defineAttribute("telephone1", "String", "Business Phone", { maxLength: 50 }),
        defineAttribute("birthdate", "DateTime", "Birthday"),
        defineAttribute("parentcustomerid", "Customer", "Company Name", { targets: ["account", "contact"] }),
      ],
      lookups: [
        { name: "parentcustomerid_account", attribute: "parentcustomerid", target: "account" },
        { name: "parentcustomerid_contact", attribute: "parentcustomerid", target: "contact" },
        { name: "ownerid", attribute: "ownerid", target: "systemuser" },
      ],
      collections: [{ name: "account_primary_contact", referencingTable: "account", referencingAttribute: "primarycontactid" }],
    }),
    defineTable({
      logicalName: "lead",
      entitySetName: "leads",
      primaryIdAttribute: "leadid",
      primaryNameAttribute: "fullname",
      displayName: "Lead",
      displayCollectionName: "Leads",
      objectTypeCode: 4,
      attributes: [
        defineAttribute("subject", "String", "Topic", { maxLength: 300 }),
        defineAttribute("firstname", "String", "First Name", { maxLength: 50 }),
        defineAttribute("lastname", "String", "Last Name", { maxLength: 50 }),
        defineAttribute("fullname", "String", "Name", { maxLength: 160, readOnly: true }),
        defineAttribute("companyname", "String", "Company Name", { maxLength: 100 }),
        defineAttribute("emailaddress1", "String", "Email", { maxLength: 100 }),
        defineAttribute("estimatedamount", "Money", "Est. Value"),
        defineAttribute("leadqualitycode", "Picklist", "Rating", {
          options: [
            { value: 1, label: "Hot" },
            { value: 2, label: "Warm" },
            { value: 3, label: "Cold" },
          ],
        }),
        defineAttribute("parentaccountid", "Lookup", "Parent Account for lead", { targets: ["account"] }),
      ],
      lookups: [
        { name: "parentaccountid", attribute: "parentaccountid", target: "account" },
        { name: "ownerid", attribute: "ownerid", target: "systemuser" },
      ],
    }),
    defineTable({
      logicalName: "opportunity",
      entitySetName: "opportunities",
      primaryIdAttribute: "opportunityid",
      primaryNameAttribute: "name",
      displayName: "Opportunity",
      displayCollectionName: "Opportunities",
      objectTypeCode: 3,
      attributes: [
        defineAttribute("name", "String", "Topic", { maxLength: 300 }),
        defineAttribute("estimatedvalue", "Money", "Est. Revenue"),
        defineAttribute("closeprobability", "Integer", "Probability"),
        defineAttribute("estimatedclosedate", "DateTime", "Est. Close Date"),
        defineAttribute("customerid", "Customer", "Potential Customer", { targets: ["account", "contact"] }),
        defineAttribute("originatingleadid", "Lookup", "Originating Lead", { targets: ["lead"] }),
      ],
      lookups: [
        { name: "customerid_account", attribute: "customerid", target: "account" },
        { name: "customerid_contact", attribute: "customerid", target: "contact" },
        { name: "originatingleadid", attribute: "originatingleadid", target: "lead" },
        { name: "ownerid", attribute: "ownerid", target: "systemuser" },
      ],
    }),
    defineTable({
      logicalName: "systemuser",
      entitySetName: "systemusers",
      primaryIdAttribute: "systemuserid",
      primaryNameAttribute: "fullname",
      displayName: "User",
      displayCollectionName: "Users",
      objectTypeCode: 8,
      attributes: [
        defineAttribute("fullname", "String", "Full Name", { maxLength: 200 }),
        defineAttribute("firstname", "String", "First Name", { maxLength: 64 }),
        defineAttribute("lastname", "String", "Last Name", { maxLength: 64 }),
        defineAttribute("domainname", "String", "User Name", { maxLength: 1024 }),
        defineAttribute("internalemailaddress", "String", "Primary Email", { maxLength: 100 }),
        defineAttribute("azureactivedirectoryobjectid", "Uniqueidentifier", "Azure AD Object ID"),
        defineAttribute("isdisabled", "Boolean", "Status"),
        defineAttribute("businessunitid", "Lookup", "Business Unit", { targets: ["businessunit"] }),
        defineAttribute("createdon", "DateTime", "Created On", { readOnly: true }),
        defineAttribute("modifiedon", "DateTime", "Modified On", { readOnly: true }),
        defineAttribute("versionnumber", "BigInt", "Version Number", { readOnly: true }),
      ],
      collections: [{ name: "user_accounts", referencingTable: "account", referencingAttribute: "ownerid" }],
    }),
  ];
};

export const findAttribute = (tableDefinition: TableDefinition, logicalName: string): AttributeDefinition | undefined =>
  tableDefinition.attributes.find((attribute) => attribute.logicalName === logicalName);

export const isLookupType = (type: AttributeType): boolean => type === "Lookup" || type === "Customer" || type === "Owner";

/** How a column appears in records: lookups read as `_<name>_value`. */
export const propertyName = (attribute: AttributeDefinition): string =>
  isLookupType(attribute.type) ? `_${attribute.logicalName}_value` : attribute.logicalName;
