import { describe, expect, it } from "vitest";
import { BUCKETS, bucketKey, globalRule, majorValue } from "../../../emulator/rest/buckets.ts";
import { RequestCounters } from "../../../emulator/rest/counters.ts";
import { FixedWindowLimiter, type WindowDecision } from "../../../emulator/rest/rate-limit.ts";
import {
  bucketHeaders,
  globalLimited,
  routeLimited,
  sharedLimited,
} from "../../../emulator/rest/rate-limit-headers.ts";

/** A clock the test moves by hand. */
function fakeClock(start = 1_700_000_000_000) {
  let now = start;
  return {
    now: () => now,
    set: (ms: number) => {
      now = ms;
    },
    advance: (ms: number) => {
      now += ms;
    },
  };
}

const FIVE_PER_FIVE_SECONDS = { limit: 5, windowMs: 5_000 };

describe("FixedWindowLimiter", () => {
  it("admits exactly `limit` requests in a window, counting Remaining down to 0, and refuses the next", () => {
    const clock = fakeClock();
    const limiter = new FixedWindowLimiter(clock.now);
    const remaining = [];
    for (let i = 0; i < 5; i++) {
      const decision = limiter.take("channel", FIVE_PER_FIVE_SECONDS);
      expect(decision.allowed).toBe(true);
      remaining.push(decision.remaining);
      clock.advance(100);
    }
    expect(remaining).toEqual([4, 3, 2, 1, 0]);
    const refused = limiter.take("channel", FIVE_PER_FIVE_SECONDS);
    expect(refused).toEqual({
      allowed: false,
      limit: 5,
      remaining: 0,
      resetAt: 1_700_000_005_000,
      resetAfterMs: 4_500,
    });
  });

  it("still refuses 1 ms before the reset and admits a full window exactly at it", () => {
    const clock = fakeClock();
    const limiter = new FixedWindowLimiter(clock.now);
    for (let i = 0; i < 5; i++) limiter.take("channel", FIVE_PER_FIVE_SECONDS);
    clock.advance(4_999);
    expect(limiter.take("channel", FIVE_PER_FIVE_SECONDS)).toMatchObject({ allowed: false, resetAfterMs: 1 });
    clock.advance(1);
    expect(limiter.take("channel", FIVE_PER_FIVE_SECONDS)).toMatchObject({
      allowed: true,
      remaining: 4,
      resetAt: 1_700_000_010_000,
      resetAfterMs: 5_000,
    });
  });

  it("opens a window at the first request after expiry, not at the old window's boundary", () => {
    const clock = fakeClock();
    const limiter = new FixedWindowLimiter(clock.now);
    limiter.take("channel", FIVE_PER_FIVE_SECONDS);
    clock.advance(12_345);
    expect(limiter.take("channel", FIVE_PER_FIVE_SECONDS)).toMatchObject({
      allowed: true,
      remaining: 4,
      resetAt: 1_700_000_012_345 + 5_000,
    });
  });

  it("does not count refused requests, so hammering a closed window changes nothing", () => {
    const clock = fakeClock();
    const limiter = new FixedWindowLimiter(clock.now);
    for (let i = 0; i < 50; i++) limiter.take("channel", FIVE_PER_FIVE_SECONDS);
    clock.advance(5_000);
    expect(limiter.take("channel", FIVE_PER_FIVE_SECONDS)).toMatchObject({ allowed: true, remaining: 4 });
  });

  it("keeps one window per key", () => {
    const limiter = new FixedWindowLimiter(fakeClock().now);
    for (let i = 0; i < 5; i++) limiter.take("channel-a", FIVE_PER_FIVE_SECONDS);
    expect(limiter.take("channel-a", FIVE_PER_FIVE_SECONDS).allowed).toBe(false);
    expect(limiter.take("channel-b", FIVE_PER_FIVE_SECONDS)).toMatchObject({ allowed: true, remaining: 4 });
  });

  it("never reports a negative Remaining when the limit is lowered mid-window", () => {
    const limiter = new FixedWindowLimiter(fakeClock().now);
    for (let i = 0; i < 5; i++) limiter.take("token", { limit: 50, windowMs: 1_000 });
    expect(limiter.take("token", { limit: 3, windowMs: 1_000 })).toMatchObject({
      allowed: false,
      remaining: 0,
    });
  });

  it("sweeps expired windows once many are held", () => {
    const clock = fakeClock();
    const limiter = new FixedWindowLimiter(clock.now);
    for (let i = 0; i < 10_000; i++) limiter.take(`channel-${i}`, FIVE_PER_FIVE_SECONDS);
    expect(limiter.size).toBe(10_000);
    clock.advance(5_000);
    limiter.take("one-more", FIVE_PER_FIVE_SECONDS);
    expect(limiter.size).toBe(1);
  });

  it("clear() forgets every window", () => {
    const limiter = new FixedWindowLimiter(fakeClock().now);
    for (let i = 0; i < 5; i++) limiter.take("channel", FIVE_PER_FIVE_SECONDS);
    limiter.clear();
    expect(limiter.take("channel", FIVE_PER_FIVE_SECONDS)).toMatchObject({ allowed: true, remaining: 4 });
  });

  it("peek() shows a window without counting, and a window not yet open as full", () => {
    const clock = fakeClock();
    const limiter = new FixedWindowLimiter(clock.now);
    expect(limiter.peek("channel", FIVE_PER_FIVE_SECONDS)).toEqual({
      allowed: true,
      limit: 5,
      remaining: 5,
      resetAt: 1_700_000_005_000,
      resetAfterMs: 5_000,
    });
    limiter.take("channel", FIVE_PER_FIVE_SECONDS);
    clock.advance(1_000);
    expect(limiter.peek("channel", FIVE_PER_FIVE_SECONDS)).toMatchObject({
      remaining: 4,
      resetAfterMs: 4_000,
    });
    expect(limiter.peek("channel", FIVE_PER_FIVE_SECONDS)).toMatchObject({ remaining: 4 });
    expect(limiter.take("channel", FIVE_PER_FIVE_SECONDS)).toMatchObject({ remaining: 3 });
  });
});

