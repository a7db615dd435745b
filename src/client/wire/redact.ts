/**
 * Secrets kept out of everything we pass on. A gateway, a proxy or a plug-in may echo the
 * request's Authorization header or body in its answer, as JSON, HTML or text; whatever it
 * sends, the connection's token and secret are replaced before any of it reaches an error,
 * a log line or an output.
 */

/** The one marker put wherever a secret was removed: logs, errors, outputs. */
export const REDACTED = "[REDACTED]";

/** A name that carries a credential in a query string: OAuth (`access_token`, `code`), SAS (`sig`), API keys. */
export const SECRET_QUERY_PARAMETERS = [
  "access_token",
  "id_token",
  "refresh_token",
  "code",
  "sig",
  "signature",
  "client_secret",
  "client_assertion",
  "assertion",
  "token",
  "key",
  "apikey",
  "api_key",
  "api-key",
  "subscription-key",
  "password",
  "secret",
];

const SECRET_NAME = /authorization|cookie|token|secret|passw|api[-_]?key|signature/i;

/** Whether a header or query parameter of this name carries a credential, so its value is never logged. */
export const isSecretName = (name: string): boolean => SECRET_QUERY_PARAMETERS.includes(name.toLowerCase()) || SECRET_NAME.test(name);

/**
 * The ways a server may write a secret back: as sent; URL-encoded (either hex case, `+` for a
 * space); JSON-escaped, also as .NET writes it (`\/`, and `\u002B` for `+` and the HTML
 * characters); XML-escaped.
 */

const formsOf = (secret: string): string[] => {
  const encoded = encodeURIComponent(secret);
  const json = JSON.stringify(secret).slice(1, -1);
  const xml = secret.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
  return [
    secret,
    encoded,
    encoded.replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase()),
    encoded.replace(/%20/g, "+"),
    json,
    json.replace(/\//g, "\\/"),
    json.replace(/[+<>&'`]/g, (char) => `\\u${char.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`),
    xml,
  ];
};

/** Every form of every secret, longest first, so no part of a longer one is left behind. */
const formsOfAll = (secrets: readonly unknown[]): string[] =>
  [...new Set(secrets.filter((secret): secret is string => typeof secret === "string" && secret !== "").flatMap(formsOf))].sort(
    (a, b) => b.length - a.length,
  );

const replaceForms = (text: string, forms: readonly string[]): string =>
  forms.reduce((result, form) => (result.includes(form) ? result.split(form).join(REDACTED) : result), text);

/** The text with every secret (in any of the forms above) replaced by `[REDACTED]`. */
export const scrub = (text: string, secrets: readonly unknown[]): string => replaceForms(text, formsOfAll(secrets));

const isPlainObject = (value: unknown): value is Record<string, unknown> => {
  if (typeof value !== "object" || value === null) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
};

/** Bytes are replaced as bytes, so a binary body that holds no secret comes back untouched. */
const scrubBuffer = (buffer: Buffer, forms: readonly string[]): Buffer => {
  let result = buffer;
  for (const form of forms) {
    const needle = Buffer.from(form, "utf8");
    const parts: Buffer[] = [];
    let start = 0;
    for (let found = result.indexOf(needle); found >= 0; found = result.indexOf(needle, start)) {
      parts.push(result.subarray(start, found), Buffer.from(REDACTED));
      start = found + needle.length;
    }
    if (parts.length) result = Buffer.concat([...parts, result.subarray(start)]);
  }
  return result;
};

/** Strings, buffers, arrays, plain objects (keys too) and errors inside them, in place where they can change. */
const scrubInPlace = (value: unknown, forms: readonly string[], seen: Set<object>): unknown => {
  if (typeof value === "string") return replaceForms(value, forms);
  if (Buffer.isBuffer(value)) return scrubBuffer(value, forms);
  if (typeof value !== "object" || value === null || seen.has(value)) return value;
  seen.add(value);
  if (Array.isArray(value)) {
    value.forEach((item, index) => {
      value[index] = scrubInPlace(item, forms, seen);
    });
    return value;
  }
  if (value instanceof Error) {
    for (const name of Object.getOwnPropertyNames(value)) {
      try {
        const current = (value as unknown as Record<string, unknown>)[name];
        const clean = scrubInPlace(current, forms, seen);
        if (clean !== current) (value as unknown as Record<string, unknown>)[name] = clean;
      } catch {
        // A read-only or throwing property: a getter has nothing of its own to scrub.
      }
    }
    return value;
  }
  if (!isPlainObject(value)) return value;
  for (const [key, item] of Object.entries(value)) {
    const cleanKey = replaceForms(key, forms);
    const clean = scrubInPlace(item, forms, seen);
    if (cleanKey !== key) delete value[key];
    value[cleanKey] = clean;
  }
  return value;
};

/** A response body (text, bytes or parsed JSON) with every secret replaced; objects are changed in place. */
export const scrubValue = <T>(value: T, secrets: readonly unknown[]): T => {
  const forms = formsOfAll(secrets);
  return forms.length ? (scrubInPlace(value, forms, new Set()) as T) : value;
};

/** The error itself, scrubbed in place: message, stack and every own property, through plain objects and arrays. */
export const scrubError = <E>(error: E, secrets: readonly unknown[]): E => scrubValue(error, secrets);

/** What a connection holds that must never be repeated: its tokens and its client secret. */
export const secretsOf = (connection: { token?: Record<string, unknown>; fields?: Record<string, unknown> }): string[] =>
  [connection.token?.access_token, connection.token?.refresh_token, connection.token?.id_token, connection.fields?.clientSecret].filter(
    (secret): secret is string => typeof secret === "string" && secret !== "",
  );

const safeDecode = (text: string): string => {
  try {
    return decodeURIComponent(text.replace(/\+/g, " "));
  } catch {
    return text;
  }
};

const redactQuery = (query: string): string =>
  query
    .split("&")
    .map((pair) => {
      const equals = pair.indexOf("=");
      const name = equals < 0 ? pair : pair.slice(0, equals);
      return equals >= 0 && isSecretName(safeDecode(name).trim()) ? `${name}=${REDACTED}` : pair;
    })
    .join("&");

/**
 * A URL fit for a log line or an error: the values of credential-like query parameters and
 * any user name and password replaced, everything else as written. Works on full URLs and paths.
 */

export const redactUrl = (url: string): string => {
  const hash = url.indexOf("#");
  const withoutFragment = hash < 0 ? url : url.slice(0, hash);
  const fragment = hash < 0 ? "" : url.slice(hash);
  const question = withoutFragment.indexOf("?");
  const base = (question < 0 ? withoutFragment : withoutFragment.slice(0, question)).replace(
    /^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i,
    `$1${REDACTED}@`,
  );
  const query = question < 0 ? "" : `?${redactQuery(withoutFragment.slice(question + 1))}`;
  return `${base}${query}${fragment.includes("=") ? `#${redactQuery(fragment.slice(1))}` : fragment}`;
};
