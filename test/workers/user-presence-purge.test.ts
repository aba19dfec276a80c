import { evictDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { get, ingest, joined, nextVersion } from "./helpers.ts";

/**
 * Ingest deletes a user's edge-cache entries only when the user's object says one may exist: it
 * served the payload for caching since the last change (a mark that survives eviction), or the
 * user joined or left. The reads here go through the Worker, so each assertion on what REST shows is
 * also one on the purge being there when it is needed.
 */

const presence = (status: "online" | "idle" | "dnd") => ({ status, client_status: {}, activities: [] });
const object = (id: string) => env.USER_PRESENCE.getByName(id);

async function apply(id: string, status: "online" | "idle" | "dnd") {
  return object(id).apply([{ user_id: id, version: nextVersion(), presence: presence(status) }]);
}

describe("the purge ingest is told to make", () => {
  it("is skipped for a change nobody read, and made after a read served the payload", async () => {
    const id = "200000000000000301";
    await ingest([joined(id, "pia")]);
    // The join itself purges (a 404 may be cached); after it, nobody has read the user.
    expect((await apply(id, "idle")).purge).toBe(false);
    expect((await apply(id, "dnd")).purge).toBe(false);

    const read = await get(`/api/v1/users/${id}`);
    expect(read.headers.get("x-porchlight-cache")).toBe("miss");
    const change = await apply(id, "online");
    expect(change).toMatchObject({ changed: true, purge: true });
    // Served once, purged once: the change after it has nothing cached to purge.
    expect((await apply(id, "idle")).purge).toBe(false);
  });

  it("a change that is not visible purges nothing and keeps the served mark", async () => {
    const id = "200000000000000302";
    await ingest([joined(id, "quin")]);
    await apply(id, "dnd");
    await get(`/api/v1/users/${id}`);
    const same = await apply(id, "dnd");
    expect(same).toMatchObject({ applied: 1, changed: false, purge: false });
    expect((await apply(id, "idle")).purge).toBe(true);
  });

  it("survives eviction: an object rebuilt purges only when an earlier instance served the payload", async () => {
    const id = "200000000000000303";
    await ingest([joined(id, "rue")]);
    await apply(id, "idle");
    await evictDurableObject(object(id));
    // Nobody read it since that change, and the rebuilt object knows it.
    expect((await apply(id, "dnd")).purge).toBe(false);
    // Read (so cached), then evicted: the change after, made through ingest, is purged, so REST
    // shows it and not the entry cached before eviction.
    expect(((await (await get(`/api/v1/users/${id}`)).json()) as { status: string }).status).toBe("dnd");
    await evictDurableObject(object(id));
    await ingest([{ user_id: id, version: nextVersion(), presence: presence("online") }]);
    const body = (await (await get(`/api/v1/users/${id}`)).json()) as { status: string };
    expect(body.status).toBe("online");
  });

  it("is made on a join: the 404 read while the user was away was cached without the object", async () => {
    const id = "200000000000000304";
    await ingest([joined(id, "sol")]);
    await ingest([{ user_id: id, version: nextVersion(), membership: null }]);
    expect((await get(`/api/v1/users/${id}`)).status).toBe(404);
    const back = await ingest([
      { user_id: id, version: nextVersion(), membership: { joined_at: "2025-01-01T00:00:00.000Z" } },
    ]);
    expect(back.status).toBe(200);
    expect((await get(`/api/v1/users/${id}`)).status).toBe(200);
  });

  it("a read after a purged change shows the change (no stale entry)", async () => {
    const id = "200000000000000305";
    await ingest([joined(id, "tam")]);
    await get(`/api/v1/users/${id}`);
    await ingest([{ user_id: id, version: nextVersion(), presence: presence("dnd") }]);
    const body = (await (await get(`/api/v1/users/${id}`)).json()) as { status: string };
    expect(body.status).toBe("dnd");
  });
});

describe("the revision", () => {
  it("survives eviction whether or not it was written apart from the state", async () => {
    const id = "200000000000000306";
    await ingest([joined(id, "uma")]);
    const joinedVersion = (await object(id).read())!.version;
    // A key-value write moves the revision past the state's version: stored apart.
    await object(id).setTokenHash("0".repeat(64));
    const kv = await object(id).writeKv({ owner: true }, { kind: "set", key: "k", value: "v" });
    expect(kv.ok).toBe(true);
    const afterKv = (await object(id).read())!.version;
    expect(afterKv).toBeGreaterThan(joinedVersion);
    await evictDurableObject(object(id));
    expect((await object(id).read())!.version).toBe(afterKv);
    // A presence change jumps to its version, which is the state's: not written apart.
    await apply(id, "idle");
    const afterPresence = (await object(id).read())!.version;
    expect(afterPresence).toBeGreaterThan(afterKv);
    await evictDurableObject(object(id));
    expect((await object(id).read())!.version).toBe(afterPresence);
  });
});
