import type { TableDefinition } from "../emulator/schema";
import { runAction, useEmulator } from "../support";

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
