import { evictDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { INGEST_LIMITS } from "../../schemas/ingest.ts";
import { ingestHeaders } from "../../schemas/ingest-signature.ts";
import { BASE, get, ingest, joined, nextVersion } from "./helpers.ts";

const ALICE = "200000000000000001";
const BOB = "200000000000000002";
const CAROL = "200000000000000003";
const NOBODY = "200000000000000099";

describe("ingest to REST", () => {
  it("a join shows in both dialects and in the monitored count", async () => {
    const res = await ingest([joined(ALICE, "alice"), joined(BOB, "bob", "idle")]);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ applied: 2, stale: 0 });

    const lantern = await get(`/api/v1/users/${ALICE}`);
    expect(lantern.status).toBe(200);
    expect(await lantern.json()).toMatchObject({
      metadata: { id: ALICE, username: "alice", monitoring_since: { raw: "2024-03-04T05:06:07.000Z" } },
      status: "online",
      active_platforms: { desktop: "online" },
    });

    const lanyard = await get(`/v1/users/${BOB}`);
    expect(await lanyard.json()).toMatchObject({
      success: true,
      data: {
        discord_user: { id: BOB, username: "bob" },
        discord_status: "idle",
        active_on_discord_desktop: true,
      },
    });

    const info = (await (await get("/")).json()) as {
      data: { currently_monitoring_users: number; monitored_user_count: number };
    };
    expect(info.data.currently_monitoring_users).toBeGreaterThanOrEqual(2);
    expect(info.data.monitored_user_count).toBe(info.data.currently_monitoring_users);
  });

  it("a later update is visible at once, an older one is ignored as stale", async () => {
    await ingest([joined(CAROL, "carol")]);
    await get(`/api/v1/users/${CAROL}`); // fill the edge cache
    const newer = nextVersion() + 10;
    await ingest([
      { user_id: CAROL, version: newer, presence: { status: "dnd", client_status: { mobile: "dnd" } } },
    ]);
    const stale = await ingest([{ user_id: CAROL, version: newer - 5, presence: { status: "online" } }]);
    expect(await stale.json()).toMatchObject({ applied: 0, stale: 1 });
    const body = (await (await get(`/api/v1/users/${CAROL}`)).json()) as {
      status: string;
      active_platforms: { mobile: string };
    };
    expect(body.status).toBe("dnd");
    expect(body.active_platforms.mobile).toBe("dnd");
  });

  it("a user who leaves is 404 in both dialects, and comes back whole on rejoin", async () => {
    const id = "200000000000000010";
    await ingest([joined(id, "dora")]);
    await ingest([{ user_id: id, version: nextVersion(), membership: null }]);
    const lantern = await get(`/api/v1/users/${id}`);
    expect(lantern.status).toBe(404);
    expect(await lantern.json()).toEqual({ error: `User ${id} is not being monitored by Porchlight.` });
    const lanyard = await get(`/v1/users/${id}`);
    expect(lanyard.status).toBe(404);
    expect(await lanyard.json()).toMatchObject({ success: false, error: { code: "user_not_monitored" } });

    await ingest([
      { user_id: id, version: nextVersion(), membership: { joined_at: "2025-01-01T00:00:00.000Z" } },
    ]);
    const back = (await (await get(`/api/v1/users/${id}`)).json()) as { metadata: { username: string } };
    expect(back.metadata.username).toBe("dora");
  });

  it("an evicted object comes back whole from SQLite", async () => {
    const id = "200000000000000011";
    await ingest([joined(id, "eve", "idle")]);
    await evictDurableObject(env.USER_PRESENCE.getByName(id));
    const snapshot = await env.USER_PRESENCE.getByName(id).read();
    expect(snapshot?.lantern).toMatchObject({ metadata: { username: "eve" }, status: "idle" });
  });
});

