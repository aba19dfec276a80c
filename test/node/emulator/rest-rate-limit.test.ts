import { afterEach, describe, expect, it } from "vitest";
import { BUCKETS } from "../../../emulator/rest/buckets.ts";
import { SEED_MEMBERS } from "../../../emulator/seed.ts";
import { type Emulator, type EmulatorOptions, startEmulator } from "../../../emulator/server.ts";
import { callRest, freshChannel, type RestReply } from "./rest-helpers.ts";

/**
 * Rate limiting over HTTP. Exact window boundaries are tested with a fake clock in
 * rest-limiter.test.ts; here the assertions hold however slowly the requests go, by reading the
 * window's own accounting (X-RateLimit-Remaining) rather than timing anything.
 */

let emulator: Emulator;
async function start(options: EmulatorOptions = {}) {
  emulator = await startEmulator({ port: 0, ...options });
  return emulator;
}
afterEach(() => emulator?.close());

const botCounters = () => emulator.rest.counters()[emulator.world.application.bot.id];
const send = (channelId: string) =>
  callRest(emulator, "POST", `/channels/${channelId}/messages`, { body: { content: "hi" } });

/** Sends until the first 429 (at most `cap` requests) and returns every reply. */
async function untilLimited(request: () => Promise<RestReply>, cap: number): Promise<RestReply[]> {
  const replies: RestReply[] = [];
  while (replies.length < cap) {
    const reply = await request();
    replies.push(reply);
    if (reply.status === 429) break;
  }
  return replies;
}

describe("per-route buckets", () => {
  it("put the bucket's headers on every response of a bucketed route, errors included", async () => {
    await start();
    const channelId = freshChannel(emulator);
    const ok = await send(channelId);
    const bad = await callRest(emulator, "POST", `/channels/${channelId}/messages`, { body: {} });
    expect(bad.status).toBe(400);
    for (const [reply, remaining] of [
      [ok, "4"],
      [bad, "3"],
    ] as const) {
      expect(reply.headers.get("X-RateLimit-Limit")).toBe("5");
      expect(reply.headers.get("X-RateLimit-Remaining")).toBe(remaining);
      expect(reply.headers.get("X-RateLimit-Bucket")).toBe(BUCKETS.createMessage.hash);
      expect(Number(reply.headers.get("X-RateLimit-Reset-After"))).toBeGreaterThan(0);
      expect(Number(reply.headers.get("X-RateLimit-Reset-After"))).toBeLessThanOrEqual(5);
      expect(reply.headers.get("X-RateLimit-Reset")).toMatch(/^\d{10}\.\d{3}$/);
      // Scope and Global belong to 429s only.
      expect(reply.headers.get("X-RateLimit-Scope")).toBeNull();
      expect(reply.headers.get("X-RateLimit-Global")).toBeNull();
    }
  });

  it("admit 5 messages per channel, then answer a user-scope 429 with Discord's headers and body", async () => {
    await start();
    const channelId = freshChannel(emulator);
    const replies = await untilLimited(() => send(channelId), 20);
    const limited = replies.at(-1)!;
    expect(limited.status).toBe(429);
    // The five before the 429 are one window counting down: no reset happened in between.
    expect(replies.slice(-6, -1).map((r) => [r.status, r.headers.get("X-RateLimit-Remaining")])).toEqual([
      [200, "4"],
      [200, "3"],
      [200, "2"],
      [200, "1"],
      [200, "0"],
    ]);
    expect(
      Object.fromEntries([...limited.headers].filter(([name]) => name.startsWith("x-ratelimit"))),
    ).toEqual({
      "x-ratelimit-limit": "5",
      "x-ratelimit-remaining": "0",
      "x-ratelimit-reset": expect.stringMatching(/^\d{10}\.\d{3}$/),
      "x-ratelimit-reset-after": expect.stringMatching(/^\d\.\d{3}$/),
      "x-ratelimit-bucket": BUCKETS.createMessage.hash,
      "x-ratelimit-scope": "user",
    });
    const resetAfter = Number(limited.headers.get("X-RateLimit-Reset-After"));
    expect(limited.headers.get("Retry-After")).toBe(String(Math.ceil(resetAfter)));
    expect(limited.body).toEqual({
      message: "You are being rate limited.",
      retry_after: resetAfter,
      global: false,
    });
    expect(emulator.world.requireChannel(channelId).messages.length).toBe(replies.length - 1);
    expect(botCounters()).toMatchObject({ rate_limited: { user: 1, global: 0, shared: 0 }, invalid: 1 });
  });

  it("keep one window per channel: another channel is unaffected", async () => {
    await start();
    const first = freshChannel(emulator);
    expect((await untilLimited(() => send(first), 20)).at(-1)!.status).toBe(429);
    const other = await send(freshChannel(emulator));
    expect(other.status).toBe(200);
    expect(other.headers.get("X-RateLimit-Remaining")).toBe("4");
  });

  it("share one window and one hash between GET /users/@me and GET /users/:id", async () => {
    await start();
    const me = await callRest(emulator, "GET", "/users/@me");
    const user = await callRest(emulator, "GET", `/users/${SEED_MEMBERS[0]!.id}`);
    expect(me.headers.get("X-RateLimit-Bucket")).toBe(BUCKETS.users.hash);
    expect(user.headers.get("X-RateLimit-Bucket")).toBe(BUCKETS.users.hash);
    expect(Number(user.headers.get("X-RateLimit-Remaining"))).toBe(
      Number(me.headers.get("X-RateLimit-Remaining")) - 1,
    );
  });

  it("are forgotten by rest.resetRateLimits()", async () => {
    await start();
    const channelId = freshChannel(emulator);
    expect((await untilLimited(() => send(channelId), 20)).at(-1)!.status).toBe(429);
    emulator.rest.resetRateLimits();
    expect((await send(channelId)).headers.get("X-RateLimit-Remaining")).toBe("4");
  });
});

