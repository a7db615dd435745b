import { createDataverseClient, readTrackedChanges, type EntityRecord } from "../../src/client";
import {
  EXPIRED_TOKEN_NOTICE,
  FIRST_POLL_NOTICE,
  OTHER_HOST_NOTICE,
  pollChangeTracking,
  pollModifiedOn,
  type PollState,
} from "../../src/triggers/polling";
import { startEmulator, type Emulator } from "../emulator/server";
import { SEED } from "../emulator/seed";
import { connectionFor, harness, useEmulator } from "../support";

const fixture = useEmulator();

const client = () => createDataverseClient(fixture.connection);

const table = (entitySetName: string) => {
  const found = fixture.emulator.store.bySetName(entitySetName);
  if (!found) throw new Error(`no table ${entitySetName}`);
  return found;
};

const lead = (subject: string, modifiedon: string): string =>
  fixture.emulator.store.create(table("leads"), { subject, lastname: "Backlog", createdon: modifiedon, modifiedon }).leadid as string;

const account = (name: string): string => fixture.emulator.store.create(table("accounts"), { name }).accountid as string;

const subjects = (records: EntityRecord[]) => records.map((record) => record.subject).sort();

describe("a backlog larger than one poll: Modified On", () => {
  const query = { entitySetName: "leads", fieldNames: ["subject"] };
  let state: PollState = {};

  it("is reported in slices that end on a whole second; each next poll continues where the last stopped", async () => {
    state = (await pollModifiedOn(client(), query, state, { limit: 3 })).state;
    lead("a1", "2026-11-21T10:00:00Z");
    lead("a2", "2026-11-21T10:00:00Z");
    lead("b1", "2026-11-21T10:00:01Z");
    lead("b2", "2026-11-21T10:00:01Z");
    lead("c1", "2026-11-21T10:00:02Z");

    const first = await pollModifiedOn(client(), query, state, { limit: 3 });
    // a1, a2 and b1 would fit, but b2 shares b1's second: the slice stops before it.
    expect(subjects(first.result.created)).toEqual(["a1", "a2"]);
    expect(first.result.moreChanges).toBe(true);
    expect(first.state.watermark).toBe("2026-11-21T10:00:00Z");

    const second = await pollModifiedOn(client(), query, first.state, { limit: 3 });
    expect(subjects(second.result.created)).toEqual(["b1", "b2", "c1"]);
    expect(second.result.moreChanges).toBe(false);

    const third = await pollModifiedOn(client(), query, second.state, { limit: 3 });
    expect([third.result.created, third.result.updated, third.result.moreChanges]).toEqual([[], [], false]);
    state = third.state;
  });

  it("refuses, saying why, only when a single second holds more changes than a slice", async () => {
    ["d1", "d2", "d3", "d4"].forEach((subject) => lead(subject, "2026-11-21T10:00:09Z"));
    await expect(pollModifiedOn(client(), query, state, { limit: 3 })).rejects.toThrow(
      "more than 3 records of 'leads' have the same modifiedon (2026-11-21T10:00:09Z), the most one poll may hold; they cannot be split",
    );
    expect(subjects((await pollModifiedOn(client(), query, state, { limit: 4 })).result.created)).toEqual(["d1", "d2", "d3", "d4"]);
  });
});

describe("a starting point whose window holds more records than one poll", () => {
  const query = { entitySetName: "leads", fieldNames: ["subject"], filterExpression: "lastname eq 'Start'" };
  const started = (subject: string, modifiedon: string) =>
    fixture.emulator.store.create(table("leads"), { subject, lastname: "Start", createdon: modifiedon, modifiedon });

  it("starts at the latest modifiedon and reports none of the records that were there before", async () => {
    started("s1", "2026-11-21T10:05:00Z");
    started("s2", "2026-11-21T10:05:00Z");
    started("s3", "2026-11-21T10:05:01Z");
    started("s4", "2026-11-21T10:05:01Z");
    started("s5", "2026-11-21T10:05:02Z");
    const first = await pollModifiedOn(client(), query, {}, { limit: 3 });
    expect(first.result.notice).toBe(FIRST_POLL_NOTICE);
    expect(first.state.watermark).toBe("2026-11-21T10:05:02Z");

    const second = await pollModifiedOn(client(), query, first.state, { limit: 3 });
    expect([second.result.created, second.result.updated, second.result.moreChanges]).toEqual([[], [], false]);

    started("s6", "2026-11-21T10:05:03Z");
    const third = await pollModifiedOn(client(), query, second.state, { limit: 3 });
    expect(subjects(third.result.created)).toEqual(["s6"]);
    expect(third.state.watermark).toBe("2026-11-21T10:05:03Z");
  });
});

