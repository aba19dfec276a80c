import { GatewayDispatchEvents, type GatewayDispatchPayload } from "discord-api-types/v10";
import { describe, expect, it } from "vitest";
import { Coalescer } from "../../../gateway-runner/coalescer.ts";
import { OFFLINE, toPresence, toProfile } from "../../../gateway-runner/normalize.ts";
import { PresenceRouter } from "../../../gateway-runner/presence-router.ts";

// The router is pure, so these feed it payloads shaped like Discord's; the end-to-end tests feed it
// the emulator's real ones.

const GUILD = "1191168914227200002";
const OTHER_MONITORED = "1191168914227200009";
const UNMONITORED = "1191168914227200099";
const ADA = "1191168918421504000";
const GRACE = "1191168922615808000";

const user = (id: string, username = "ada") => ({
  id,
  username,
  discriminator: "0",
  global_name: null,
  avatar: null,
});
const member = (id: string, joined_at = "2024-01-02T00:00:00.000Z") => ({
  user: user(id),
  joined_at,
  roles: [],
});
const online = (id: string) => ({
  user: { id },
  status: "online",
  activities: [],
  client_status: { desktop: "online" },
});

function dispatch(t: string, d: unknown): GatewayDispatchPayload {
  return { op: 0, s: 1, t, d } as unknown as GatewayDispatchPayload;
}

function router() {
  return new PresenceRouter([GUILD, OTHER_MONITORED]);
}

