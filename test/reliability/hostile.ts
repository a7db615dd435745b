/**
 * Generated hostile input: fragments that change a URL, a header, a query option, an XML
 * document or a multipart body when they are put into one unencoded, in every position
 * around a valid value, plus long strings, unicode and values of the wrong JSON type.
 */

/** What an attacker (or an unlucky upstream step) puts into a text input. */
export const FRAGMENTS = [
  "'",
  "''",
  '"',
  "/",
  "\\",
  "..",
  "../",
  "/../",
  "./",
  "?",
  "?$top=1",
  "#",
  "#x",
  "&",
  "&$select=*",
  "=",
  ";",
  ",",
  "+",
  "*",
  "(",
  ")",
  ")/",
  "$",
  "@",
  "%",
  "%2F",
  "%2f",
  "%2E%2E%2F",
  "%00",
  "%0D%0A",
  "%27",
  "%23",
  "\r\n",
  "\n",
  "\r",
  "\t",
  "\u0000",
  " ",
  "\u00a0",
  "é",
  "\u202e",
  "\ufeff",
  "😀",
  "𝔘𝔫𝔦",
  "<",
  ">",
  "<x/>",
  "]]>",
  "&amp;",
  "&#0;",
  "&#13;&#10;",
  "\r\nX-Injected: 1",
  "\r\n\r\nGET /api/data/v9.2/systemusers HTTP/1.1",
  "$batch",
  "$metadata",
  "__proto__",
  "constructor",
  "//evil.example.com/x",
  "https://evil.example.com/x",
  "http://127.0.0.1:1/x",
  "javascript:alert(1)",
  "{{template}}",
  "$" + "{x}",
];

/** A value in every position: alone, doubled, before, after and inside a valid one. */
export const hostileStrings = (valid: string): string[] => {
  const middle = Math.max(1, Math.floor(valid.length / 2));
  const values = FRAGMENTS.flatMap((fragment) => [
    fragment,
    `${fragment}${fragment}`,
    `${valid}${fragment}`,
    `${fragment}${valid}`,
    `${valid.slice(0, middle)}${fragment}${valid.slice(middle)}`,
  ]);
  return [...new Set([...values, "", "   ", "x".repeat(10_000), `${valid}${"é".repeat(10_000)}`, `${valid}${"'".repeat(5_000)}`])];
};

/** Values of every JSON type but text, for inputs that expect text or a particular shape. */
export const WRONG_TYPES: unknown[] = [
  0,
  -1,
  1.5,
  1e308,
  Number.NaN,
  true,
  false,
  null,
  [],
  ["a", "b"],
  {},
  { key: "value" },
  { __proto__: null, toString: "x" },
  JSON.parse('{"__proto__": {"polluted": true}}'),
];

/** JSON text that is not what a JSON input expects, or that carries prototype keys at some depth. */
export const HOSTILE_JSON = [
  "",
  "{",
  "[",
  "null",
  "true",
  "12",
  '"text"',
  "[]",
  "[1, 2]",
  '{"__proto__": {"polluted": true}}',
  '{"name": "x", "__proto__": 1}',
  '{"name": "x", "constructor": {"prototype": {"polluted": true}}}',
  '{"prototype": 1}',
  '{"name": {"__proto__": {"polluted": true}}}',
  '{"name": [{"constructor": 1}]}',
  '{"name": "x"} trailing',
  `{"name": "${"x".repeat(10_000)}"}`,
  '{"name": "\\u0000\\r\\n"}',
  "\ufeff{}",
];