describe("global limit", () => {
  it("answers a global 429 past restGlobalPerSecond: Global true, Scope global, no bucket headers", async () => {
    await start({ restGlobalPerSecond: 3 });
    const replies = await untilLimited(() => callRest(emulator, "GET", "/users/@me"), 100);
    const limited = replies.at(-1)!;
    expect(limited.status).toBe(429);
    // At least a full second's worth got through first (more only if a window ended meanwhile).
    expect(replies.length - 1).toBeGreaterThanOrEqual(3);
    expect(limited.headers.get("X-RateLimit-Global")).toBe("true");
    expect(limited.headers.get("X-RateLimit-Scope")).toBe("global");
    expect(limited.headers.get("Retry-After")).toBe("1");
    expect(limited.headers.get("X-RateLimit-Bucket")).toBeNull();
    expect(limited.headers.get("X-RateLimit-Limit")).toBeNull();
    expect(limited.body).toEqual({
      message: "You are being rate limited.",
      retry_after: expect.any(Number),
      global: true,
    });
    expect(limited.body.retry_after).toBeGreaterThan(0);
    expect(limited.body.retry_after).toBeLessThanOrEqual(1);
    expect(botCounters()).toEqual({
      requests: replies.length,
      rate_limited: { user: 0, global: 1, shared: 0 },
      invalid: 1,
      cloudflare_banned: 0,
      // The global 429 is counted against the route it was meant for.
      by_route: { "GET /users/:user_id": { requests: replies.length, rate_limited: 1 } },
    });
  });

  it("applies to routes without a bucket and to requests without a token, counted apart", async () => {
    await start({ restGlobalPerSecond: 2 });
    const replies = await untilLimited(
      () => callRest(emulator, "GET", "/gateway", { authorization: null }),
      100,
    );
    expect(replies.at(-1)!.headers.get("X-RateLimit-Scope")).toBe("global");
    expect(emulator.rest.counters()).toEqual({
      unauthenticated: {
        requests: replies.length,
        rate_limited: { user: 0, global: 1, shared: 0 },
        invalid: 1,
        cloudflare_banned: 0,
        // GET /gateway is no bucketed route: it has no entry.
        by_route: {},
      },
    });
    // The bot's own global window is untouched by the unauthenticated requests.
    expect((await callRest(emulator, "GET", "/gateway")).status).toBe(200);
  });
});
