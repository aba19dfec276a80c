import { evictDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { UserDelta, type UserDeltaInput } from "../../schemas/ingest.ts";
import { joined, nextVersion } from "./helpers.ts";

const user = (id: string) => env.USER_PRESENCE.getByName(id);
/** Deltas as ingest hands them over: parsed, with defaults filled in. */
const parsed = (...deltas: UserDeltaInput[]) => deltas.map((d) => UserDelta.parse(d));

describe("UserPresence watchers", () => {
  it("a watching hub hears joins, presence changes and leaves; an unwatched one does not", async () => {
    const id = "600000000000000001";
    expect(await user(id).watch("hub-a")).toBeNull(); // not monitored yet, but the hub is registered
    await user(id).watch("hub-b");

    const join = await user(id).apply(parsed(joined(id, "wendy")));
    expect(join.change).toMatchObject({
      user_id: id,
      kind: "joined",
      snapshot: { lantern: { metadata: { username: "wendy" } } },
    });
    expect(join.watchers.sort()).toEqual(["hub-a", "hub-b"]);

    await user(id).unwatch("hub-b");
    const presence = await user(id).apply([
      {
        user_id: id,
        version: nextVersion(),
        presence: { status: "idle", client_status: {}, activities: [] },
      },
    ]);
    expect(presence.change).toMatchObject({
      kind: "presence",
      snapshot: { lanyard: { discord_status: "idle" } },
    });
    expect(presence.watchers).toEqual(["hub-a"]);

    const leave = await user(id).apply([{ user_id: id, version: nextVersion(), membership: null }]);
    expect(leave.change).toEqual({ user_id: id, kind: "left", version: expect.any(Number), snapshot: null });
  });

  it("announces nothing for a stale delta or one that changes nothing visible", async () => {
    const id = "600000000000000002";
    const first = joined(id, "xena");
    await user(id).apply(parsed(first));
    await user(id).watch("hub-a");
    const stale = await user(id).apply(parsed({ ...first, version: first.version - 1 }));
    expect(stale).toMatchObject({ applied: 0, stale: 1, change: null });
    const same = await user(id).apply(
      parsed({ user_id: id, version: nextVersion(), presence: first.presence }),
    );
    expect(same).toMatchObject({ applied: 1, change: null });
  });

  it("watchers survive eviction", async () => {
    const id = "600000000000000003";
    await user(id).apply(parsed(joined(id, "yuri")));
    await user(id).watch("hub-z");
    await evictDurableObject(user(id));
    const next = await user(id).apply([
      { user_id: id, version: nextVersion(), presence: { status: "dnd", client_status: {}, activities: [] } },
    ]);
    expect(next.watchers).toEqual(["hub-z"]);
  });
});
