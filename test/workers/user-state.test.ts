import { describe, expect, it } from "vitest";
import { applyDelta, emptyState } from "../../durable-objects/user-presence/state.ts";
import { UserDelta, type UserDeltaInput } from "../../schemas/ingest.ts";
import type { UserState } from "../../schemas/user-state.ts";

const ID = "94490510688792576";
const delta = (input: Omit<UserDeltaInput, "user_id">) => UserDelta.parse({ user_id: ID, ...input });
const profile = { id: ID, username: "phineas", global_name: "Phineas", avatar: null };

function fold(...deltas: ReturnType<typeof delta>[]): { state: UserState; stale: number } {
  let state = emptyState(ID);
  let stale = 0;
  for (const [i, d] of deltas.entries()) {
    const outcome = applyDelta(state, d, 1_000 * (i + 1));
    if (outcome.kind === "stale") stale++;
    else state = outcome.state;
  }
  return { state, stale };
}

describe("applyDelta", () => {
  it("a join with a profile makes the user monitored since their join time", () => {
    const { state } = fold(
      delta({ version: 1, user: profile, membership: { joined_at: "2024-01-02T03:04:05.000Z" } }),
    );
    expect(state).toMatchObject({
      monitored: true,
      monitoring_since: "2024-01-02T03:04:05.000Z",
      version: 1,
    });
    expect(state.profile?.username).toBe("phineas");
  });

  it.each([
    ["an older version", 5, 4],
    ["an equal version (a replayed batch)", 5, 5],
  ])("ignores %s", (_name, first, second) => {
    const { state, stale } = fold(
      delta({ version: first, presence: { status: "dnd" } }),
      delta({ version: second, presence: { status: "online" } }),
    );
    expect(stale).toBe(1);
    expect(state.presence.status).toBe("dnd");
    expect(state.version).toBe(first);
  });

  it("facets are independent: a presence delta keeps the profile and membership", () => {
    const { state } = fold(
      delta({ version: 1, user: profile, membership: { joined_at: "2024-01-02T03:04:05.000Z" } }),
      delta({ version: 2, presence: { status: "idle", client_status: { web: "idle" } } }),
    );
    expect(state).toMatchObject({
      monitored: true,
      profile: { username: "phineas" },
      presence: { status: "idle" },
    });
  });

  it("stamps last_seen_at when the user goes offline and clears it when they come back", () => {
    const online = delta({ version: 1, presence: { status: "online" } });
    const offline = delta({ version: 2, presence: { status: "offline" } });
    expect(fold(online, offline).state.last_seen_at).toBe(2_000);
    expect(
      fold(online, offline, delta({ version: 3, presence: { status: "online" } })).state.last_seen_at,
    ).toBeNull();
  });

  it("a user first seen offline has no last-seen time", () => {
    expect(fold(delta({ version: 1, presence: { status: "offline" } })).state.last_seen_at).toBeNull();
  });

  it("leaving keeps the data but unmonitors; rejoining restarts monitoring_since", () => {
    const joined = delta({
      version: 1,
      user: profile,
      membership: { joined_at: "2024-01-01T00:00:00.000Z" },
    });
    const left = fold(joined, delta({ version: 2, membership: null })).state;
    expect(left).toMatchObject({
      monitored: false,
      profile: { username: "phineas" },
      monitoring_since: "2024-01-01T00:00:00.000Z",
    });
    const back = fold(
      joined,
      delta({ version: 2, membership: null }),
      delta({ version: 3, membership: { joined_at: "2025-05-05T00:00:00.000Z" } }),
    );
    expect(back.state).toMatchObject({ monitored: true, monitoring_since: "2025-05-05T00:00:00.000Z" });
  });

  it("a leave forgets the presence, so a rejoin without one does not show the old status", () => {
    // Found by the pipeline benchmark: members who left online and rejoined offline stayed online,
    // since Discord sends no PRESENCE_UPDATE for a member who joins offline.
    const { state } = fold(
      delta({
        version: 1,
        user: profile,
        membership: { joined_at: "2024-01-01T00:00:00.000Z" },
        presence: { status: "online", activities: [{ name: "Spotify", type: 2 }] },
      }),
      delta({ version: 2, membership: null }),
      delta({ version: 3, membership: { joined_at: "2025-01-01T00:00:00.000Z" } }),
    );
    expect(state.presence).toEqual({ status: "offline", client_status: {}, activities: [] });
    expect(state.last_seen_at).toBe(2_000);
  });

  it("reports whether anything visible or the membership changed", () => {
    const state = fold(delta({ version: 1, user: profile, presence: { status: "online" } })).state;
    const same = applyDelta(state, delta({ version: 2, presence: { status: "online" } }), 0);
    expect(same).toMatchObject({ kind: "applied", visibleChanged: false, monitoredChanged: false });
    const joined = applyDelta(
      state,
      delta({ version: 2, membership: { joined_at: "2024-01-01T00:00:00.000Z" } }),
      0,
    );
    expect(joined).toMatchObject({ kind: "applied", visibleChanged: true, monitoredChanged: true });
  });
});
