import { attributePath, parseAttributeMetadataType, parseMetadataKey, selectEntityTypes, type EntityType } from "../../src/client";
import { toEntityDefinitionLookup } from "../../src/inputs/metadata";

describe("parseAttributeMetadataType", () => {
  it.each([
    ["Picklist", "Picklist"],
    ["picklist", "Picklist"],
    ["PicklistAttributeMetadata", "Picklist"],
    ["Microsoft.Dynamics.CRM.MoneyAttributeMetadata", "Money"],
    ["#Microsoft.Dynamics.CRM.UniqueIdentifierAttributeMetadata", "UniqueIdentifier"],
    [" multiselectpicklist ", "MultiSelectPicklist"],
  ])("reads %p as %p", (text, type) => {
    expect(parseAttributeMetadataType(text, "Attribute Type")).toBe(type);
  });

  it.each(["Enum", "EnumAttributeMetadata", "Text", "Microsoft.Dynamics.CRM.Picklist", ""])("refuses %p", (text) => {
    expect(() => parseAttributeMetadataType(text, "Attribute Type")).toThrow(/^Attribute Type: /);
  });
});

describe("parseMetadataKey and attributePath", () => {
  it("takes a GUID in any form as a MetadataId and a name as a logical name", () => {
    expect(parseMetadataKey("{70000000-0000-4000-8000-00000000000D}", "Entity ID", "account")).toEqual({
      kind: "id",
      id: "70000000-0000-4000-8000-00000000000d",
    });
    expect(parseMetadataKey(" Account ", "Entity ID", "account")).toEqual({ kind: "logicalName", logicalName: "account" });
  });

  it.each(["", "acc'ount", "account)/x", "a b"])("refuses %p", (text) => {
    expect(() => parseMetadataKey(text, "Entity ID", "account")).toThrow(/^Entity ID: /);
  });

  it("builds keyed, cast paths", () => {
    const entity = { kind: "logicalName", logicalName: "account" } as const;
    expect(attributePath(entity)).toBe("EntityDefinitions(LogicalName='account')/Attributes");
    expect(
      attributePath(
        { kind: "id", id: "70000000-0000-4000-8000-00000000000d" },
        { kind: "logicalName", logicalName: "industrycode" },
        "Picklist",
      ),
    ).toBe(
      "EntityDefinitions(70000000-0000-4000-8000-00000000000d)/Attributes(LogicalName='industrycode')/Microsoft.Dynamics.CRM.PicklistAttributeMetadata",
    );
  });
});

describe("toEntityDefinitionLookup", () => {
  it("uses a MetadataId either way, else the logical or the entity set name", () => {
    expect(toEntityDefinitionLookup("70000000-0000-4000-8000-00000000000d", false)).toEqual({
      kind: "id",
      id: "70000000-0000-4000-8000-00000000000d",
    });
    expect(toEntityDefinitionLookup("Account", true)).toEqual({ kind: "logicalName", logicalName: "account" });
    expect(toEntityDefinitionLookup("accounts", false)).toEqual({ kind: "entitySetName", entitySetName: "accounts" });
  });
});

describe("selectEntityTypes", () => {
  const entityType = (logicalName: string, displayName: string, extra: Partial<EntityType> = {}): EntityType => ({
    logicalName,
    schemaName: logicalName,
    entitySetName: `${logicalName}s`,
    displayName,
    isCustomEntity: false,
    isChildEntity: false,
    metadataId: logicalName,
    ...extra,
  });
  const all = [
    entityType("contact", "Contact"),
    entityType("account", "Account"),
    entityType("new_project", "Project", { isCustomEntity: true }),
  ];
  const select = (filter: string[], includeAllCustom = true, defaultSelected: string[] = []) =>
    selectEntityTypes(all, { filter, defaultSelected, includeAllCustom }).map(
      (item) => `${item.logicalName}${item.defaultSelected ? "*" : ""}`,
    );

  it("includes everything for an empty filter, sorted by display name", () => {
    expect(select([])).toEqual(["account", "contact", "new_project"]);
  });

  it("matches logical names, entity set names and display names without regard to case", () => {
    expect(select(["ACCOUNTS"], false)).toEqual(["account"]);
    expect(select(["contact"], false)).toEqual(["contact"]);
    expect(select(["project"], false)).toEqual(["new_project"]);
    expect(select(["nothing"], false)).toEqual([]);
  });

  it("adds custom tables unless told not to, and marks the default selection", () => {
    expect(select(["account"], true, ["Project", "CONTACT"])).toEqual(["account", "new_project*"]);
  });
});