describe("PresenceRouter", () => {
  it("makes members of GUILD_CREATE without a presence offline, with profile and membership", () => {
    const r = router();
    const updates = r.handle(
      dispatch(GatewayDispatchEvents.GuildCreate, {
        id: GUILD,
        members: [member(ADA), member(GRACE)],
        presences: [online(GRACE)],
      }),
    );
    expect(updates).toEqual([
      {
        userId: ADA,
        user: toProfile(user(ADA)),
        membership: { joined_at: "2024-01-02T00:00:00.000Z", guild_ids: [GUILD] },
        presence: { status: "offline", client_status: {}, activities: [] },
      },
      {
        userId: GRACE,
        user: toProfile(user(GRACE)),
        membership: { joined_at: "2024-01-02T00:00:00.000Z", guild_ids: [GUILD] },
        presence: { status: "online", client_status: { desktop: "online" }, activities: [] },
      },
    ]);
  });

  it("leaves presence alone for a chunk requested without presences", () => {
    const r = router();
    const [update] = r.handle(
      dispatch(GatewayDispatchEvents.GuildMembersChunk, { guild_id: GUILD, members: [member(ADA)] }),
    );
    expect(update).not.toHaveProperty("presence");
    expect(update).toHaveProperty("membership");
  });

  it("ignores every event of a guild that is not monitored", () => {
    const r = router();
    for (const [t, d] of [
      [GatewayDispatchEvents.GuildCreate, { id: UNMONITORED, members: [member(ADA)], presences: [] }],
      [GatewayDispatchEvents.GuildMemberAdd, { ...member(ADA), guild_id: UNMONITORED }],
      [GatewayDispatchEvents.PresenceUpdate, { ...online(ADA), guild_id: UNMONITORED }],
      [GatewayDispatchEvents.GuildMemberRemove, { guild_id: UNMONITORED, user: user(ADA) }],
    ] as const) {
      expect(r.handle(dispatch(t, d))).toEqual([]);
    }
    expect(r.memberCount).toBe(0);
  });

  it("takes presences of unknown users while the member list is loading, and ignores them once it is complete", () => {
    const r = router();
    const presence = dispatch(GatewayDispatchEvents.PresenceUpdate, { ...online(ADA), guild_id: GUILD });
    expect(r.handle(presence)).toHaveLength(1);
    r.completeMemberList(GUILD, new Set());
    expect(r.loadingGuilds()).toEqual([OTHER_MONITORED]);
    expect(r.handle(presence)).toEqual([]);
    r.handle(dispatch(GatewayDispatchEvents.GuildMemberAdd, { ...member(ADA), guild_id: GUILD }));
    expect(r.handle(presence)).toEqual([{ userId: ADA, presence: toPresence(online(ADA)) }]);
  });

  it("keeps a member of two monitored guilds monitored until they leave both, since the earliest join", () => {
    const r = router();
    r.handle(
      dispatch(GatewayDispatchEvents.GuildMemberAdd, {
        ...member(ADA, "2024-05-01T00:00:00.000Z"),
        guild_id: GUILD,
      }),
    );
    const [second] = r.handle(
      dispatch(GatewayDispatchEvents.GuildMemberAdd, {
        ...member(ADA, "2023-01-01T00:00:00+00:00"),
        guild_id: OTHER_MONITORED,
      }),
    );
    expect(second!.membership).toEqual({
      joined_at: "2023-01-01T00:00:00+00:00",
      guild_ids: [GUILD, OTHER_MONITORED],
    });
    const [leftOne] = r.handle(
      dispatch(GatewayDispatchEvents.GuildMemberRemove, { guild_id: OTHER_MONITORED, user: user(ADA) }),
    );
    expect(leftOne!.membership).toEqual({ joined_at: "2024-05-01T00:00:00.000Z", guild_ids: [GUILD] });
    const [leftBoth] = r.handle(
      dispatch(GatewayDispatchEvents.GuildMemberRemove, { guild_id: GUILD, user: user(ADA) }),
    );
    expect(leftBoth!.membership).toBeNull();
    expect(r.memberCount).toBe(0);
  });

  it("makes a user who left every monitored guild offline, so a rejoin merged in the same flush shows no stale presence", () => {
    const r = router();
    const [joined] = r.handle(
      dispatch(GatewayDispatchEvents.GuildCreate, {
        id: GUILD,
        members: [member(ADA)],
        presences: [online(ADA)],
      }),
    );
    const [left] = r.handle(
      dispatch(GatewayDispatchEvents.GuildMemberRemove, { guild_id: GUILD, user: user(ADA) }),
    );
    const [rejoined] = r.handle(
      dispatch(GatewayDispatchEvents.GuildMemberAdd, {
        ...member(ADA, "2025-03-01T00:00:00.000Z"),
        guild_id: GUILD,
      }),
    );
    const pending = new Coalescer();
    for (const update of [joined!, left!, rejoined!]) pending.add(update, 0, null);
    const [delta] = pending.take(10);
    expect(delta!.membership).toEqual({ joined_at: "2025-03-01T00:00:00.000Z", guild_ids: [GUILD] });
    expect(delta!.presence).toEqual(OFFLINE);
  });

  it("ignores the removal of someone who was not a member of a loaded guild", () => {
    const r = router();
    r.completeMemberList(GUILD, new Set());
    expect(
      r.handle(dispatch(GatewayDispatchEvents.GuildMemberRemove, { guild_id: GUILD, user: user(ADA) })),
    ).toEqual([]);
  });

  it("forwards a profile change from GUILD_MEMBER_UPDATE", () => {
    const r = router();
    r.handle(dispatch(GatewayDispatchEvents.GuildMemberAdd, { ...member(ADA), guild_id: GUILD }));
    const [update] = r.handle(
      dispatch(GatewayDispatchEvents.GuildMemberUpdate, {
        ...member(ADA),
        user: user(ADA, "ada2"),
        guild_id: GUILD,
      }),
    );
    expect(update!.user!.username).toBe("ada2");
  });

  it("reconciles a complete member list: members it lacks have left", () => {
    const r = router();
    r.handle(
      dispatch(GatewayDispatchEvents.GuildCreate, {
        id: GUILD,
        members: [member(ADA), member(GRACE)],
        presences: [],
      }),
    );
    expect(r.completeMemberList(GUILD, new Set([GRACE]))).toEqual([
      { userId: ADA, membership: null, presence: OFFLINE },
    ]);
    expect(r.memberCount).toBe(1);
  });

  it("reconciles a guild against the Worker's record: members it holds that the registry lacks leave", () => {
    const r = router();
    const LINUS = "1191168926810112000";
    const STRANGER = "1191168931004416000";
    r.handle(
      dispatch(GatewayDispatchEvents.GuildCreate, {
        id: OTHER_MONITORED,
        members: [member(LINUS, "2022-01-01T00:00:00.000Z")],
        presences: [],
      }),
    );
    r.completeMemberList(OTHER_MONITORED, new Set([LINUS]));
    r.handle(
      dispatch(GatewayDispatchEvents.GuildCreate, { id: GUILD, members: [member(GRACE)], presences: [] }),
    );
    r.completeMemberList(GUILD, new Set([GRACE]));
    expect(r.reconcile(GUILD, [ADA, GRACE, LINUS])).toEqual([
      // Known nowhere: gone from every monitored guild, so offline too.
      { userId: ADA, membership: null, presence: OFFLINE },
      // Still in the other guild: the Worker's record of their guilds is corrected.
      { userId: LINUS, membership: { joined_at: "2022-01-01T00:00:00.000Z", guild_ids: [OTHER_MONITORED] } },
    ]);
    expect(r.memberCount).toBe(2);
    expect(r.reconcile(GUILD, [])).toEqual([]);
    // Pure: asking again gives the same leaves (the Worker's record is what decides).
    expect(r.reconcile(GUILD, [ADA])).toEqual([{ userId: ADA, membership: null, presence: OFFLINE }]);
    expect(r.reconcile(UNMONITORED, [STRANGER])).toEqual([]);
  });

  it("reconciles nothing while another monitored guild is loading: a member of it not listed yet must not leave", () => {
    const r = router();
    r.handle(
      dispatch(GatewayDispatchEvents.GuildCreate, { id: GUILD, members: [member(GRACE)], presences: [] }),
    );
    r.completeMemberList(GUILD, new Set([GRACE]));
    // ADA is in OTHER_MONITORED, whose list has not come: a leave now would carry membership null.
    expect(r.reconcile(GUILD, [ADA])).toBeNull();
    r.handle(
      dispatch(GatewayDispatchEvents.GuildCreate, {
        id: OTHER_MONITORED,
        members: [member(ADA, "2023-03-03T00:00:00.000Z")],
        presences: [],
      }),
    );
    expect(r.reconcile(GUILD, [ADA])).toBeNull();
    r.completeMemberList(OTHER_MONITORED, new Set([ADA]));
    // Every list complete: ADA leaves GUILD only, keeping her other guild and staying monitored.
    expect(r.reconcile(GUILD, [ADA])).toEqual([
      { userId: ADA, membership: { joined_at: "2023-03-03T00:00:00.000Z", guild_ids: [OTHER_MONITORED] } },
    ]);
    // The registry's view, and so the answer, only changes with the Worker's record.
    expect(r.reconcile(OTHER_MONITORED, [ADA])).toEqual([]);
  });

  it("makes a user the Worker holds whom no complete list names leave every guild", () => {
    const r = router();
    for (const guildId of [GUILD, OTHER_MONITORED]) {
      r.handle(
        dispatch(GatewayDispatchEvents.GuildCreate, { id: guildId, members: [member(GRACE)], presences: [] }),
      );
      r.completeMemberList(guildId, new Set([GRACE]));
    }
    expect(r.reconcile(GUILD, [ADA, GRACE])).toEqual([{ userId: ADA, membership: null, presence: OFFLINE }]);
  });

  it("waits for no guild the bot is not in, and again for one it joins", () => {
    const r = router();
    r.handle(
      dispatch(GatewayDispatchEvents.GuildCreate, { id: GUILD, members: [member(GRACE)], presences: [] }),
    );
    r.completeMemberList(GUILD, new Set([GRACE]));
    expect(r.loadingGuilds()).toEqual([OTHER_MONITORED]);
    // Its shard's READY did not list OTHER_MONITORED: no list of it will come.
    r.notJoined([OTHER_MONITORED, UNMONITORED]);
    expect(r.loadingGuilds()).toEqual([]);
    expect(r.reconcile(GUILD, [ADA])).toEqual([{ userId: ADA, membership: null, presence: OFFLINE }]);
    expect(r.reconcile(OTHER_MONITORED, [ADA])).toEqual([]);
    // The bot is added to it: its members are unknown again until its list completes.
    r.handle(
      dispatch(GatewayDispatchEvents.GuildCreate, { id: OTHER_MONITORED, members: [], presences: [] }),
    );
    expect(r.loadingGuilds()).toEqual([OTHER_MONITORED]);
    expect(r.reconcile(GUILD, [ADA])).toBeNull();
    r.completeMemberList(OTHER_MONITORED, new Set());
    // Removed from it: no wait for it either.
    r.handle(dispatch(GatewayDispatchEvents.GuildDelete, { id: OTHER_MONITORED }));
    expect(r.loadingGuilds()).toEqual([]);
    expect(r.reconcile(GUILD, [ADA])).toHaveLength(1);
  });

  it("drops every member of a guild the bot was removed from, but not on an outage", () => {
    const r = router();
    r.handle(
      dispatch(GatewayDispatchEvents.GuildCreate, { id: GUILD, members: [member(ADA)], presences: [] }),
    );
    expect(r.handle(dispatch(GatewayDispatchEvents.GuildDelete, { id: GUILD, unavailable: true }))).toEqual(
      [],
    );
    expect(r.handle(dispatch(GatewayDispatchEvents.GuildDelete, { id: GUILD }))).toEqual([
      { userId: ADA, membership: null, presence: OFFLINE },
    ]);
  });
});

