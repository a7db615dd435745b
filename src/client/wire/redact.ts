/** The one marker put wherever a secret was removed: logs, errors, outputs. */
export const REDACTED = "[REDACTED]";

/** Query parameters and header names that carry credentials (a webhook's `code`, a SAS `sig`, a bearer token). */
export const SECRET_NAME = /authorization|cookie|token|secret|password|api-?key|^code$|^sig$|signature/i;

/** A URL for a log line: every credential-like query parameter's value replaced. */
export const redactUrl = (url: string): string => {
  const query = url.indexOf("?");
  if (query < 0) return url;
  const parameters = url
    .slice(query + 1)
    .split("&")
    .map((parameter) => {
      const eq = parameter.indexOf("=");
      const name = eq < 0 ? parameter : parameter.slice(0, eq);
      return eq >= 0 && SECRET_NAME.test(decodeName(name)) ? `${name}=${REDACTED}` : parameter;
    });
  return `${url.slice(0, query)}?${parameters.join("&")}`;
};

const decodeName = (name: string): string => {
  try {
    return decodeURIComponent(name);
  } catch {
    return name;
  }
};
