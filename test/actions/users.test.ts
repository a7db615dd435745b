import component from "../../src";
import { SEED } from "../emulator/seed";
import { actionError, expectSameShape, runAction, useEmulator } from "../support";

const fixture = useEmulator();
const example = (component.actions.getCurrentUser.examplePayload as { data: unknown }).data;

describe("getCurrentUser", () => {
  afterEach(() => {
    fixture.emulator.store.currentUserId = SEED.users.admin;
  });

  it("answers WhoAmI's ids and the user's record, with WhoAmI then one GET", async () => {
    const data = await runAction("getCurrentUser", { connection: fixture.connection });
    expect(data).toMatchObject({ UserId: SEED.users.admin, BusinessUnitId: SEED.businessUnitId, OrganizationId: SEED.organizationId });
    expect(data.user).toMatchObject({
      systemuserid: SEED.users.admin,
      fullname: "Avery Howard",
      internalemailaddress: "avery@contoso.onmicrosoft.com",
      domainname: "avery@contoso.onmicrosoft.com",
    });
    expect(data.user.isdisabled).toBeUndefined();
    expectSameShape(data, example);

    const [whoAmI, user, ...rest] = fixture.emulator.takeRequests();
    expect(rest).toHaveLength(0);
    expect(`${whoAmI.method} ${whoAmI.path}`).toBe("GET WhoAmI");
    expect(`${user.method} ${user.path}`).toBe(`GET systemusers(${SEED.users.admin})`);
    expect(user.query).toEqual({ $select: "fullname,firstname,lastname,internalemailaddress,domainname,azureactivedirectoryobjectid" });
  });

  it("follows whoever the token belongs to", async () => {
    fixture.emulator.store.currentUserId = SEED.users.sales;
    const data = await runAction("getCurrentUser", { connection: fixture.connection });
    expect(data.UserId).toBe(SEED.users.sales);
    expect(data.user.fullname).toBe("Dan Park");
  });

  it("stops with a clear error when WhoAmI answers something that is not Dataverse's", async () => {
    fixture.emulator.inject({ path: "WhoAmI", status: 200, headers: { "Content-Type": "application/json" }, body: '{"UserId": null}' });
    const error = await actionError("getCurrentUser", { connection: fixture.connection });
    expect(error.message).toContain("the WhoAmI response has no UserId");
    expect(fixture.emulator.takeRequests()).toHaveLength(1);
  });

  it("reports the user's record missing, e.g. when the UserId is not a systemuser", async () => {
    fixture.emulator.store.currentUserId = "5e5e5e5e-0000-4000-8000-000000000099";
    const error = await actionError("getCurrentUser", { connection: fixture.connection });
    expect(error).toMatchObject({ status: 404, code: "0x80040217" });
  });
});
