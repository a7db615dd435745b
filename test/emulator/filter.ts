/**
 * OData `$filter` as Dataverse evaluates it: comparison operators (eq ne gt ge lt le),
 * and/or/not with parentheses, contains/startswith/endswith, null, GUID, number, boolean
 * and date-time literals, and lookup values (`_parentcustomerid_value`). String comparisons
 * ignore case, as Dataverse's SQL collation does. Query functions such as
 * `Microsoft.Dynamics.CRM.LastXHours` are not reproduced and answer 400 (a simplification).
 */
import { badRequest, unknownProperty } from "./faults";
import type { StoredRecord } from "./store";

export type Predicate = (record: StoredRecord) => boolean;

type Token = { kind: "punct"; text: string } | { kind: "string"; text: string } | { kind: "word"; text: string };

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DATE = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2})?)?$/;
const NUMBER = /^-?\d+(\.\d+)?$/;
const COMPARISON = new Set(["eq", "ne", "gt", "ge", "lt", "le"]);
const TEXT_FUNCTIONS = new Set(["contains", "startswith", "endswith"]);

const tokenize = (text: string): Token[] => {
  const tokens: Token[] = [];
  let index = 0;
  while (index < text.length) {
    const char = text[index];
    if (/\s/.test(char)) {
      index += 1;
    } else if (char === "(" || char === ")" || char === ",") {
      tokens.push({ kind: "punct", text: char });
      index += 1;
    } else if (char === "'") {
      let value = "";
      index += 1;
      for (;;) {
        if (index >= text.length) {
          throw badRequest(`Syntax error: unterminated string literal in $filter '${text}'.`);
        }
        if (text[index] === "'") {
          if (text[index + 1] === "'") {
            value += "'";
            index += 2;
            continue;
          }
          index += 1;
          break;
        }
        value += text[index];
        index += 1;
      }
      tokens.push({ kind: "string", text: value });
    } else {
      const match = /^[A-Za-z0-9_./:@+-]+/.exec(text.slice(index));
      if (!match) {
        throw badRequest(`Syntax error at position ${index} in $filter '${text}'.`);
      }
      tokens.push({ kind: "word", text: match[0] });
      index += match[0].length;
    }
  }
  return tokens;
};

type Operand = { kind: "property"; name: string } | { kind: "literal"; value: unknown };

/**
 * A column value as it compares: dates as their time, other strings in lower case. Sorting
 * works on these keys, computed once per row, so no comparison runs a regex or lower-cases.
 */
export const sortKey = (value: unknown): unknown => {
  if (typeof value === "string") {
    if (GUID.test(value)) return value.toLowerCase();
    if (DATE.test(value) && !Number.isNaN(Date.parse(value))) return Date.parse(value);
    return value.toLowerCase();
  }
  return value;
};

/** Orders two sort keys (see sortKey) as Dataverse orders their values: nulls first, strings without regard to case. */
export const compareKeys = (a: unknown, b: unknown): number => {
  if (a === b) return 0;
  if (a === null || a === undefined) return -1;
  if (b === null || b === undefined) return 1;
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (typeof a === "boolean" && typeof b === "boolean") return Number(a) - Number(b);
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
};

export const compareValues = (left: unknown, right: unknown): number => compareKeys(sortKey(left), sortKey(right));

