/** Shapes shared by the metadata actions' example payloads. */
const ORG = "https://my-org.crm.dynamics.com/api/data/v9.2/";

export const EXAMPLE_ATTRIBUTE_ID = "a2f6c5ee-1c9e-4c36-9d8c-4b0a8c1d2e3f";

const label = (text: string, metadataId: string) => {
  const localized = { Label: text, LanguageCode: 1033, IsManaged: false, MetadataId: metadataId, HasChanged: null };
  return { LocalizedLabels: [localized], UserLocalizedLabel: localized };
};

export const exampleEntityType = {
  logicalName: "account",
  schemaName: "Account",
  entitySetName: "accounts",
  displayName: "Account",
  isCustomEntity: false,
  isChildEntity: false,
  metadataId: "70e7ba1d-7d5a-4b7f-9e1a-2c7b5e0f1a01",
};

export const exampleEntityDefinition = {
  "@odata.context": `${ORG}$metadata#EntityDefinitions/$entity`,
  MetadataId: "70e7ba1d-7d5a-4b7f-9e1a-2c7b5e0f1a01",
  LogicalName: "account",
  SchemaName: "Account",
  EntitySetName: "accounts",
  LogicalCollectionName: "accounts",
  DisplayName: label("Account", "2a4901bf-2241-db11-898a-0007e9e17ebd"),
  DisplayCollectionName: label("Accounts", "2b4901bf-2241-db11-898a-0007e9e17ebd"),
  PrimaryIdAttribute: "accountid",
  PrimaryNameAttribute: "name",
  ObjectTypeCode: 1,
  OwnershipType: "UserOwned",
  IsCustomEntity: false,
  IsChildEntity: false,
  IsActivity: false,
  ChangeTrackingEnabled: true,
  IsCustomizable: { Value: true, CanBeChanged: true, ManagedPropertyLogicalName: "iscustomizable" },
};

const attributeBase = (logicalName: string, metadataId: string) => ({
  MetadataId: metadataId,
  LogicalName: logicalName,
  EntityLogicalName: "account",
  AttributeOf: null,
  IsCustomAttribute: false,
  IsPrimaryId: false,
  IsPrimaryName: false,
  IsValidForCreate: true,
  IsValidForUpdate: true,
  IsValidForRead: true,
  IsSecured: false,
  IsAuditEnabled: { Value: true, CanBeChanged: true, ManagedPropertyLogicalName: "canmodifyauditsettings" },
  IsValidForAdvancedFind: { Value: true, CanBeChanged: true, ManagedPropertyLogicalName: "canmodifysearchsettings" },
  RequiredLevel: { Value: "None", CanBeChanged: true, ManagedPropertyLogicalName: "canmodifyrequirementlevelsettings" },
});

export const examplePicklistAttribute = {
  "@odata.type": "#Microsoft.Dynamics.CRM.PicklistAttributeMetadata",
  ...attributeBase("industrycode", "5ea1c0bc-3c1f-4bb2-bd6f-0c7a8d3e2b11"),
  SchemaName: "IndustryCode",
  AttributeType: "Picklist",
  AttributeTypeName: { Value: "PicklistType" },
  DisplayName: label("Industry", "6fa1c0bc-3c1f-4bb2-bd6f-0c7a8d3e2b12"),
  Description: label("Type of industry with which the account is associated.", "7fa1c0bc-3c1f-4bb2-bd6f-0c7a8d3e2b13"),
  DefaultFormValue: -1,
  OptionSet: {
    MetadataId: "8fa1c0bc-3c1f-4bb2-bd6f-0c7a8d3e2b14",
    Name: "account_industrycode",
    IsGlobal: false,
    OptionSetType: "Picklist",
    Options: [{ Value: 1, Label: label("Accounting", "9fa1c0bc-3c1f-4bb2-bd6f-0c7a8d3e2b15") }],
  },
};

export const exampleAttribute = {
  "@odata.context": `${ORG}$metadata#EntityDefinitions('account')/Attributes/Microsoft.Dynamics.CRM.PicklistAttributeMetadata/$entity`,
  ...examplePicklistAttribute,
};

export const exampleMoneyAttribute = {
  "@odata.type": "#Microsoft.Dynamics.CRM.MoneyAttributeMetadata",
  ...attributeBase("new_balance", EXAMPLE_ATTRIBUTE_ID),
  IsCustomAttribute: true,
  SchemaName: "new_Balance",
  AttributeType: "Money",
  AttributeTypeName: { Value: "MoneyType" },
  DisplayName: label("Balance", "b3f6c5ee-1c9e-4c36-9d8c-4b0a8c1d2e40"),
  Description: label("Enter the balance amount", "c4f6c5ee-1c9e-4c36-9d8c-4b0a8c1d2e41"),
  Precision: 2,
  PrecisionSource: 2,
  MinValue: -922337203685477,
  MaxValue: 922337203685477,
};
