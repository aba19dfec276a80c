import { listDurableObjectIds } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { TEST_ADMIN_KEY, TEST_PROXY_KEY } from "../fixtures/proxy-keys.ts";
import { BASE } from "./helpers.ts";

// The proxy's routes inside workerd, forwarding to the emulator over real HTTP
// (test/node/setup/workers-emulator.ts). Every test file shares that emulator, so tests here
// take channels of their own where a limit or a fault is involved.

const emulator = env.DISCORD_API_BASE!.replace(/\/api$/, "");
const proxy = (path: string, init: RequestInit & { key?: string | null } = {}) => {
  const headers = new Headers(init.headers);
  if (init.key !== null && !headers.has("authorization"))
    headers.set("authorization", `Bot ${init.key ?? TEST_PROXY_KEY}`);
  return exports.default.fetch(`${BASE}/proxy/api${path}`, { ...init, headers });
};

interface EmulatorState {
  application_id: string;
  guilds: Array<{ id: string; channels: string[] }>;
  counters: {
    rest: Record<string, { requests: number; rate_limited: Record<string, number>; invalid: number }>;
  };
}
const state = async () => (await (await fetch(`${emulator}/_emulator/state`)).json()) as EmulatorState;
const botCounters = async () => {
  const s = await state();
  return (
    s.counters.rest[s.application_id] ?? {
      requests: 0,
      rate_limited: { user: 0, global: 0, shared: 0 },
      invalid: 0,
    }
  );
};

/** A channel no other test uses, so its buckets start empty. */
async function freshChannel(name: string): Promise<string> {
  const response = await fetch(`${emulator}/_emulator/guilds`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: `proxy ${name}`, channels: [name] }),
  });
  const guild = (await response.json()) as { channels: string[] };
  return guild.channels[0]!;
}

const send = (channel: string, content: string, headers: Record<string, string> = {}) =>
  proxy(`/v10/channels/${channel}/messages`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ content }),
  });

describe("who may use the proxy", () => {
  it("refuses no key, a wrong key, the bot's own token and a key of another bot with 401 JSON, before Discord hears of it", async () => {
    const before = (await state()).counters.rest;
    const token = env.DISCORD_TOKEN!;
    for (const headers of [
      {},
      { authorization: "Bot plk_wrong" },
      { authorization: `Bot ${token}` },
      { authorization: `Bot ${TEST_PROXY_KEY}`, "x-porchlight-bot": "another" },
    ] as Record<string, string>[]) {
      const response = await proxy("/v10/users/@me", { headers, key: null });
      expect(response.status, JSON.stringify(headers)).toBe(401);
      expect(await response.json()).toMatchObject({ code: "unauthorized" });
      expect(response.headers.get("x-porchlight-generated")).toBe("1");
    }
    expect((await state()).counters.rest).toEqual(before);
  });
});

describe("what a stranger costs", () => {
  it("creates no storage: wrong keys are counted in memory by the bot's own object, which exists anyway", async () => {
    for (let n = 0; n < 30; n++)
      await proxy(`/v10/users/${1191168914227290000 + n}`, { key: `plk_guess-${n}` });
    // The isolate hands its counts to the configured bot's one object; nothing else is addressed.
    expect((await listDurableObjectIds(env.REST_PROXY)).length).toBeLessThanOrEqual(1);
    expect(await listDurableObjectIds(env.USER_PRESENCE)).toEqual([]);
  });
});

