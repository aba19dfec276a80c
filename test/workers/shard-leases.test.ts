import { runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { type GatewaySessions, migrateWholeDocument } from "../../durable-objects/gateway-sessions.ts";
import { decideLease, type LeaseRow } from "../../durable-objects/shard-leases.ts";
import { JsonDocument } from "../../durable-objects/sql.ts";
import { ingestHeaders } from "../../schemas/ingest-signature.ts";

// Shard leases and per-shard sessions: the pure rule at its boundaries, then the routes in workerd.

const BASE = "https://porchlight.test";
const request = (runner_id: string, shard_ids: number[], ttl_ms = 10_000) => ({
  runner_id,
  shard_ids,
  ttl_ms,
});

describe("decideLease", () => {
  const held: LeaseRow[] = [{ shard_id: 1, runner_id: "a", expires_at: 5_000 }];

  it("grants all of a runner's shards, or none while another runner holds one", () => {
    expect(decideLease(held, request("b", [0, 1]), 4_999)).toEqual({
      answer: { granted: false, held: [{ shard_id: 1, runner_id: "a", expires_in_ms: 1 }] },
      write: [],
    });
    expect(decideLease(held, request("b", [0]), 4_999).answer).toEqual({ granted: true, ttl_ms: 10_000 });
  });

  it("frees a lease the moment it runs out, and renews the holder's own", () => {
    expect(decideLease(held, request("b", [1]), 5_000)).toEqual({
      answer: { granted: true, ttl_ms: 10_000 },
      write: [{ shard_id: 1, runner_id: "b", expires_at: 15_000 }],
    });
    expect(decideLease(held, request("a", [1, 1]), 4_000).write).toEqual([
      { shard_id: 1, runner_id: "a", expires_at: 14_000 },
    ]);
  });
});

async function signed(method: "GET" | "PUT" | "POST" | "DELETE", path: string, value?: unknown) {
  const body = value === undefined ? "" : JSON.stringify(value);
  return exports.default.fetch(`${BASE}${path}`, {
    method,
    headers: await ingestHeaders(env.INGEST_SECRET!, { method, path }, body),
    body: method === "GET" ? undefined : body,
  });
}

const session = (shard_id: number, session_id: string) => ({
  shard_id,
  shard_count: 4,
  session_id,
  sequence: 7,
  resume_url: "wss://gateway.example/",
});

describe("/ingest/sessions and /ingest/leases", () => {
  it("keeps a row per shard: a save replaces only the shards it names", async () => {
    expect(
      (await signed("PUT", "/ingest/sessions", { shard_ids: [2], sessions: [session(2, "two")] })).status,
    ).toBe(204);
    expect(
      (await signed("PUT", "/ingest/sessions", { shard_ids: [3], sessions: [session(3, "three")] })).status,
    ).toBe(204);
    const both = (await (await signed("GET", "/ingest/sessions")).json()) as {
      sessions: { session_id: string }[];
    };
    expect(both.sessions.map((s) => s.session_id)).toEqual(expect.arrayContaining(["two", "three"]));
    expect((await signed("PUT", "/ingest/sessions", { shard_ids: [2], sessions: [] })).status).toBe(204);
    const left = (await (await signed("GET", "/ingest/sessions")).json()) as {
      sessions: { shard_id: number }[];
    };
    expect(left.sessions.map((s) => s.shard_id)).not.toContain(2);
    expect(left.sessions.map((s) => s.shard_id)).toContain(3);
  });

  it("refuses a session outside shard_ids, and bad lease requests, with a JSON 400", async () => {
    const stray = await signed("PUT", "/ingest/sessions", { shard_ids: [0], sessions: [session(1, "x")] });
    expect(stray.status).toBe(400);
    expect(await stray.json()).toMatchObject({ error: expect.stringContaining("shard_ids") });
    for (const bad of [
      request("a", []),
      request("a", [0], 2_999),
      request("a", [0], 300_001),
      request("has space", [0]),
      request("a", [4096]),
    ])
      expect((await signed("POST", "/ingest/leases", bad)).status, JSON.stringify(bad)).toBe(400);
    expect(
      (await exports.default.fetch(`${BASE}/ingest/leases`, { method: "POST", body: "{}" })).status,
    ).toBe(401);
  });

  it("grants a lease to one runner, refuses the other and its saves, and frees it on release", async () => {
    const first = await signed("POST", "/ingest/leases", request("runner-a", [10, 11]));
    expect(await first.json()).toEqual({ granted: true, ttl_ms: 10_000 });
    const second = await signed("POST", "/ingest/leases", request("runner-b", [11, 12]));
    expect(await second.json()).toMatchObject({
      granted: false,
      held: [{ shard_id: 11, runner_id: "runner-a", expires_in_ms: expect.any(Number) }],
    });
    const fenced = await signed("PUT", "/ingest/sessions", {
      runner_id: "runner-b",
      shard_ids: [11],
      sessions: [session(11, "b's")],
    });
    expect(fenced.status).toBe(409);
    expect(await fenced.json()).toEqual({ error: "another runner holds the lease: shard 11 (runner-a)" });
    expect(
      (await signed("PUT", "/ingest/sessions", { runner_id: "runner-a", shard_ids: [11], sessions: [] }))
        .status,
    ).toBe(204);
    expect(
      (await signed("DELETE", "/ingest/leases", { runner_id: "runner-b", shard_ids: [11] })).status,
    ).toBe(204);
    expect(await (await signed("POST", "/ingest/leases", request("runner-b", [11]))).json()).toMatchObject({
      granted: false,
    });
    expect(
      (await signed("DELETE", "/ingest/leases", { runner_id: "runner-a", shard_ids: [10, 11] })).status,
    ).toBe(204);
    expect(await (await signed("POST", "/ingest/leases", request("runner-b", [11, 12]))).json()).toEqual({
      granted: true,
      ttl_ms: 10_000,
    });
  });
});

describe("a store from before rows per shard", () => {
  it("moves the one sessions document into rows once, and drops it", async () => {
    const stub = env.GATEWAY_SESSIONS.getByName("migration-test");
    await runInDurableObject(stub, (instance: GatewaySessions, state) => {
      new JsonDocument(state.storage.sql, "sessions").write([session(0, "old zero"), session(1, "old one")]);
      migrateWholeDocument(state.storage.sql);
      expect(instance.get().map((s) => s.session_id)).toEqual(["old zero", "old one"]);
      const tables = state.storage.sql
        .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE name = 'sessions'")
        .toArray();
      expect(tables).toEqual([]);
      migrateWholeDocument(state.storage.sql);
      expect(instance.get()).toHaveLength(2);
    });
  });
});