describe("a backlog larger than one poll: Change Tracking", () => {
  const query = { entitySetName: "accounts", fieldNames: ["name"] };
  let state: PollState = {};

  it("stops at the limit and keeps the next link; the next poll continues from it before using a delta link", async () => {
    state = (await pollChangeTracking(client(), query, {}, { limit: 2 })).state;
    const created = [account("P1"), account("P2"), account("P3")];
    fixture.emulator.store.delete(table("accounts"), SEED.accounts.adventureWorks);
    fixture.emulator.takeRequests();

    const first = await pollChangeTracking(client(), query, state, { limit: 2 });
    expect(first.result.created).toHaveLength(2);
    expect(first.result.moreChanges).toBe(true);
    expect(first.state.nextLink).toMatch(/\$skiptoken=/);
    expect(first.state.deltaLink).toBeUndefined();

    const second = await pollChangeTracking(client(), query, first.state, { limit: 2 });
    const [resumed] = fixture.emulator.takeRequests().slice(1);
    expect(resumed.query.$skiptoken).toBeDefined();
    expect(second.result.moreChanges).toBe(false);
    expect(second.state.nextLink).toBeUndefined();
    expect(second.state.deltaLink).toMatch(/\$deltatoken=/);

    const reported = [...first.result.created, ...second.result.created].map((record) => record.accountid).sort();
    expect(reported).toEqual([...created].sort());
    expect([...first.result.deleted, ...second.result.deleted]).toEqual([SEED.accounts.adventureWorks]);
    state = second.state;
    const third = await pollChangeTracking(client(), query, state, { limit: 2 });
    expect([third.result.created, third.result.updated, third.result.deleted]).toEqual([[], [], []]);
    state = third.state;
  });

  it("a full read after an expired delta link is sliced too, and its continuation reports only what changed since the last poll", async () => {
    const eightDaysOn = Date.now() + 8 * 24 * 60 * 60 * 1000;
    fixture.emulator.store.now = () => new Date(eightDaysOn);
    try {
      const created = ["Q1", "Q2", "Q3", "Q4", "Q5"].map(account);
      // Written last, so read after the first slice, but modified (as Dataverse reports it) long before the last poll.
      fixture.emulator.store.update(table("accounts"), SEED.accounts.northwind, {
        name: "Northwind, back-dated",
        modifiedon: "2026-01-01T00:00:00Z",
      });
      const first = await pollChangeTracking(client(), query, state, { limit: 2 });
      expect(first.result).toMatchObject({ restarted: true, notice: EXPIRED_TOKEN_NOTICE, moreChanges: true });
      const polls = [first];
      while (polls[polls.length - 1].result.moreChanges) {
        polls.push(await pollChangeTracking(client(), query, polls[polls.length - 1].state, { limit: 2 }));
      }
      expect(polls.slice(1).map((poll) => poll.result.notice)).toEqual(polls.slice(1).map(() => null));
      const reported = polls.flatMap((poll) => [...poll.result.created, ...poll.result.updated]).map((record) => record.accountid);
      expect(reported.sort()).toEqual([...created].sort());
      expect(polls[polls.length - 1].state.deltaLink).toMatch(/\$deltatoken=/);
    } finally {
      fixture.emulator.store.now = () => new Date();
    }
  });
});

describe("reading change-tracking pages that never end", () => {
  const page = (skip: number, value: unknown[] = [{ accountid: SEED.accounts.contoso, name: "Contoso Ltd" }]) => ({
    status: 200,
    body: { value, "@odata.nextLink": `${fixture.emulator.apiRoot}accounts?$skiptoken=0:${skip}` },
  });

  it("stops with a clear error when a next link repeats", async () => {
    fixture.emulator.inject({ path: "accounts", ...page(1) });
    fixture.emulator.inject({ path: "accounts", ...page(1) });
    await expect(readTrackedChanges(client(), "accounts", { select: ["name"] })).rejects.toThrow(
      "Dataverse gave the same next page link twice, after page 2, so paging stopped rather than loop",
    );
  });

  it("stops with a clear error at an empty page that still links on", async () => {
    fixture.emulator.inject({ path: "accounts", ...page(1, []) });
    await expect(readTrackedChanges(client(), "accounts", { select: ["name"] })).rejects.toThrow(
      "Dataverse linked to a next page after page 1 but returned no records on it, so paging stopped rather than loop",
    );
    expect(fixture.emulator.takeRequests()).toHaveLength(1);
  });
});

describe("polling state belongs to one environment", () => {
  let other: Emulator;
  beforeAll(async () => {
    other = await startEmulator();
  });
  afterAll(async () => {
    await other.stop();
  });

  const poll = async (connection: unknown, params: Record<string, unknown>, instanceState: Record<string, unknown>): Promise<any> =>
    harness.trigger("pollChangesTrigger", undefined, { connection, ...params }, { instanceState });

  it.each(["Modified On", "Change Tracking"])("%s: a connection moved to another environment starts over there", async (mode) => {
    const instanceState: Record<string, unknown> = {};
    const params = { entityType: "accounts", fieldNames: ["name"], mode };
    await poll(fixture.connection, params, instanceState);
    expect((await poll(fixture.connection, params, instanceState)).payload.body.data.notice).toBeNull();
    const moved = await poll(connectionFor(other), params, instanceState);
    expect(moved.payload.body.data).toMatchObject({ restarted: true, notice: FIRST_POLL_NOTICE });
  });

  it("Change Tracking: a stored delta link for another host is never followed; tracking starts over and says so", async () => {
    const instanceState: Record<string, unknown> = {};
    const params = { entityType: "accounts", fieldNames: ["name"], mode: "Change Tracking" };
    await poll(fixture.connection, params, instanceState);
    const polling = (instanceState.__prismaticInternal as { polling: PollState }).polling;
    polling.deltaLink = "https://elsewhere.crm.dynamics.com/api/data/v9.2/accounts?$select=name&$deltatoken=1";
    fixture.emulator.takeRequests();
    const data = (await poll(fixture.connection, params, instanceState)).payload.body.data;
    expect(data).toMatchObject({ restarted: true, notice: OTHER_HOST_NOTICE });
    expect(fixture.emulator.takeRequests().map((request) => request.query.$deltatoken)).toEqual([undefined]);
    expect((instanceState.__prismaticInternal as { polling: PollState }).polling.deltaLink).toMatch(
      new RegExp(`^${fixture.emulator.apiRoot.replace(/[.?]/g, "\\$&")}`),
    );
  });
});
