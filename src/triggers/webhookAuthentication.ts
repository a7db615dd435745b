/**
 * Checks that a webhook request is Dynamics' own. Dynamics signs nothing: the only proof is
 * the shared secret of the service endpoint (a `code` query parameter, a header or a query
 * parameter), so it is compared in constant time and never repeated in an error or output.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { AuthenticationType } from "../inputs/webhooks";
import { REDACTED, scrub } from "../client";

export type ExpectedSecret =
  /** `keyless`: Webhook Key authentication with no key given, which Prismatic's component accepted as unauthenticated. */
  | { type: "None"; keyless?: boolean }
  /** Only the key's SHA-256 is needed, so a generated key is never stored. */
  | { type: "WebhookKey"; keySha256: string }
  | { type: "HttpHeader" | "HttpQueryString"; name: string; value: string };

export class WebhookRejectedError extends Error {
  constructor(reason: string) {
    super(`Webhook request refused: ${reason}`);
    this.name = "WebhookRejectedError";
  }
}

const sha256 = (text: string): Buffer => createHash("sha256").update(text).digest();

/** What is kept of a generated webhook key: enough to check a request, useless to forge one. */
export const hashSecret = (secret: string): string => sha256(secret).toString("hex");

/** Hashing first gives both sides one length, so neither the secret nor its length leaks through timing. */
export const secretsEqual = (given: string, expected: string): boolean => timingSafeEqual(sha256(given), sha256(expected));

const matchesSha256 = (given: string, expectedHex: string): boolean => {
  const expected = Buffer.from(expectedHex, "hex");
  return expected.length === 32 && timingSafeEqual(sha256(given), expected);
};

const findIgnoringCase = (values: Record<string, unknown> | undefined, name: string): [string, unknown] | undefined =>
  Object.entries(values ?? {}).find(([key]) => key.toLowerCase() === name.toLowerCase());

interface IncomingRequest {
  headers: Record<string, unknown>;
  queryParameters: Record<string, unknown>;
}

const where = (type: AuthenticationType, name: string): string =>
  type === "HttpHeader" ? `the '${name}' header` : `the '${name}' query parameter`;

/** Dynamics sends a webhook key as `code`; Prismatic's component also took it as `Auth` (or `auth`). */
const WEBHOOK_KEY_PARAMETERS = ["code", "auth"];

const secretName = (expected: Exclude<ExpectedSecret, { type: "None" }>, request: IncomingRequest): string =>
  expected.type !== "WebhookKey"
    ? expected.name
    : (WEBHOOK_KEY_PARAMETERS.find((name) => findIgnoringCase(request.queryParameters, name)?.[1]) ?? "code");

/** The one text value a secret arrives as; a repeated parameter (an array) or a number is refused, never hashed. */
const givenText = (value: unknown, label: string): string => {
  if (Array.isArray(value)) {
    throw new WebhookRejectedError(`${label} was given ${value.length} times; Dynamics sends it once.`);
  }
  if (typeof value !== "string") {
    throw new WebhookRejectedError(`${label} is ${value === null ? "null" : `a ${typeof value}`}, not text.`);
  }
  return value;
};

export const checkWebhookRequest = (expected: ExpectedSecret, request: IncomingRequest): void => {
  if (expected.type === "None") return;
  const name = secretName(expected, request);
  const source = expected.type === "HttpHeader" ? request.headers : request.queryParameters;
  const label = where(expected.type, name);
  const found = findIgnoringCase(source, name)?.[1];
  if (found === undefined || found === "") {
    throw new WebhookRejectedError(`${label} is missing (Authentication Type ${expected.type}).`);
  }
  const given = givenText(found, label);
  const matches = expected.type === "WebhookKey" ? matchesSha256(given, expected.keySha256) : secretsEqual(given, expected.value);
  if (!matches) {
    throw new WebhookRejectedError(`${label} does not match the configured ${expected.type === "WebhookKey" ? "webhook key" : "value"}.`);
  }
};

