/**
 * Existing integrations switch to this component unchanged only if every documented action
 * keeps its label, description and inputs. This reads Prismatic's documentation page of
 * the existing component (test/fixtures) and compares each documented action we offer.
 */
import { readFileSync } from "fs";
import { join } from "path";
import component from "../src";

interface DocumentedInput {
  label: string;
  comments: string;
  defaultValue: string;
}

interface DocumentedAction {
  label: string;
  description: string;
  inputs: DocumentedInput[];
}

const page = readFileSync(join(__dirname, "fixtures/prismatic-ms-dynamics-docs.md"), "utf8");

/** Markdown table cells: `<code>` defaults keep their text, `<br />` is a line break, whitespace folds. */
const cell = (text: string): string =>
  text.replace(/<\/?code>/g, "").replace(/<br \/>/g, " ").replace(/\s+/g, " ").trim();

const documentedActions = (): DocumentedAction[] => {
  const section = page.slice(page.indexOf("## Actions"));
  return section
    .split(/^### /m)
    .slice(1)
    .map((block) => {
      const lines = block.split("\n");
      const rows = lines.filter((line) => line.startsWith("| ") && !line.startsWith("| Input") && !line.startsWith("| ---"));
      return {
        label: lines[0].trim(),
        description: lines.find((line, index) => index > 0 && line.trim() && !line.startsWith("|"))?.trim() ?? "",
        inputs: rows.map((row) => {
          const [label, comments, defaultValue] = row.slice(1, -1).split(" | ").map(cell);
          return { label, comments, defaultValue };
        }),
      };
    });
};

const normalizeDefault = (value: unknown): string => cell(typeof value === "string" ? value : JSON.stringify(value ?? ""));

const offered = Object.values(component.actions);
const documented = documentedActions().filter((action) => offered.some((candidate) => candidate.display.label === action.label));

it("reads the documentation page", () => {
  expect(documentedActions()).toHaveLength(17);
  expect(documented.map((action) => action.label)).toEqual(
    expect.arrayContaining(["[CRM] Create Entity", "[CRM] Get Entity", "[CRM] Update Entity", "[CRM] Upsert Entity", "[CRM] Delete Entity", "[CRM] Query Entities"]),
  );
});

describe.each(documented.map((action) => [action.label, action] as const))("%s", (_label, action) => {
  const ours = offered.find((candidate) => candidate.display.label === action.label);

  it("keeps its description", () => {
    expect(ours?.display.description).toBe(action.description);
  });

  it.each(action.inputs.map((input) => [input.label, input] as const))("keeps the input %s with its comment and default", (_inputLabel, input) => {
    const ourInput = ours?.inputs.find((candidate) => candidate.label === input.label);
    expect(ourInput).toBeDefined();
    expect(cell(ourInput?.comments ?? "")).toBe(input.comments);
    if (input.defaultValue) {
      expect(normalizeDefault(ourInput?.default)).toBe(input.defaultValue);
    }
  });

  it("lists the documented inputs in the documented order", () => {
    const ourLabels = (ours?.inputs ?? []).map((input) => input.label).filter((label) => action.inputs.some((input) => input.label === label));
    expect(ourLabels).toEqual(action.inputs.map((input) => input.label));
  });
});