describe("forwarding", () => {
  it("answers with Discord's status, body and rate-limit headers, and nothing of Discord's cookies", async () => {
    const response = await proxy("/v10/users/@me");
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ id: (await state()).application_id, bot: true });
    expect(response.headers.get("x-ratelimit-bucket")).toMatch(/^[0-9a-f]+$/);
    expect(response.headers.get("x-ratelimit-limit")).not.toBeNull();
    expect(response.headers.get("set-cookie")).toBeNull();
    expect(response.headers.get("x-porchlight-generated")).toBeNull();
  });

  it("sends a JSON body and passes Discord's own errors through untouched", async () => {
    const channel = await freshChannel("forward-json");
    const sent = await send(channel, "hello through the proxy");
    expect(sent.status).toBe(200);
    expect(await sent.json()).toMatchObject({ channel_id: channel, content: "hello through the proxy" });
    const missing = await proxy("/v10/channels/1191168914227299999/messages", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ code: 10003 });
  });

  it.each([
    ["/v9/users/@me", 400, "invalid_path"],
    ["/users/@me", 400, "invalid_path"],
    ["/v10/users/a%2F..%2F..%2Fx", 400, "invalid_path"],
    ["/v10//evil.example/x", 400, "invalid_path"],
    ["/v10/users/@me?bad=%zz", 400, "invalid_query"],
  ])("refuses %s with %i %s", async (path, status, code) => {
    const response = await proxy(path);
    expect(response.status).toBe(status);
    expect(await response.json()).toMatchObject({ code });
  });

  it("refuses a method Discord has none of with 405, and bad X-Porchlight headers with 400", async () => {
    const head = await proxy("/v10/users/@me", { method: "OPTIONS" });
    expect(head.status).toBe(405);
    expect(await head.json()).toMatchObject({ code: "invalid_method" });
    const bad = await proxy("/v10/users/@me", { headers: { "x-porchlight-timeout": "soon" } });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: "invalid_headers" });
  });

  it("refuses a body over the limit with 413 invalid_body, reading no more than the limit", async () => {
    const channel = await freshChannel("too-large");
    const response = await proxy(`/v10/channels/${channel}/messages`, {
      method: "POST",
      headers: { "content-type": "application/octet-stream" },
      body: new Uint8Array(25 * 1024 * 1024 + 1),
    });
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ code: "invalid_body" });
  });
});

describe("when Discord would refuse", () => {
  it("answers a rejecting caller with a 429 shaped as Discord's, and Discord never sends one", async () => {
    const channel = await freshChannel("reject");
    const before = await botCounters();
    // Discord's create-message bucket: 5 per 5 s per channel.
    for (let n = 0; n < 5; n++) expect((await send(channel, `m${n}`)).status).toBe(200);
    const refused = await send(channel, "one too many", { "x-porchlight-on-limit": "reject" });
    expect(refused.status).toBe(429);
    expect(refused.headers.get("x-porchlight-generated")).toBe("1");
    expect(refused.headers.get("via")).toBe("1.1 porchlight");
    expect(refused.headers.get("x-ratelimit-scope")).toBe("user");
    expect(refused.headers.get("x-ratelimit-global")).toBeNull();
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    const body = (await refused.json()) as { message: string; retry_after: number; global: boolean };
    expect(body).toMatchObject({ message: "You are being rate limited.", global: false });
    expect(body.retry_after).toBeGreaterThan(0);
    expect((await botCounters()).rate_limited).toEqual(before.rate_limited);
  });

  it("times out at once with 504 proxy_timeout when the wait is known to outlast the deadline", async () => {
    const channel = await freshChannel("timeout");
    for (let n = 0; n < 5; n++) await send(channel, `m${n}`);
    const before = (await botCounters()).requests;
    const started = Date.now();
    const response = await send(channel, "never sent", { "x-porchlight-timeout": "500" });
    expect(response.status).toBe(504);
    expect(await response.json()).toMatchObject({ code: "proxy_timeout" });
    expect((await botCounters()).requests).toBe(before);
    expect(Date.now() - started).toBeLessThan(4_000);
  });
});

