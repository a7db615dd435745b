/**
 * Turns a webhook request from Dynamics into the event a flow reads: the body parsed
 * whatever form it arrived in, the RemoteExecutionContext flattened, and Dynamics' own
 * headers, including the one that says the message was cut down for size.
 */
import { readRemoteExecutionContext, type DynamicsEvent } from "./remoteExecutionContext";
import { WebhookRejectedError } from "./webhookAuthentication";

export interface DeliveryHeaders {
  requestId: string | null;
  organization: string | null;
  entityName: string | null;
  requestName: string | null;
  correlationRequestId: string | null;
}

export interface WebhookEvent extends DynamicsEvent {
  delivery: DeliveryHeaders;
  /**
   * Dynamics strips the input parameters, images and parent context from messages over
   * 256 KB and says so in `x-ms-dynamics-msg-size-exceeded`; read the record by entityName
   * and entityId then.
   */
  truncated: boolean;
}

/** The body as a JSON object, whether it arrived as text, bytes or already parsed. */
export const parseWebhookBody = (data: unknown): Record<string, unknown> => {
  let parsed = data;
  if (typeof data === "string" || Buffer.isBuffer(data)) {
    // WCF serializers may write a byte order mark first.
    const text = data
      .toString()
      .replace(/^\uFEFF/, "")
      .trim();
    if (!text) {
      throw new WebhookRejectedError("the body is empty; Dynamics sends its execution context as JSON.");
    }
    try {
      parsed = JSON.parse(text);
    } catch {
      // Not repeated: a body we cannot read may hold anything, a secret among it.
      throw new WebhookRejectedError(`the body is not JSON (${text.length} characters); Dynamics sends its execution context as JSON.`);
    }
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new WebhookRejectedError(
      `the body must be a JSON object (Dynamics' execution context), not ${Array.isArray(parsed) ? "an array" : parsed === null ? "null" : typeof parsed}.`,
    );
  }
  return parsed as Record<string, unknown>;
};

const header = (headers: Record<string, string>, name: string): string | null => {
  const found = Object.entries(headers).find(([key]) => key.toLowerCase() === name);
  return found && found[1] !== "" ? String(found[1]) : null;
};

const readDeliveryHeaders = (headers: Record<string, string>): DeliveryHeaders => ({
  requestId: header(headers, "x-request-id"),
  organization: header(headers, "x-ms-dynamics-organization"),
  entityName: header(headers, "x-ms-dynamics-entity-name"),
  requestName: header(headers, "x-ms-dynamics-request-name"),
  correlationRequestId: header(headers, "x-ms-correlation-request-id"),
});

const isTruncated = (headers: Record<string, string>): boolean => {
  const value = header(headers, "x-ms-dynamics-msg-size-exceeded");
  return value !== null && value.toLowerCase() !== "false";
};

export const readWebhookEvent = (context: Record<string, unknown>, headers: Record<string, string>): WebhookEvent => ({
  ...readRemoteExecutionContext(context),
  delivery: readDeliveryHeaders(headers),
  truncated: isTruncated(headers),
});