describe("edge cache", () => {
  it("serves a repeat read from the cache without asking the object", async () => {
    const id = "200000000000000020";
    await ingest([joined(id, "frank")]);
    const first = await get(`/api/v1/users/${id}`);
    expect(first.headers.get("x-porchlight-cache")).toBe("miss");
    expect(first.headers.get("cache-control")).toBe("public, max-age=5");
    // Change the object behind the cache's back (no ingest, so no purge): a cached read cannot see it.
    await env.USER_PRESENCE.getByName(id).apply([
      { user_id: id, version: nextVersion(), presence: { status: "dnd", client_status: {}, activities: [] } },
    ]);
    const second = await get(`/api/v1/users/${id}`);
    expect(second.headers.get("x-porchlight-cache")).toBe("hit");
    expect(((await second.json()) as { status: string }).status).toBe("online");
  });

  it("answers If-None-Match with 304 and a changed user with the new ETag", async () => {
    const id = "200000000000000021";
    await ingest([joined(id, "gina")]);
    const first = await get(`/v1/users/${id}`);
    const tag = first.headers.get("etag")!;
    expect(tag).toMatch(/^W\/"/);
    expect((await get(`/v1/users/${id}`, { "if-none-match": tag })).status).toBe(304);
    await ingest([{ user_id: id, version: nextVersion(), presence: { status: "idle" } }]);
    const changed = await get(`/v1/users/${id}`, { "if-none-match": tag });
    expect(changed.status).toBe(200);
    expect(changed.headers.get("etag")).not.toBe(tag);
  });

  it("caches a 404 too, so unknown ids do not wake an object per read", async () => {
    await get(`/api/v1/users/${NOBODY}`);
    const again = await get(`/api/v1/users/${NOBODY}`);
    expect(again.status).toBe(404);
    expect(again.headers.get("x-porchlight-cache")).toBe("hit");
  });
});

describe("bulk reads", () => {
  const query = (ids: string[]) => `/api/v1/users?${ids.map((id) => `user_ids=${id}`).join("&")}`;

  it("returns the monitored users, leaving out the rest; one id works too", async () => {
    await ingest([joined(ALICE, "alice"), joined(BOB, "bob")]);
    const res = await get(query([ALICE, NOBODY, BOB]));
    expect(res.status).toBe(200);
    const users = (await res.json()) as { metadata: { id: string } }[];
    expect(users.map((u) => u.metadata.id)).toEqual([ALICE, BOB]);
    const one = (await (await get(query([ALICE]))).json()) as unknown[];
    expect(one).toHaveLength(1);
  });

  it("404 only when none is monitored", async () => {
    const res = await get(query([NOBODY]));
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: expect.stringMatching(/None of the users/) });
  });

  it.each([
    ["no ids", "/api/v1/users", /at least one/],
    ["a malformed id", "/api/v1/users?user_ids=123", /user_ids/],
    ["a repeated id", `/api/v1/users?user_ids=${ALICE}&user_ids=${ALICE}`, /repeat/],
  ])("%s is a 400 naming the problem", async (_name, path, message) => {
    const res = await get(path);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(message);
  });

  it("takes 50 ids and refuses 51", async () => {
    const ids = Array.from({ length: 51 }, (_, i) => `3000000000000000${String(i).padStart(2, "0")}`);
    expect((await get(query(ids.slice(0, 50)))).status).toBe(404); // none monitored, but accepted
    const res = await get(query(ids));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/at most 50/);
  });
});

describe("bad input", () => {
  it.each(["/api/v1/users/123", "/api/v1/users/abc", "/api/v1/users/1234567890123456789012"])(
    "Lantern %s is a 400 with a JSON error",
    async (path) => {
      const res = await get(path);
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ error: expect.stringMatching(/id/) });
    },
  );

  it("Lanyard with a malformed id is a 400 in Lanyard's envelope", async () => {
    const res = await get("/v1/users/not-an-id");
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ success: false, error: { code: "invalid_user_id" } });
  });

  it("an unknown route is a JSON 404", async () => {
    const res = await get("/api/v2/nothing");
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: "Resource not found." });
  });

  it("CORS preflight is answered for any origin", async () => {
    const res = await exports.default.fetch(`${BASE}/api/v1/users/${ALICE}`, {
      method: "OPTIONS",
      headers: { origin: "https://example.org", "access-control-request-method": "GET" },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
  });
});

describe("ingest answers", () => {
  it("carry no CORS and no ETag: the runner is not a browser, and hashing each answer costs CPU for no reader", async () => {
    const res = await ingest([joined("200000000000000032", "ivy")]);
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
    expect(res.headers.get("etag")).toBeNull();
  });
});

