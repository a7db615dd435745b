/**
 * Existing integrations switch to this component unchanged only if every documented action,
 * connection and trigger keeps its label, description and inputs. This reads Prismatic's
 * documentation page of the existing component (test/fixtures) and compares what we offer.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
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
  text
    .replace(/<\/?code>/g, "")
    .replace(/<br \/>/g, " ")
    .replace(/\s+/g, " ")
    .trim();

/** The `### ` blocks of one `## ` section of the page: each with its label, first paragraph and input rows. */
const documented = (heading: string): DocumentedAction[] => {
  const start = page.indexOf(`## ${heading}`);
  const end = page.indexOf("\n## ", start + 1);
  const section = page.slice(start, end === -1 ? undefined : end);
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

const documentedActions = (): DocumentedAction[] => documented("Actions");

const normalizeDefault = (value: unknown): string => cell(typeof value === "string" ? value : JSON.stringify(value ?? ""));

/**
 * Where we knowingly differ from the page: a typo fixed, and a default that failed on every
 * org without Event Management (a default only fills new steps, so existing flows keep theirs).
 */
const COMMENT_FIXES: Record<string, [string, string]> = {
  "This should be your Dynamics URL with '/.default' appened to it": ["appened", "appended"],
};
const CHANGED_DEFAULTS = new Set(["Batch Actions"]);

/** The page's comment, with our fixes; a blank one must have become a comment of our own. */
const expectComment = (ours: string | undefined, documented: string): void => {
  const comment = cell(ours ?? "");
  if (!documented) {
    expect(comment).not.toBe("");
    return;
  }
  const fix = COMMENT_FIXES[documented];
  expect(comment).toBe(fix ? documented.replace(fix[0], fix[1]) : documented);
};

const offered = Object.values(component.actions);
const documentedOffered = documentedActions().filter((action) => offered.some((candidate) => candidate.display.label === action.label));

it("reads the documentation page", () => {
  expect(documentedActions()).toHaveLength(17);
  expect(documentedOffered.map((action) => action.label)).toEqual(
    expect.arrayContaining([
      "[CRM] Create Entity",
      "[CRM] Get Entity",
      "[CRM] Update Entity",
      "[CRM] Upsert Entity",
      "[CRM] Delete Entity",
      "[CRM] Query Entities",
    ]),
  );
});

describe.each(documentedOffered.map((action) => [action.label, action] as const))("%s", (_label, action) => {
  const ours = offered.find((candidate) => candidate.display.label === action.label);

  it("keeps its description", () => {
    expect(ours?.display.description).toBe(action.description);
  });

  it.each(action.inputs.map((input) => [input.label, input] as const))(
    "keeps the input %s with its comment and default",
    (_inputLabel, input) => {
      const ourInput = ours?.inputs.find((candidate) => candidate.label === input.label);
      expect(ourInput).toBeDefined();
      expectComment(ourInput?.comments, input.comments);
      if (input.defaultValue && !CHANGED_DEFAULTS.has(input.label)) {
        expect(normalizeDefault(ourInput?.default)).toBe(input.defaultValue);
      }
    },
  );

  it("lists the documented inputs in the documented order", () => {
    const ourLabels = (ours?.inputs ?? [])
      .map((input) => input.label)
      .filter((label) => action.inputs.some((input) => input.label === label));
    expect(ourLabels).toEqual(action.inputs.map((input) => input.label));
  });
});

describe.each(documented("Connections").map((connection) => [connection.label, connection] as const))(
  "connection %s",
  (_label, connection) => {
    const ours = component.connections.find((candidate) => candidate.label === connection.label);

    it("is offered, with its description", () => {
      expect(ours?.comments).toBe(connection.description);
    });

    it("keeps each documented input's comment and default, in the documented order", () => {
      const inputs = ours?.inputs ?? [];
      for (const input of connection.inputs) {
        const ourInput = inputs.find((candidate) => candidate.label === input.label);
        expect(ourInput).toBeDefined();
        expectComment(ourInput?.comments, input.comments);
        if (input.defaultValue) expect(normalizeDefault(ourInput?.default)).toBe(input.defaultValue);
      }
      const ourLabels = inputs.map((input) => input.label).filter((label) => connection.inputs.some((input) => input.label === label));
      expect(ourLabels).toEqual(connection.inputs.map((input) => input.label));
    });
  },
);

it("offers the documented Webhook trigger with its description", () => {
  const [webhook] = documented("Triggers");
  const ours = Object.values(component.triggers).find((trigger) => trigger.display.label === webhook.label);
  expect(ours?.display.description).toBe(webhook.description);
});