class Parser {
  private position = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly source: string,
    private readonly knownProperty: (name: string) => boolean,
    private readonly logicalName: string,
  ) {}

  parse(): Predicate {
    const predicate = this.or();
    if (this.position < this.tokens.length) {
      throw badRequest(`Syntax error at '${this.peek()?.text}' in $filter '${this.source}'.`);
    }
    return predicate;
  }

  private peek(): Token | undefined {
    return this.tokens[this.position];
  }

  private isWord(text: string): boolean {
    const token = this.peek();
    return token?.kind === "word" && token.text.toLowerCase() === text;
  }

  private expect(text: string): void {
    const token = this.tokens[this.position++];
    if (!token || token.text !== text) {
      throw badRequest(`Syntax error: expected '${text}' in $filter '${this.source}'.`);
    }
  }

  private or(): Predicate {
    let left = this.and();
    while (this.isWord("or")) {
      this.position += 1;
      const l = left;
      const r = this.and();
      left = (record) => l(record) || r(record);
    }
    return left;
  }

  private and(): Predicate {
    let left = this.not();
    while (this.isWord("and")) {
      this.position += 1;
      const l = left;
      const r = this.not();
      left = (record) => l(record) && r(record);
    }
    return left;
  }

  private not(): Predicate {
    if (this.isWord("not")) {
      this.position += 1;
      const inner = this.not();
      return (record) => !inner(record);
    }
    return this.primary();
  }

  private primary(): Predicate {
    const token = this.peek();
    if (token?.kind === "punct" && token.text === "(") {
      this.position += 1;
      const inner = this.or();
      this.expect(")");
      return inner;
    }
    if (token?.kind === "word" && TEXT_FUNCTIONS.has(token.text.toLowerCase())) {
      return this.textFunction(token.text.toLowerCase());
    }
    if (token?.kind === "word" && token.text.includes(".") && this.tokens[this.position + 1]?.text === "(") {
      throw badRequest(`The function '${token.text}' is not supported by the emulator.`);
    }
    const left = this.operand();
    const operator = this.tokens[this.position++];
    if (operator?.kind !== "word" || !COMPARISON.has(operator.text.toLowerCase())) {
      throw badRequest(`Syntax error: expected a comparison operator in $filter '${this.source}'.`);
    }
    const right = this.operand();
    return comparison(operator.text.toLowerCase(), left, right);
  }

  private textFunction(name: string): Predicate {
    this.position += 1;
    this.expect("(");
    const target = this.operand();
    this.expect(",");
    const needle = this.operand();
    this.expect(")");
    return (record) => {
      const haystack = operandValue(target, record);
      const value = operandValue(needle, record);
      if (typeof haystack !== "string" || typeof value !== "string") return false;
      const h = haystack.toLowerCase();
      const v = value.toLowerCase();
      return name === "contains" ? h.includes(v) : name === "startswith" ? h.startsWith(v) : h.endsWith(v);
    };
  }

  private operand(): Operand {
    const token = this.tokens[this.position++];
    if (!token || token.kind === "punct") {
      throw badRequest(`Syntax error: expected a value in $filter '${this.source}'.`);
    }
    if (token.kind === "string") {
      return { kind: "literal", value: token.text };
    }
    const word = token.text;
    const lower = word.toLowerCase();
    if (lower === "null") return { kind: "literal", value: null };
    if (lower === "true" || lower === "false") return { kind: "literal", value: lower === "true" };
    if (GUID.test(word)) return { kind: "literal", value: lower };
    if (NUMBER.test(word)) return { kind: "literal", value: Number(word) };
    if (DATE.test(word)) return { kind: "literal", value: word };
    if (!this.knownProperty(word)) {
      throw unknownProperty(word, this.logicalName);
    }
    return { kind: "property", name: word };
  }
}

const operandValue = (operand: Operand, record: StoredRecord): unknown =>
  operand.kind === "literal" ? operand.value : (record[operand.name] ?? null);

/** An operand's sort key: a literal's is computed once, a property's per record. */
const operandKey = (operand: Operand): ((record: StoredRecord) => unknown) => {
  if (operand.kind === "literal") {
    const key = sortKey(operand.value);
    return () => key;
  }
  return (record) => sortKey(record[operand.name] ?? null);
};

const comparison = (operator: string, left: Operand, right: Operand): Predicate => {
  const leftKey = operandKey(left);
  const rightKey = operandKey(right);
  return (record) => {
    const a = leftKey(record);
    const b = rightKey(record);
    if (operator === "eq") return compareKeys(a, b) === 0;
    if (operator === "ne") return compareKeys(a, b) !== 0;
    // Ordering against null is never true in SQL.
    if (a === null || b === null) return false;
    const order = compareKeys(a, b);
    return operator === "gt" ? order > 0 : operator === "ge" ? order >= 0 : operator === "lt" ? order < 0 : order <= 0;
  };
};

export const parseFilter = (text: string, knownProperty: (name: string) => boolean, logicalName: string): Predicate =>
  new Parser(tokenize(text), text, knownProperty, logicalName).parse();
