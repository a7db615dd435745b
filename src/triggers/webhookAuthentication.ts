/**
 * Checks that a webhook request is Dynamics' own. Dynamics signs nothing: the only proof is
 * the shared secret of the service endpoint (a `code` query parameter, a header or a query
 * parameter), so it is compared in constant time and never repeated in an error or output.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { AuthenticationType } from "../inputs/webhooks";
import { REDACTED } from "../client";

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

const findIgnoringCase = (values: Record<string, string> | undefined, name: string): [string, string] | undefined =>
  Object.entries(values ?? {}).find(([key]) => key.toLowerCase() === name.toLowerCase());

interface IncomingRequest {
  headers: Record<string, string>;
  queryParameters: Record<string, string>;
}

const where = (type: AuthenticationType, name: string): string =>
  type === "HttpHeader" ? `the '${name}' header` : `the '${name}' query parameter`;

/** Dynamics sends a webhook key as `code`; Prismatic's component also took it as `Auth` (or `auth`). */
const WEBHOOK_KEY_PARAMETERS = ["code", "auth"];

const secretName = (expected: Exclude<ExpectedSecret, { type: "None" }>, request: IncomingRequest): string =>
  expected.type !== "WebhookKey"
    ? expected.name
    : (WEBHOOK_KEY_PARAMETERS.find((name) => findIgnoringCase(request.queryParameters, name)?.[1]) ?? "code");

export const checkWebhookRequest = (expected: ExpectedSecret, request: IncomingRequest): void => {
  if (expected.type === "None") return;
  const name = secretName(expected, request);
  const source = expected.type === "HttpHeader" ? request.headers : request.queryParameters;
  const found = findIgnoringCase(source, name);
  const label = where(expected.type, name);
  if (!found?.[1]) {
    throw new WebhookRejectedError(`${label} is missing (Authentication Type ${expected.type}).`);
  }
  const matches = expected.type === "WebhookKey" ? matchesSha256(found[1], expected.keySha256) : secretsEqual(found[1], expected.value);
  if (!matches) {
    throw new WebhookRejectedError(`${label} does not match the configured ${expected.type === "WebhookKey" ? "webhook key" : "value"}.`);
  }
};

/**
 * The request as the flow sees it: the secret replaced wherever the request carried it. Only
 * for a request that passed the check, so a webhook key is the `code` the request carried.
 */
export const redactSecret = <T extends IncomingRequest & { invokeUrl?: string }>(expected: ExpectedSecret, request: T): T => {
  if (expected.type === "None") return request;
  const name = secretName(expected, request);
  const secret = expected.type === "WebhookKey" ? (findIgnoringCase(request.queryParameters, name)?.[1] ?? "") : expected.value;
  const redact = (values: Record<string, string> | undefined) =>
    Object.fromEntries(
      Object.entries(values ?? {}).map(([key, value]) => [key, key.toLowerCase() === name.toLowerCase() ? REDACTED : value]),
    );
  const invokeUrl = !secret
    ? request.invokeUrl
    : request.invokeUrl?.split(encodeURIComponent(secret)).join(REDACTED).split(secret).join(REDACTED);
  return {
    ...request,
    headers: expected.type === "HttpHeader" ? redact(request.headers) : request.headers,
    queryParameters: expected.type === "HttpHeader" ? request.queryParameters : redact(request.queryParameters),
    ...(invokeUrl === undefined ? {} : { invokeUrl }),
  };
};