describe("rate-limit headers and 429 bodies", () => {
  const refused: WindowDecision = {
    allowed: false,
    limit: 5,
    remaining: 0,
    resetAt: 1_700_000_000_123,
    resetAfterMs: 4_567,
  };

  it("bucket headers carry epoch and relative resets in seconds with millisecond precision", () => {
    expect(bucketHeaders(refused, "abcd1234")).toEqual({
      "X-RateLimit-Limit": "5",
      "X-RateLimit-Remaining": "0",
      "X-RateLimit-Reset": "1700000000.123",
      "X-RateLimit-Reset-After": "4.567",
      "X-RateLimit-Bucket": "abcd1234",
    });
  });

  it("a route 429 adds Scope user and Retry-After rounded up, and never X-RateLimit-Global", () => {
    const { headers, body } = routeLimited(refused, "abcd1234");
    expect(headers).toMatchObject({
      "Retry-After": "5",
      "X-RateLimit-Scope": "user",
      "X-RateLimit-Bucket": "abcd1234",
    });
    expect(headers).not.toHaveProperty("X-RateLimit-Global");
    expect(body).toEqual({ message: "You are being rate limited.", retry_after: 4.567, global: false });
  });

  it("Retry-After stays at whole seconds that are already whole", () => {
    expect(routeLimited({ ...refused, resetAfterMs: 5_000 }, "h").headers["Retry-After"]).toBe("5");
    expect(routeLimited({ ...refused, resetAfterMs: 1 }, "h").headers["Retry-After"]).toBe("1");
  });

  it("a shared 429 keeps the bucket's headers as they stand and waits for the resource, not the bucket", () => {
    const open: WindowDecision = { ...refused, allowed: true, remaining: 3, resetAfterMs: 1_500 };
    const { headers, body } = sharedLimited(open, "abcd1234", 29_400);
    expect(headers).toEqual({
      "X-RateLimit-Limit": "5",
      "X-RateLimit-Remaining": "3",
      "X-RateLimit-Reset": "1700000000.123",
      "X-RateLimit-Reset-After": "1.500",
      "X-RateLimit-Bucket": "abcd1234",
      "Retry-After": "30",
      "X-RateLimit-Scope": "shared",
    });
    expect(body).toEqual({
      message: "The resource is being rate limited.",
      retry_after: 29.4,
      global: false,
    });
  });

  it("a global 429 carries Global true and Scope global, and no bucket headers", () => {
    const { headers, body } = globalLimited({ ...refused, limit: 50, resetAfterMs: 250 });
    expect(headers).toEqual({
      "Retry-After": "1",
      "X-RateLimit-Global": "true",
      "X-RateLimit-Scope": "global",
    });
    expect(body).toEqual({ message: "You are being rate limited.", retry_after: 0.25, global: true });
  });
});

const NO_ROUTES = { cloudflare_banned: 0, by_route: {} };