describe("ingest refuses", () => {
  const valid = () => [joined("200000000000000030", "hal")];

  it("a wrong secret, a stale timestamp and missing headers with 401", async () => {
    expect((await ingest(valid(), { secret: "another-secret-of-enough-length-0123456789" })).status).toBe(
      401,
    );
    const stale = await ingest(valid(), { now: Date.now() - 10 * 60_000 });
    expect(stale.status).toBe(401);
    expect(await stale.json()).toMatchObject({ reason: "stale_timestamp" });
    const unsigned = await exports.default.fetch(`${BASE}/ingest`, { method: "POST", body: "{}" });
    expect(unsigned.status).toBe(401);
  });

  it("a body that is not JSON, or not a batch, with 400", async () => {
    expect((await ingest([], { body: "{nope" })).status).toBe(400);
    const empty = await ingest([]);
    expect(empty.status).toBe(400);
    const badId = await ingest([{ ...joined("200000000000000031", "ida"), user_id: "12" }]);
    expect(badId.status).toBe(400);
    expect(((await badId.json()) as { error: string }).error).toMatch(/deltas\.0\.user_id/);
  });

  it(`${INGEST_LIMITS.maxDeltas} deltas are accepted and one more is refused`, async () => {
    const many = (n: number) =>
      Array.from({ length: n }, (_, i) => ({
        user_id: `4000000000000${String(i).padStart(5, "0")}`,
        version: nextVersion(),
        presence: { status: "online" as const },
      }));
    expect((await ingest(many(INGEST_LIMITS.maxDeltas))).status).toBe(200);
    const over = await ingest(many(INGEST_LIMITS.maxDeltas + 1));
    expect(over.status).toBe(400);
  });

  it("a body over the size limit with 413, before checking anything else", async () => {
    const body = `{"pad":"${"x".repeat(INGEST_LIMITS.maxBodyBytes)}"}`;
    const headers = await ingestHeaders("whatever", { method: "POST", path: "/ingest" }, body);
    const res = await exports.default.fetch(`${BASE}/ingest`, { method: "POST", headers, body });
    expect(res.status).toBe(413);
  });
});

describe("gateway session checkpoints", () => {
  it("round-trip through /ingest/sessions, signed", async () => {
    const sessions = [
      { shard_id: 0, shard_count: 1, session_id: "abc", sequence: 42, resume_url: "wss://gateway.example/" },
    ];
    const body = JSON.stringify({ shard_ids: [0], sessions });
    const put = await exports.default.fetch(`${BASE}/ingest/sessions`, {
      method: "PUT",
      headers: await ingestHeaders(env.INGEST_SECRET!, { method: "PUT", path: "/ingest/sessions" }, body),
      body,
    });
    expect(put.status).toBe(204);
    const res = await exports.default.fetch(`${BASE}/ingest/sessions`, {
      headers: await ingestHeaders(env.INGEST_SECRET!, { method: "GET", path: "/ingest/sessions" }, ""),
    });
    expect(await res.json()).toEqual({ sessions });
    const unsigned = await exports.default.fetch(`${BASE}/ingest/sessions`);
    expect(unsigned.status).toBe(401);
  });
});

describe("a signature answers for one route", () => {
  it("a signed request replayed against another route, page, or method is refused", async () => {
    const signed = await ingestHeaders(env.INGEST_SECRET!, { method: "GET", path: "/ingest/sockets" }, "");
    expect((await exports.default.fetch(`${BASE}/ingest/sockets`, { headers: signed })).status).toBe(200);
    for (const path of [
      "/ingest/sessions",
      "/ingest/sockets?x=1",
      "/ingest/guilds/910000000000000001/members",
    ]) {
      expect((await exports.default.fetch(`${BASE}${path}`, { headers: signed })).status, path).toBe(401);
    }
    const page = "/ingest/guilds/910000000000000001/members?limit=5";
    const pageSigned = await ingestHeaders(env.INGEST_SECRET!, { method: "GET", path: page }, "");
    expect((await exports.default.fetch(`${BASE}${page}`, { headers: pageSigned })).status).toBe(200);
    const otherPage = `${page}&after=910000000000000009`;
    expect((await exports.default.fetch(`${BASE}${otherPage}`, { headers: pageSigned })).status).toBe(401);
    const body = JSON.stringify({ sessions: [] });
    const asPut = await ingestHeaders(env.INGEST_SECRET!, { method: "PUT", path: "/ingest/sessions" }, body);
    const asPost = await exports.default.fetch(`${BASE}/ingest`, { method: "POST", headers: asPut, body });
    expect(asPost.status).toBe(401);
  });
});
