import { runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { hashToken } from "../../durable-objects/user-presence/tokens.ts";
import { KV_LIMITS } from "../../schemas/kv.ts";
import { issueToken, revokeToken, tokenDirectory } from "../../workers/write-tokens.ts";
import { BASE, get, ingest, joined } from "./helpers.ts";
import { connect } from "./socket-client.ts";

let next = 0;
/** A monitored user of their own and a token for them. */
async function member() {
  const id = `71000000000000${String(++next).padStart(4, "0")}`;
  expect((await ingest([joined(id, `kv${next}`)])).status).toBe(200);
  const issued = await issueToken(env, id);
  if (!issued.ok) throw new Error("no token");
  return { id, token: issued.token };
}

function call(
  method: string,
  path: string,
  options: { token?: string; body?: string; headers?: Record<string, string> } = {},
) {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers.Authorization = options.token;
  return exports.default.fetch(`${BASE}${path}`, { method, headers, body: options.body });
}
/** A response's JSON, loosely typed: the tests check its shape. */
// biome-ignore lint/suspicious/noExplicitAny: test assertions read arbitrary JSON
async function body(response: Response | Promise<Response>): Promise<any> {
  return (await response).json();
}
const jsonBody = (value: unknown) => ({
  body: JSON.stringify(value),
  headers: { "content-type": "application/json" },
});

describe("Lantern storage routes", () => {
  it("PUT (body or query), GET one and all, PATCH an existing key, DELETE a key and everything", async () => {
    const { id, token } = await member();
    const storage = `/api/v1/users/${id}/storage`;
    expect(await body(get(storage))).toEqual({ error: `User ${id} does not have any storage.` });
    expect(
      (await call("PUT", `${storage}/location`, { token, ...jsonBody({ value: "Lisbon" }) })).status,
    ).toBe(200);
    const byQuery = await call("PUT", `${storage}/mood?value=sleepy`, { token });
    expect(await body(byQuery)).toEqual({ success: true });
    expect(await body(get(`${storage}/location`))).toEqual({ value: "Lisbon" });
    expect(await body(get(storage))).toEqual({ location: "Lisbon", mood: "sleepy" });

    expect((await call("PATCH", `${storage}/mood`, { token, ...jsonBody({ value: "awake" }) })).status).toBe(
      200,
    );
    const missing = await call("PATCH", `${storage}/nope`, { token, ...jsonBody({ value: "x" }) });
    expect([missing.status, await body(missing)]).toEqual([
      404,
      { error: "Key nope does not exist in the storage." },
    ]);

    expect((await call("DELETE", `${storage}/mood`, { token })).status).toBe(200);
    expect((await call("DELETE", `${storage}/mood`, { token })).status).toBe(404);
    expect((await get(`${storage}/mood`)).status).toBe(404);
    expect((await call("DELETE", storage, { token })).status).toBe(200);
    expect((await call("DELETE", storage, { token })).status).toBe(404);
  });

  it("shows the pairs in the user's REST payloads at once, through the edge cache", async () => {
    const { id, token } = await member();
    expect((await body(get(`/api/v1/users/${id}`))).storage).toEqual({});
    await get(`/v1/users/${id}`); // both dialects now cached
    await call("PUT", `/api/v1/users/${id}/storage/city?value=Porto`, { token });
    expect((await body(get(`/api/v1/users/${id}`))).storage).toEqual({ city: "Porto" });
    expect((await body(get(`/v1/users/${id}`))).data.kv).toEqual({ city: "Porto" });
  });

  it("refuses writes without a valid token, and for users who are not monitored", async () => {
    const { id, token } = await member();
    const other = await member();
    const path = `/api/v1/users/${id}/storage/k?value=v`;
    for (const header of [undefined, "", "Bearer", "pl_tooshort", `${token} extra`]) {
      const response = await call("PUT", path, { token: header });
      expect(response.status).toBe(401);
      expect(await body(response)).toHaveProperty("error");
    }
    expect((await call("PUT", path, { token: other.token })).status).toBe(401);
    expect((await call("PUT", path, { token: `Bearer ${token}` })).status).toBe(200);
    // The token is checked first, from the header alone: it is not this unmonitored user's.
    const ghost = await call("PUT", "/api/v1/users/71999999999999999/storage/k?value=v", { token });
    expect([ghost.status, (await body(ghost)).error]).toEqual([401, "The token is not this user's."]);
    expect((await call("PUT", "/api/v1/users/not-an-id/storage/k?value=v", { token })).status).toBe(400);
  });

  it("revokes the old token when a new one is issued, and on revoke", async () => {
    const { id, token } = await member();
    const path = `/api/v1/users/${id}/storage/k?value=v`;
    const second = await issueToken(env, id);
    if (!second.ok) throw new Error("no token");
    expect((await call("PUT", path, { token })).status).toBe(401);
    expect((await call("PUT", path, { token: second.token })).status).toBe(200);
    expect(await revokeToken(env, id)).toBe(true);
    expect((await call("PUT", path, { token: second.token })).status).toBe(401);
    expect(await revokeToken(env, id)).toBe(false);
  });

  it("refuses a token for a user who is not monitored", async () => {
    expect(await issueToken(env, "71999999999999998")).toEqual({ ok: false, code: "user_not_monitored" });
  });
});

describe("limits at their boundaries, over REST", () => {
  it("512 pairs accepted, the 513th refused with 413 naming the limit, and nothing written", async () => {
    const { id, token } = await member();
    const pairs = Object.fromEntries(Array.from({ length: KV_LIMITS.maxPairs }, (_, i) => [`k${i}`, "v"]));
    expect((await call("PATCH", `/v1/users/${id}/kv`, { token, ...jsonBody(pairs) })).status).toBe(204);
    const refused = await call("PUT", `/api/v1/users/${id}/storage/one_more?value=v`, { token });
    expect(refused.status).toBe(413);
    expect((await body(refused)).error).toContain("512");
    expect(Object.keys(await body(get(`/api/v1/users/${id}/storage`)))).toHaveLength(512);
  });

  it("a user holding 512 values of 30,000 two-byte characters is still written, read and announced", async () => {
    const { id, token } = await member();
    const value = "ж".repeat(KV_LIMITS.maxValueLength);
    // Merges of 64 pairs (≈ 4 MB each as JSON), so each request stays under the merge body cap.
    for (let part = 0; part < KV_LIMITS.maxPairs / 64; part++) {
      const pairs = Object.fromEntries(Array.from({ length: 64 }, (_, i) => [`k${part * 64 + i}`, value]));
      const merged = await call("PATCH", `/v1/users/${id}/kv`, { token, ...jsonBody(pairs) });
      expect(merged.status).toBe(204);
    }
    const socket = await connect();
    await socket.next();
    socket.send({ op: 2, d: { user_id: id } });
    expect(await socket.next(20_000)).toMatchObject({ op: 3 });
    expect((await call("PUT", `/v1/users/${id}/kv/k0`, { token, body: "small" })).status).toBe(204);
    const update = await socket.next(20_000);
    expect(update).toMatchObject({ t: "STORAGE_UPDATE", d: { storage: { k0: "small" } } });
    const lantern = await body(get(`/api/v1/users/${id}`));
    expect(Object.keys(lantern.storage)).toHaveLength(KV_LIMITS.maxPairs);
    expect(lantern.storage.k0).toBe("small");
    expect((await get(`/v1/users/${id}`)).status).toBe(200);
  }, 120_000);

  it("a value of 30,000 characters accepted, 30,001 refused; a bad key refused", async () => {
    const { id, token } = await member();
    const max = "é".repeat(KV_LIMITS.maxValueLength);
    expect((await call("PUT", `/v1/users/${id}/kv/big`, { token, body: max })).status).toBe(204);
    const long = await call("PUT", `/v1/users/${id}/kv/big`, { token, body: `${max}x` });
    expect([long.status, (await body(long)).error.code]).toEqual([413, "value_too_long"]);
    const lantern = await call("PUT", `/api/v1/users/${id}/storage/big`, {
      token,
      ...jsonBody({ value: `${max}x` }),
    });
    expect(lantern.status).toBe(413);
    expect((await body(get(`/api/v1/users/${id}/storage/big`))).value).toBe(max);
    const badKey = await call("PUT", `/v1/users/${id}/kv/bad-key`, { token, body: "v" });
    expect([badKey.status, (await body(badKey)).error.code]).toEqual([400, "invalid_key"]);
    const longKey = await call("PUT", `/v1/users/${id}/kv/${"k".repeat(256)}`, { token, body: "v" });
    expect(longKey.status).toBe(413);
    expect((await call("PUT", `/v1/users/${id}/kv/${"k".repeat(255)}`, { token, body: "v" })).status).toBe(
      204,
    );
  });

  it("rate-limits a user's writes with 429 and Retry-After, without touching another user", async () => {
    const { id, token } = await member();
    const other = await member();
    const statuses: number[] = [];
    for (let i = 0; i < 31; i++) {
      statuses.push((await call("PUT", `/v1/users/${id}/kv/k${i}`, { token, body: "v" })).status);
    }
    expect(statuses.slice(0, 30).every((status) => status === 204)).toBe(true);
    const limited = await call("PUT", `/v1/users/${id}/kv/k99`, { token, body: "v" });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("Retry-After"))).toBeGreaterThanOrEqual(1);
    expect((await body(limited)).error.code).toBe("rate_limited");
    expect((await call("PUT", `/v1/users/${other.id}/kv/k`, { token: other.token, body: "v" })).status).toBe(
      204,
    );
  });

  it("concurrent writes never lose an update", async () => {
    const { id, token } = await member();
    const writes = Array.from({ length: 25 }, (_, i) =>
      i % 2 === 0
        ? call("PUT", `/v1/users/${id}/kv/key${i}`, { token, body: `v${i}` })
        : call("PATCH", `/v1/users/${id}/kv`, { token, ...jsonBody({ [`key${i}`]: `v${i}` }) }),
    );
    expect((await Promise.all(writes)).map((r) => r.status)).toEqual(Array(25).fill(204));
    const pairs = await body(get(`/api/v1/users/${id}/storage`));
    expect(Object.keys(pairs).sort()).toEqual(Array.from({ length: 25 }, (_, i) => `key${i}`).sort());
  });
});