/** Percent-escapes decoded wherever they decode; a stray `%` or a broken UTF-8 sequence is left as written. */
const decodeLeniently = (text: string): string =>
  text.replace(/(?:%[0-9A-Fa-f]{2})+/g, (escapes) => {
    try {
      return decodeURIComponent(escapes);
    } catch {
      return escapes;
    }
  });

/**
 * Whether a text carries the secret in any way a caller may have written it: as it is, or
 * percent-encoded by any encoder (`%21` for `!`, lower-case hex as .NET writes base64), with
 * `+` read both as a space (a form-encoded query) and as itself.
 */
const holdsSecret = (text: string, secret: string): boolean =>
  [text, decodeLeniently(text), decodeLeniently(text.replace(/\+/g, " "))].some((form) => form.includes(secret));

/** A query string with the value of every parameter that is, or holds, the secret replaced; everything else as written. */
const redactQuery = (query: string, isSecret: (name: string, value: string) => boolean): string =>
  query
    .split("&")
    .map((pair) => {
      const equals = pair.indexOf("=");
      const name = equals < 0 ? pair : pair.slice(0, equals);
      const value = equals < 0 ? "" : pair.slice(equals + 1);
      return isSecret(name, value) ? `${name}=${REDACTED}` : pair;
    })
    .join("&");

/** A URL with its query (and fragment) redacted parameter by parameter, and the secret removed from the rest. */
const redactInUrl = (url: string, isSecret: (name: string, value: string) => boolean, secret: string): string => {
  const question = url.indexOf("?");
  const base = question < 0 ? url : url.slice(0, question);
  const rest = question < 0 ? "" : url.slice(question + 1);
  const hash = rest.indexOf("#");
  const query = hash < 0 ? rest : rest.slice(0, hash);
  const fragment = hash < 0 ? "" : `#${redactQuery(rest.slice(hash + 1), isSecret)}`;
  const redactedBase = holdsSecret(base, secret) ? scrub(decodeLeniently(base), [secret]) : base;
  return `${redactedBase}${question < 0 ? "" : `?${redactQuery(query, isSecret)}`}${fragment}`;
};

/**
 * The request as the flow sees it: the secret removed wherever the request carried it. Only
 * for a request that passed the check, so a webhook key is the one the request carried. Each
 * query is parsed, so a secret encoded in any way is found; a parameter or header is redacted
 * when it is the one the mode names or when its value holds the secret (a copy in another
 * parameter, or a header secret that also came in the query). Prismatic's own API keys for
 * the flow's URL are not passed on (the key stays, empty, as the payload's shape has it).
 */
export const redactSecret = <T extends IncomingRequest & { invokeUrl?: string; webhookApiKeys?: unknown }>(
  expected: ExpectedSecret,
  request: T,
): T => {
  const passedOn = { ...request, webhookApiKeys: {} };
  if (expected.type === "None") return passedOn;
  const name = secretName(expected, request);
  const secret = expected.type === "WebhookKey" ? String(findIgnoringCase(request.queryParameters, name)?.[1] ?? "") : expected.value;
  if (!secret) return passedOn;
  const named = (mode: "header" | "query", key: string) =>
    (mode === "header") === (expected.type === "HttpHeader") && key.toLowerCase() === name.toLowerCase();
  const redactValues = (mode: "header" | "query", values: Record<string, unknown> | undefined) =>
    Object.fromEntries(
      Object.entries(values ?? {}).map(([key, value]) => [
        key,
        named(mode, key) || holdsSecret(typeof value === "string" ? value : (JSON.stringify(value) ?? ""), secret) ? REDACTED : value,
      ]),
    );
  const inQuery = (rawName: string, rawValue: string) => named("query", decodeLeniently(rawName)) || holdsSecret(rawValue, secret);
  return {
    ...passedOn,
    headers: redactValues("header", request.headers),
    queryParameters: redactValues("query", request.queryParameters),
    ...(request.invokeUrl === undefined ? {} : { invokeUrl: redactInUrl(request.invokeUrl, inQuery, secret) }),
  };
};
