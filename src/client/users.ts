import { DataverseError } from "./wire/errors";
import type { DataverseClient } from "./wire/http";
import { normalizeGuid } from "./wire/names";
import { retrieveRecord, type EntityRecord } from "./records";

export interface WhoAmIResponse {
  "@odata.context"?: string;
  UserId: string;
  BusinessUnitId: string;
  OrganizationId: string;
}

export const whoAmI = async (client: DataverseClient): Promise<WhoAmIResponse> => {
  const response = await client.send<Partial<WhoAmIResponse>>({ method: "GET", path: "WhoAmI" });
  const body = response.data;
  if (!body || typeof body.UserId !== "string" || !normalizeGuid(body.UserId)) {
    throw new DataverseError("the WhoAmI response has no UserId", { status: response.status, method: "GET", path: "WhoAmI" });
  }
  const context = typeof body["@odata.context"] === "string" ? { "@odata.context": body["@odata.context"] } : {};
  return { ...context, UserId: body.UserId, BusinessUnitId: body.BusinessUnitId ?? "", OrganizationId: body.OrganizationId ?? "" };
};

/** The systemuser columns that say who someone is. */
const CURRENT_USER_COLUMNS = ["fullname", "firstname", "lastname", "internalemailaddress", "domainname", "azureactivedirectoryobjectid"];

export interface CurrentUser extends WhoAmIResponse {
  user: EntityRecord;
}

/**
 * Two requests, one after the other: WhoAmI, then the systemuser by the UserId it
 * returned. A function result cannot be expanded, and inside a `$batch` a GET cannot use
 * an earlier GET's answer, so neither saves the round trip. Filtering systemusers with
 * the `EqualUserId` query function would fetch the row in one request, with its business
 * unit and organization columns standing in for WhoAmI's answer; we keep WhoAmI because it
 * is the documented identity call and its three ids are what existing flows read.
 */
export const retrieveCurrentUser = async (client: DataverseClient): Promise<CurrentUser> => {
  const identity = await whoAmI(client);
  const user = await retrieveRecord(
    client,
    "systemusers",
    { kind: "id", id: normalizeGuid(identity.UserId) as string },
    {
      select: CURRENT_USER_COLUMNS,
    },
  );
  return { ...identity, user };
};