describe("RequestCounters", () => {
  it("counts requests, 429s by scope, and invalid requests as Discord does (shared 429s exempt)", () => {
    const counters = new RequestCounters();
    counters.record("bot", { status: 200, scope: null });
    counters.record("bot", { status: 404, scope: null });
    counters.record("bot", { status: 403, scope: null });
    counters.record("bot", { status: 429, scope: "user" });
    counters.record("bot", { status: 429, scope: "global" });
    counters.record("bot", { status: 429, scope: "shared" });
    counters.record("unauthenticated", { status: 401, scope: null });
    expect(counters.snapshot()).toEqual({
      bot: { requests: 6, rate_limited: { user: 1, global: 1, shared: 1 }, invalid: 3, ...NO_ROUTES },
      unauthenticated: {
        requests: 1,
        rate_limited: { user: 0, global: 0, shared: 0 },
        invalid: 1,
        ...NO_ROUTES,
      },
    });
  });

  it("counts a Cloudflare ban as neither a rate limit nor an invalid request", () => {
    const counters = new RequestCounters();
    counters.record("bot", { status: 429, scope: null, cloudflareBanned: true });
    expect(counters.snapshot().bot).toEqual({
      requests: 1,
      rate_limited: { user: 0, global: 0, shared: 0 },
      invalid: 0,
      cloudflare_banned: 1,
      by_route: {},
    });
  });

  it("counts each known route's requests and 429s of every kind", () => {
    const counters = new RequestCounters();
    const route = "POST /channels/:channel_id/messages";
    counters.record("bot", { status: 200, scope: null, route });
    counters.record("bot", { status: 429, scope: "user", route });
    counters.record("bot", { status: 429, scope: "shared", route });
    counters.record("bot", { status: 429, scope: null, route, cloudflareBanned: true });
    counters.record("bot", { status: 404, scope: null });
    expect(counters.snapshot().bot!.by_route).toEqual({ [route]: { requests: 4, rate_limited: 3 } });
  });

  it("hands out copies, so a snapshot does not change under the reader", () => {
    const counters = new RequestCounters();
    const route = "GET /users/:user_id";
    counters.record("bot", { status: 429, scope: "user", route });
    const before = counters.snapshot();
    counters.record("bot", { status: 429, scope: "user", route });
    expect(before.bot).toEqual({
      requests: 1,
      rate_limited: { user: 1, global: 0, shared: 0 },
      invalid: 1,
      cloudflare_banned: 0,
      by_route: { [route]: { requests: 1, rate_limited: 1 } },
    });
  });

  it("forgets everything on clear()", () => {
    const counters = new RequestCounters();
    counters.record("bot", { status: 200, scope: null });
    counters.clear();
    expect(counters.snapshot()).toEqual({});
  });
});

describe("bucket table", () => {
  it("gives every bucket its own opaque 32-hex-digit hash", () => {
    const hashes = Object.values(BUCKETS).map((b) => b.hash);
    for (const hash of hashes) expect(hash).toMatch(/^[0-9a-f]{32}$/);
    expect(new Set(hashes).size).toBe(hashes.length);
  });

  it("keys windows by token, bucket and major parameter", () => {
    const bucket = BUCKETS.createMessage;
    expect(bucketKey("bot", bucket, "1")).not.toBe(bucketKey("bot", bucket, "2"));
    expect(bucketKey("bot", bucket, "1")).not.toBe(bucketKey("other", bucket, "1"));
    expect(bucketKey("bot", BUCKETS.users, undefined)).toBe(`bot:${BUCKETS.users.hash}:`);
  });

  it("POST messages is 5 per 5 s per channel, and the global limit is per second", () => {
    expect(BUCKETS.createMessage).toMatchObject({ limit: 5, windowMs: 5_000, major: "channel_id" });
    expect(globalRule(50)).toEqual({ limit: 50, windowMs: 1_000 });
  });

  it("limits reactions to 1 per 250 ms per channel and webhooks per id and token", () => {
    expect(BUCKETS.reactions).toMatchObject({
      name: "reactions",
      limit: 1,
      windowMs: 250,
      major: "channel_id",
    });
    expect(BUCKETS.editMessage).toMatchObject({ limit: 5, windowMs: 5_000, major: "channel_id" });
    expect(BUCKETS.deleteMessage).toMatchObject({ limit: 5, windowMs: 1_000, major: "channel_id" });
    expect(BUCKETS.webhook).toMatchObject({
      limit: 5,
      windowMs: 2_000,
      major: "application_id/interaction_token",
    });
    const params: Record<string, string> = { application_id: "1", interaction_token: "abc" };
    expect(majorValue(BUCKETS.webhook, (name) => params[name])).toBe("1/abc");
    expect(majorValue(BUCKETS.users, (name) => params[name])).toBeUndefined();
  });
});