describe("Lanyard key-value routes", () => {
  it("PUT raw, PATCH merge, DELETE (204 even when absent), with @me resolved from the token", async () => {
    const { id, token } = await member();
    expect((await call("PUT", "/v1/users/@me/kv/location", { token, body: "Los Angeles, CA" })).status).toBe(
      204,
    );
    expect(
      (await call("PATCH", `/v1/users/${id}/kv`, { token, ...jsonBody({ a: "1", b: "2" }) })).status,
    ).toBe(204);
    expect((await call("DELETE", "/v1/users/@me/kv/a", { token })).status).toBe(204);
    expect((await call("DELETE", "/v1/users/@me/kv/a", { token })).status).toBe(204);
    expect((await body(get(`/v1/users/${id}`))).data.kv).toEqual({
      location: "Los Angeles, CA",
      b: "2",
    });
  });

  it("answers in Lanyard's envelope: no_permission, invalid bodies, an all-or-nothing merge", async () => {
    const { id, token } = await member();
    const denied = await call("PUT", `/v1/users/${id}/kv/k`, { body: "v" });
    expect([denied.status, await body(denied)]).toEqual([
      401,
      { success: false, error: { code: "no_permission", message: expect.any(String) } },
    ]);
    expect(
      (await call("PUT", "/v1/users/@me/kv/k", { token: "pl_".padEnd(46, "A"), body: "v" })).status,
    ).toBe(401);
    for (const body of ["not json", "[1]", '"s"', '{"k": 1}']) {
      expect((await call("PATCH", `/v1/users/${id}/kv`, { token, body })).status).toBe(400);
    }
    expect(
      (await call("PATCH", `/v1/users/${id}/kv`, { token, ...jsonBody({ ok: "1", "bad key": "2" }) })).status,
    ).toBe(400);
    expect((await body(get(`/v1/users/${id}`))).data.kv).toEqual({});
  });

  it("lets a browser on another origin write: the preflight allows the method and Authorization", async () => {
    const response = await call("OPTIONS", "/v1/users/@me/kv/k", {
      headers: {
        Origin: "https://example.com",
        "Access-Control-Request-Method": "PUT",
        "Access-Control-Request-Headers": "authorization, content-type",
      },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get("Access-Control-Allow-Origin")).toBe("*");
    expect(response.headers.get("Access-Control-Allow-Methods")).toContain("PUT");
    expect(response.headers.get("Access-Control-Allow-Headers")?.toLowerCase()).toContain("authorization");
  });
});

describe("a key-value change reaches sockets", () => {
  it("Lantern gets STORAGE_UPDATE with the whole user; Lanyard a PRESENCE_UPDATE with the new kv", async () => {
    const { id, token } = await member();
    const lantern = await connect();
    await lantern.next();
    lantern.send({ op: 2, d: { user_id: id } });
    expect(await lantern.next()).toMatchObject({ op: 3 });
    const lanyard = await connect();
    await lanyard.next();
    lanyard.send({ op: 2, d: { subscribe_to_id: id } });
    expect(await lanyard.next()).toMatchObject({ t: "INIT_STATE" });

    await call("PUT", "/v1/users/@me/kv/song", { token, body: "la" });
    expect(await lantern.next()).toMatchObject({
      t: "STORAGE_UPDATE",
      op: 10,
      d: { storage: { song: "la" } },
    });
    expect(await lanyard.next()).toMatchObject({
      t: "PRESENCE_UPDATE",
      d: { kv: { song: "la" }, user_id: id },
    });
  });
});

describe("tokens at rest", () => {
  it("are never stored in clear, in the user's object or the directory", async () => {
    const { id, token } = await member();
    const dump = (sql: SqlStorage) =>
      sql
        .exec<{ name: string }>(
          "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '_cf_%' AND name NOT LIKE 'sqlite_%'",
        )
        .toArray()
        .map(({ name }) => JSON.stringify(sql.exec(`SELECT * FROM "${name}"`).toArray()))
        .join("\n");
    const secret = token.slice(3);
    const userDump = await runInDurableObject(env.USER_PRESENCE.getByName(id), (_, state) =>
      dump(state.storage.sql),
    );
    const directoryDump = await runInDurableObject(tokenDirectory(env, await hashToken(token)), (_, state) =>
      dump(state.storage.sql),
    );
    expect(userDump).toContain(await hashToken(token));
    expect(directoryDump).toContain(await hashToken(token));
    expect(userDump).not.toContain(secret);
    expect(directoryDump).not.toContain(secret);
  });
});
