import { InputError } from "../../src/client";
import type { TableDefinition } from "../emulator/schema";
import { actionError, runAction, useEmulator } from "../support";

const fixture = useEmulator();

const LITERAL_REFERENCE = "Caf&#233; (a literal reference)";
const MARKUP = `Smith & <Sons> "Quoted" 'Apostrophe'`;

beforeAll(() => {
  const accounts = fixture.emulator.store.byLogicalName("account") as TableDefinition;
  for (const name of ["Café Nero", LITERAL_REFERENCE, MARKUP]) {
    fixture.emulator.store.create(accounts, { name });
  }
});

const namesMatching = async (value: string): Promise<{ names: string[]; sent: string }> => {
  const data = await runAction("fetchXml", {
    connection: fixture.connection,
    entityType: "accounts",
    xmlQuery: `<fetch><entity name="account"><attribute name="name" /><filter><condition attribute="name" operator="like" value="${value}" /></filter></entity></fetch>`,
  });
  const [request] = fixture.emulator.takeRequests();
  return { names: data.value.map((record: { name: string }) => record.name), sent: request.query.fetchXml };
};

describe("fetchXml: character references in the query", () => {
  it("decodes decimal and hexadecimal references once, so they match the characters they stand for", async () => {
    const decimal = await namesMatching("Caf&#233;%");
    expect(decimal.names).toEqual(["Café Nero"]);
    expect(decimal.sent).toContain('value="Café%"');
    const hexadecimal = await namesMatching("&#x41;dventure%");
    expect(hexadecimal.names).toEqual(["Adventure Works"]);
    expect(hexadecimal.sent).toContain('value="Adventure%"');
  });

  it("keeps an escaped ampersand before a reference literal, and round-trips the five XML escapes exactly", async () => {
    const literal = await namesMatching("Caf&amp;#233;%");
    expect(literal.names).toEqual([LITERAL_REFERENCE]);
    expect(literal.sent).toContain('value="Caf&amp;#233;%"');
    const markup = await namesMatching("Smith &amp; &lt;Sons&gt; &quot;Quoted&quot; &apos;Apostrophe&apos;");
    expect(markup.names).toEqual([MARKUP]);
    expect(markup.sent).toContain(`value="Smith &amp; &lt;Sons&gt; &quot;Quoted&quot; &apos;Apostrophe&apos;"`);
  });
});

describe("fetchXml: many references, DOCTYPE, and line breaks in values", () => {
  const fetchWith = (condition: string) =>
    `<fetch><entity name="account"><attribute name="name" /><filter>${condition}</filter></entity></fetch>`;

  it("accepts a valid query with more than 1000 character references", async () => {
    const value = `Contoso${"&#37;".repeat(1500)}`;
    const data = await runAction("fetchXml", {
      connection: fixture.connection,
      entityType: "accounts",
      xmlQuery: fetchWith(`<condition attribute="name" operator="like" value="${value}" />`),
    });
    expect(data.value.map((record: { name: string }) => record.name)).toEqual(["Contoso Ltd"]);
    const [request] = fixture.emulator.takeRequests();
    expect(request.query.fetchXml).toContain(`value="Contoso${"%".repeat(1500)}"`);
  });

  it("refuses a DOCTYPE, naming XML Query, before any request", async () => {
    const error = await actionError("fetchXml", {
      connection: fixture.connection,
      entityType: "accounts",
      xmlQuery: `<!DOCTYPE fetch [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>${fetchWith('<condition attribute="name" operator="eq" value="&b;" />')}`,
    });
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toMatch(/^XML Query: has a DOCTYPE/);
    expect(fixture.emulator.takeRequests()).toHaveLength(0);
  });

  it("keeps &#13;, &#10; and &#9; in attribute values as character references, and a raw line break as the space XML reads it as", async () => {
    await runAction("fetchXml", {
      connection: fixture.connection,
      entityType: "accounts",
      xmlQuery: fetchWith(
        '<condition attribute="description" operator="eq" value="one&#13;&#10;two&#xD;&#xA;three&#9;four" /><condition attribute="name" operator="ne" value="raw\r\nline\tbreak" />',
      ),
    });
    const [request] = fixture.emulator.takeRequests();
    expect(request.query.fetchXml).toContain('value="one&#13;&#10;two&#13;&#10;three&#9;four"');
    expect(request.query.fetchXml).toContain('value="raw line break"');
  });
});
