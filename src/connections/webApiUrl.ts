import type { ConnectionInput } from "@prismatic-io/spectral";

/** Shared by both connections: existing integrations store their URL under this key. */
export const webApiUrl = {
  label: "Web API URL",
  type: "string",
  required: true,
  shown: true,
  placeholder: "https://my-org.crm.dynamics.com",
  example: "https://my-org.crm.dynamics.com",
  comments: "Your organization's Microsoft Dynamics 365 Web API URL.",
} satisfies ConnectionInput;