describe("normalising Discord's payloads", () => {
  it("degrades a malformed presence instead of failing", () => {
    expect(
      toPresence({
        status: "dnd",
        client_status: { desktop: "idle", fridge: "online", mobile: 3 },
        activities: [{ name: "ok", type: 0 }, "junk", null, 5],
      }),
    ).toEqual({ status: "dnd", client_status: { desktop: "idle" }, activities: [{ name: "ok", type: 0 }] });
    expect(toPresence(null)).toEqual({ status: "offline", client_status: {}, activities: [] });
  });

  it("shows an offline (or unknown-status) user with nothing else", () => {
    const offline = { status: "offline", client_status: {}, activities: [] };
    expect(
      toPresence({
        status: "offline",
        activities: [{ name: "x", type: 0 }],
        client_status: { web: "online" },
      }),
    ).toEqual(offline);
    expect(toPresence({ status: "invisible", activities: [{ name: "x", type: 0 }] })).toEqual(offline);
  });

  it("keeps at most the 32 activities ingest accepts", () => {
    const activities = Array.from({ length: 40 }, (_, i) => ({ name: `a${i}`, type: 0 }));
    expect(toPresence({ status: "online", activities }).activities).toHaveLength(32);
  });

  it("keeps a profile whose decorations changed shape, without them", () => {
    const profile = toProfile({ ...user(ADA), avatar_decoration_data: { asset: 5 } });
    expect(profile).toMatchObject({ id: ADA, username: "ada", avatar_decoration_data: null });
    expect(toProfile({ id: ADA })).toBeNull();
  });
});