describe("caching", () => {
  it("answers a configured GET route from the cache the second time", async () => {
    const id = (await state()).application_id;
    const first = await proxy(`/v10/users/${id}?cache-test=1`);
    expect(first.headers.get("x-porchlight-cache")).toBe("miss");
    const second = await proxy(`/v10/users/${id}?cache-test=1`);
    expect(second.headers.get("x-porchlight-cache")).toBe("hit");
    expect(await second.json()).toEqual(await first.json());
    // A cached copy carries no rate-limit headers: they described the first answer's moment.
    expect(second.headers.get("x-ratelimit-remaining")).toBeNull();
  });

  it("keeps a 404, which says something about the resource, and no other error", async () => {
    const first = await proxy("/v10/users/1191168914227299998");
    expect([first.status, first.headers.get("x-porchlight-cache")]).toEqual([404, "miss"]);
    const second = await proxy("/v10/users/1191168914227299998");
    expect([second.status, second.headers.get("x-porchlight-cache")]).toEqual([404, "hit"]);
    // A 403 (the emulator's fault on a channel of its own) is never kept.
    const channel = await freshChannel("cache-403");
    await fetch(`${emulator}/_emulator/rest/faults/forbidden`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ channel_id: channel }),
    });
    for (let n = 0; n < 2; n++) {
      const forbidden = await proxy(`/v10/channels/${channel}/messages/1191168914227299997`);
      expect([forbidden.status, forbidden.headers.get("x-porchlight-cache")]).toEqual([403, "miss"]);
    }
  });

  it("never caches an answer to a user's OAuth token, and a 401 for it never locks the bot", async () => {
    const asUser = () =>
      exports.default.fetch(`${BASE}/proxy/api/v10/users/${emulatorBot}`, {
        headers: { authorization: "Bearer someone-elses-oauth-token", "x-porchlight-key": TEST_PROXY_KEY },
      });
    const emulatorBot = (await state()).application_id;
    for (let n = 0; n < 2; n++) {
      const response = await asUser();
      // The emulator knows no OAuth tokens: Discord's 401, passed through, not the proxy's.
      expect(response.status).toBe(401);
      expect(response.headers.get("x-porchlight-generated")).toBeNull();
      expect(response.headers.get("x-porchlight-cache")).toBeNull();
    }
    expect((await proxy("/v10/users/@me")).status).toBe(200);
  });

  it("leaves unconfigured routes alone", async () => {
    const response = await proxy("/v10/users/@me");
    expect(response.headers.get("x-porchlight-cache")).toBeNull();
  });
});

describe("operators", () => {
  const admin = (path: string, init: RequestInit = {}, key = TEST_ADMIN_KEY) =>
    exports.default.fetch(`${BASE}${path}`, { ...init, headers: { authorization: `Bearer ${key}` } });

  it("serves Prometheus metrics behind the admin key, labelled by route template", async () => {
    await proxy("/v10/users/@me");
    expect((await admin("/proxy/metrics", {}, "wrong")).status).toBe(401);
    expect((await exports.default.fetch(`${BASE}/proxy/metrics`)).status).toBe(401);
    const response = await admin("/proxy/metrics");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0.0.4/);
    const text = await response.text();
    expect(text).toMatch(
      /porchlight_proxy_requests_total\{bot="default",method="GET",route="\/users\/@me",status="200"\} \d+/,
    );
    expect(text).toContain('porchlight_proxy_locked{bot="default"} 0');
    // The wrong keys of "what a stranger costs" above, handed over by this isolate.
    expect(text).toMatch(/porchlight_proxy_unauthorized_total\{bot="default"\} [1-9]/);
    expect(text).not.toContain(env.DISCORD_TOKEN!);
  });

  it("unlocks a bot with the admin key only", async () => {
    expect((await admin("/proxy/bots/default/unlock", { method: "POST" }, "wrong")).status).toBe(401);
    const response = await admin("/proxy/bots/default/unlock", { method: "POST" });
    expect(await response.json()).toEqual({ bot: "default", was_locked: false });
    expect((await admin("/proxy/bots/nobody/unlock", { method: "POST" })).status).toBe(404);
  });
});

describe("docs", () => {
  it("lists the proxy's routes, its headers and every error code in /openapi.json", async () => {
    const spec = (await (await exports.default.fetch(`${BASE}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { description?: string; parameters?: Array<{ name: string }> }>>;
      components: { schemas: Record<string, unknown> };
    };
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining(["/proxy/api/v10/{route}", "/proxy/metrics", "/proxy/bots/{bot}/unlock"]),
    );
    const post = spec.paths["/proxy/api/v10/{route}"]!.post!;
    expect(post.parameters?.map((p) => p.name)).toEqual(
      expect.arrayContaining(["x-porchlight-on-limit", "x-porchlight-timeout", "x-porchlight-key"]),
    );
    for (const code of ["invalid_path", "proxy_timeout", "upstream_timeout", "locked", "banned"])
      expect(post.description).toContain(`\`${code}\``);
    expect(spec.components.schemas).toHaveProperty("ProxyError");
    // The message API beside it, from schemas/messages.ts.
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining([
        "/v1/messages/direct",
        "/v1/channels/{channel_id}/messages",
        "/v1/guilds/{guild_id}/channels",
      ]),
    );
    expect(spec.components.schemas).toHaveProperty("MessageError");
  });
});
