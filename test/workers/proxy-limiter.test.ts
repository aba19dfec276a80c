import { describe, expect, it } from "vitest";
import { type LearnedAnswer, learn } from "../../durable-objects/rest-proxy/answers.ts";
import { DISCORD_CLOCK_MARGIN_MS, DiscordClock } from "../../durable-objects/rest-proxy/discord-clock.ts";
import { RateLimiter } from "../../durable-objects/rest-proxy/limiter.ts";
import type { RateLimitedRoute } from "../../schemas/proxy.ts";

// The rate limiter alone: every boundary with a hand-stepped clock.

const messages = (channel = "100000000000000001"): RateLimitedRoute => ({
  method: "POST",
  bucketRoute: "/channels/:id/messages",
  major: channel,
  kind: "bot",
});
const reaction = (method: string): RateLimitedRoute => ({
  method,
  bucketRoute: "/channels/:id/messages/:id/reactions/:reaction",
  major: "100000000000000001",
  kind: "bot",
});
const callback: RateLimitedRoute = {
  method: "POST",
  bucketRoute: "/interactions/:id/:token/callback",
  major: "200000000000000001",
  kind: "interaction",
};
const LEASE = 1e12;

function bucketAnswer(
  hash: string,
  limit: number,
  remaining: number,
  resetAfter: number,
  status = 200,
  /** X-RateLimit-Reset, epoch seconds on Discord's clock; left out when undefined. */
  reset?: number,
): LearnedAnswer {
  return learn({
    status,
    headers: {
      "x-ratelimit-bucket": hash,
      "x-ratelimit-limit": String(limit),
      "x-ratelimit-remaining": String(remaining),
      "x-ratelimit-reset-after": resetAfter.toFixed(3),
      ...(reset === undefined ? {} : { "x-ratelimit-reset": reset.toFixed(3) }),
      via: "1.1 google",
    },
    body: null,
  });
}

function take(limiter: RateLimiter, route: RateLimitedRoute, now: number): number {
  const admission = limiter.admit(route, now, LEASE);
  if (!admission.go) throw new Error(`refused at ${now}: ${JSON.stringify(admission)}`);
  return admission.permit;
}

describe("an unknown route", () => {
  it("sends one request at a time until its first answer names the bucket", () => {
    const limiter = new RateLimiter({ globalPerSecond: 50 });
    const first = take(limiter, messages(), 0);
    expect(limiter.admit(messages(), 1, LEASE)).toEqual({ go: false, scope: "user", until: null });
    limiter.settle(first, messages(), bucketAnswer("h1", 5, 4, 5), 10);
    for (let n = 0; n < 4; n++) take(limiter, messages(), 11);
    // The fifth of five waits for the reset, reckoned from when the answer arrived.
    expect(limiter.admit(messages(), 12, LEASE)).toEqual({ go: false, scope: "user", until: 5_010 });
    expect(limiter.admit(messages(), 5_009, LEASE).go).toBe(false);
    expect(limiter.admit(messages(), 5_010, LEASE).go).toBe(true);
  });

  it("counts a request sent while unknown on another major once one answer names the bucket", () => {
    // bench:proxy found it after an idle object lost its state: one request went on each of four
    // guilds, the first answer taught the bucket, and the other three guilds sent a whole window more.
    const limiter = new RateLimiter({ globalPerSecond: 50 });
    const [a, b] = [messages("100000000000000001"), messages("100000000000000002")];
    const onA = take(limiter, a, 0);
    const onB = take(limiter, b, 0);
    limiter.settle(onA, a, bucketAnswer("h1", 5, 4, 5), 10);
    for (let n = 0; n < 4; n++) take(limiter, b, 11);
    expect(limiter.admit(b, 12, LEASE)).toEqual({ go: false, scope: "user", until: null });
    // B's first answer (Discord counted it first: 4 left) is its window's, and names the reset.
    limiter.settle(onB, b, bucketAnswer("h1", 5, 4, 5), 20);
    expect(limiter.admit(b, 21, LEASE)).toEqual({ go: false, scope: "user", until: 5_020 });
    expect(limiter.admit(b, 5_020, LEASE).go).toBe(true);
  });

  it("frees its one slot even when Discord never answered", () => {
    const limiter = new RateLimiter({ globalPerSecond: 50 });
    const first = take(limiter, messages(), 0);
    limiter.settle(first, messages(), null, 5);
    expect(limiter.admit(messages(), 6, LEASE).go).toBe(true);
  });

  it("has no bucket of its own once it answered without bucket headers", () => {
    const limiter = new RateLimiter({ globalPerSecond: 50 });
    const route = { ...messages(), method: "GET", bucketRoute: "/gateway" };
    const first = take(limiter, route, 0);
    limiter.settle(first, route, learn({ status: 200, headers: {}, body: null }), 1);
    for (let n = 0; n < 10; n++) take(limiter, route, 2);
  });
});

describe("buckets", () => {
  it("keeps a window per major parameter", () => {
    const limiter = new RateLimiter({ globalPerSecond: 50 });
    const a = messages("100000000000000001");
    const b = messages("100000000000000002");
    limiter.settle(take(limiter, a, 0), a, bucketAnswer("h1", 1, 0, 5), 1);
    expect(limiter.admit(a, 2, LEASE).go).toBe(false);
    // b's route is learned (same hash), its own window is fresh: limit 1, one slot.
    expect(limiter.admit(b, 2, LEASE).go).toBe(true);
    expect(limiter.admit(b, 3, LEASE).go).toBe(false);
  });

  it("shares one window between routes Discord puts in one bucket (reactions across methods)", () => {
    const limiter = new RateLimiter({ globalPerSecond: 50 });
    limiter.settle(take(limiter, reaction("PUT"), 0), reaction("PUT"), bucketAnswer("r", 2, 1, 0.25), 1);
    limiter.settle(
      take(limiter, reaction("DELETE"), 2),
      reaction("DELETE"),
      bucketAnswer("r", 2, 0, 0.25),
      3,
    );
    // Both methods learned "r": the window is spent for either.
    expect(limiter.admit(reaction("PUT"), 4, LEASE).go).toBe(false);
    expect(limiter.admit(reaction("DELETE"), 4, LEASE).go).toBe(false);
    expect(limiter.admit(reaction("DELETE"), 253, LEASE).go).toBe(true);
  });

  it("learns the reaction routes as one, so a PUT and a DELETE sent before either was answered do not both go", () => {
    const limiter = new RateLimiter({ globalPerSecond: 50 });
    take(limiter, reaction("PUT"), 0);
    expect(limiter.admit(reaction("DELETE"), 0, LEASE)).toEqual({ go: false, scope: "user", until: null });
  });

  it("treats the hash as a hint: a route that sees another limit under it gets its own window", () => {
    const limiter = new RateLimiter({ globalPerSecond: 50 });
    const other = { ...messages(), method: "PATCH", bucketRoute: "/channels/:id" };
    limiter.settle(take(limiter, messages(), 0), messages(), bucketAnswer("same", 1, 0, 5), 1);
    limiter.settle(take(limiter, other, 2), other, bucketAnswer("same", 10, 9, 5), 3);
    expect(limiter.admit(messages(), 4, LEASE).go).toBe(false);
    expect(limiter.admit(other, 4, LEASE).go).toBe(true);
  });

  it("counts requests still in flight against a window that reset under them", () => {
    const limiter = new RateLimiter({ globalPerSecond: 50 });
    limiter.settle(take(limiter, messages(), 0), messages(), bucketAnswer("h", 3, 3, 1), 0);
    take(limiter, messages(), 1);
    take(limiter, messages(), 1);
    // The window resets with two unanswered: they may land in the new one, so one slot is left.
    expect(limiter.admit(messages(), 1_000, LEASE).go).toBe(true);
    expect(limiter.admit(messages(), 1_000, LEASE)).toEqual({ go: false, scope: "user", until: null });
  });

  it("never raises what is left from an answer of the same window, and follows a newer window", () => {
    const limiter = new RateLimiter({ globalPerSecond: 50 });
    limiter.settle(take(limiter, messages(), 0), messages(), bucketAnswer("h", 5, 4, 5), 0);
    const p1 = take(limiter, messages(), 1);
    const p2 = take(limiter, messages(), 1);
    // Someone else spent the window: Discord says 0 left although we counted 2.
    limiter.settle(p1, messages(), bucketAnswer("h", 5, 0, 4.99), 11);
    expect(limiter.admit(messages(), 12, LEASE).go).toBe(false);
    // An answer from a window that started later than ours: its count, minus what is still in flight.
    limiter.settle(p2, messages(), bucketAnswer("h", 5, 4, 5), 6_000);
    expect(limiter.admit(messages(), 6_001, LEASE).go).toBe(true);
  });

  it("never takes a slow answer's count for a newer window's: the requests sent beside it are spent", () => {
    // Seen in bench:proxy under load: ten sent at once, one answer back 300 ms late looked like a
    // newer window, its Remaining (5) was trusted, and five more went into a spent window.
    const limiter = new RateLimiter({ globalPerSecond: 50 });
    const route = messages("100000000000000003");
    limiter.settle(take(limiter, route, 0), route, bucketAnswer("g", 10, 9, 1), 0);
    const permits = Array.from({ length: 9 }, () => take(limiter, route, 1_000 + 0));
    // Discord took them in order: the nth answer says 9 - 1 - n left; all but the fifth come back at once.
    permits.forEach((permit, n) => {
      if (n !== 4) limiter.settle(permit, route, bucketAnswer("g", 10, 8 - n, 0.99), 1_010);
    });
    expect(limiter.admit(route, 1_020, LEASE).go).toBe(false);
    limiter.settle(permits[4]!, route, bucketAnswer("g", 10, 4, 0.995), 1_300);
    expect(limiter.admit(route, 1_301, LEASE)).toMatchObject({ go: false });
  });

  it("takes a slow answer for its own window even when Discord counted it before requests sent ahead of it", () => {
    // Seen in bench:proxy again: of ten sent together, Discord took the fifth first (9 left); its
    // answer came back last, 300 ms late. Read as a newer window, its 9 less the five sent after it
    // left 4 that did not exist: the four sent before it had been counted after it.
    const limiter = new RateLimiter({ globalPerSecond: 50 });
    const route = messages("100000000000000004");
    limiter.settle(take(limiter, route, 0), route, bucketAnswer("k", 10, 9, 1), 0);
    const permits = Array.from({ length: 10 }, () => take(limiter, route, 1_000));
    const order = [1, 2, 3, 4, 0, 5, 6, 7, 8, 9]; // the nth permit was Discord's order[n]-th request
    permits.forEach((permit, n) => {
      if (n !== 4) limiter.settle(permit, route, bucketAnswer("k", 10, 9 - order[n]!, 0.99), 1_010);
    });
    limiter.settle(permits[4]!, route, bucketAnswer("k", 10, 9, 0.999), 1_300);
    expect(limiter.admit(route, 1_301, LEASE)).toMatchObject({ go: false });
  });

  it("obeys a user-scope 429 for its Retry-After and a shared-scope 429 likewise", () => {
    const limiter = new RateLimiter({ globalPerSecond: 50 });
    limiter.settle(take(limiter, messages(), 0), messages(), bucketAnswer("h", 5, 4, 5), 0);
    const limited = learn({
      status: 429,
      headers: { "x-ratelimit-scope": "shared", "retry-after": "3", via: "1.1 google" },
      body: { retry_after: 2.5, global: false },
    });
    limiter.settle(take(limiter, messages(), 1), messages(), limited, 10);
    expect(limiter.admit(messages(), 11, LEASE)).toEqual({ go: false, scope: "shared", until: 2_510 });
    expect(limiter.admit(messages(), 2_510, LEASE).go).toBe(true);
  });
});

describe("Discord's clock", () => {
  // Discord's clock runs `skew` ms ahead of ours (behind when negative); each answer's trip back
  // to the object is `back` ms. A 1 s window opens on Discord at our time `opened`.
  const answerAt = (opened: number, skew: number, sentAt: number, back: number, remaining: number) => ({
    arrival: sentAt + back,
    answer: bucketAnswer(
      "h1",
      10,
      remaining,
      (opened + 1_000 - sentAt) / 1000,
      200,
      (opened + 1_000 + skew) / 1000,
    ),
  });

  for (const skew of [0, 7_000, -7_000])
    it(`places a reset sooner than arrival plus Reset-After once a quicker trip back was seen, never early (skew ${skew} ms)`, () => {
      const limiter = new RateLimiter({ globalPerSecond: 50 });
      const route = messages("100000000000000008");
      const t0 = 1_000_000;
      const first = take(limiter, route, t0);
      // Answered at once and back quickly (2 ms): the bound is the offset less 2 ms.
      const quick = answerAt(t0, skew, t0, 2, 9);
      limiter.settle(first, route, quick.answer, quick.arrival);
      const rest = Array.from({ length: 9 }, () => take(limiter, route, t0 + 3));
      expect(limiter.admit(route, t0 + 3, LEASE)).toEqual({
        go: false,
        scope: "user",
        until: t0 + 1_000 + 2,
      });
      // The next window's first answer comes back slowly (300 ms): arrival plus Reset-After would
      // be 300 ms late; the clock places it 2 ms (and the margin) after Discord's reset.
      for (const permit of rest) limiter.settle(permit, route, null, t0 + 10);
      const next = t0 + 1_012;
      const second = take(limiter, route, next);
      const slow = answerAt(next, skew, next, 300, 9);
      limiter.settle(second, route, slow.answer, slow.arrival);
      for (let n = 0; n < 9; n++) take(limiter, route, slow.arrival);
      const until = (limiter.admit(route, slow.arrival, LEASE) as { until: number }).until;
      expect(until).toBe(next + 1_000 + 2 + 10);
      expect(until).toBeGreaterThanOrEqual(next + 1_000);
    });

  it("bounds the offset by the quickest recent trip, follows a step back at once, and forgets within half a minute", () => {
    const clock = new DiscordClock();
    expect(clock.toLocal(5_000, 0)).toBeNull();
    // Discord 1,000 ms ahead; answers back in 40 ms, then 3 ms.
    clock.observe(1_000 + 1_000 - 40, 900, 1_000);
    clock.observe(1_000 + 2_000 - 3, 1_900, 2_000);
    expect(clock.toLocal(10_000, 2_000)).toBe(10_000 - 1_000 + 3 + DISCORD_CLOCK_MARGIN_MS);
    // Discord's clock steps back to 500 ms ahead: answered 2,950 by Discord, to a request sent at
    // 2,900, the offset is at most 550, so the old bound (997) is from before the step.
    clock.observe(500 + 3_000 - 50, 2_900, 3_000);
    expect(clock.toLocal(50_000, 3_000)).toBe(50_000 - 500 + 50 + DISCORD_CLOCK_MARGIN_MS);
    // 37 s on, that sample is forgotten and a slower one rules.
    clock.observe(500 + 40_000 - 80, 39_900, 40_000);
    expect(clock.toLocal(50_000, 40_000)).toBe(50_000 - 500 + 80 + DISCORD_CLOCK_MARGIN_MS);
  });

  it("keeps arrival plus Reset-After when no X-RateLimit-Reset came", () => {
    const limiter = new RateLimiter({ globalPerSecond: 50 });
    const first = take(limiter, messages(), 0);
    limiter.settle(first, messages(), bucketAnswer("h1", 1, 0, 1), 300);
    expect(limiter.admit(messages(), 301, LEASE)).toEqual({ go: false, scope: "user", until: 1_300 });
  });
});

describe("the global limit", () => {
  it("admits globalPerSecond at once and frees each slot one second after its answer", () => {
    const limiter = new RateLimiter({ globalPerSecond: 3 });
    const routes = ["1", "2", "3", "4"].map((n) => messages(`10000000000000000${n}`));
    const permits = routes.slice(0, 3).map((route) => take(limiter, route, 0));
    expect(limiter.admit(routes[3]!, 1, LEASE)).toEqual({ go: false, scope: "global", until: null });
    limiter.settle(permits[0]!, routes[0]!, null, 40);
    expect(limiter.admit(routes[3]!, 41, LEASE)).toEqual({ go: false, scope: "global", until: 1_040 });
    expect(limiter.admit(routes[3]!, 1_039, LEASE).go).toBe(false);
    expect(limiter.admit(routes[3]!, 1_040, LEASE).go).toBe(true);
  });

  it("does not hold interaction callbacks, which Discord exempts", () => {
    const limiter = new RateLimiter({ globalPerSecond: 1 });
    take(limiter, messages(), 0);
    expect(limiter.admit(messages("100000000000000009"), 0, LEASE).go).toBe(false);
    expect(limiter.admit(callback, 0, LEASE).go).toBe(true);
  });

  it("stops every bot route for a global 429's retry_after", () => {
    const limiter = new RateLimiter({ globalPerSecond: 50 });
    const global = learn({
      status: 429,
      headers: {
        "x-ratelimit-global": "true",
        "x-ratelimit-scope": "global",
        "retry-after": "1",
        via: "1.1 google",
      },
      body: { retry_after: 0.3, global: true },
    });
    limiter.settle(take(limiter, messages(), 0), messages(), global, 100);
    expect(limiter.admit(messages("100000000000000005"), 101, LEASE)).toEqual({
      go: false,
      scope: "global",
      until: 400,
    });
    expect(limiter.admit(callback, 101, LEASE).go).toBe(true);
  });

  it("frees a permit whose lease ran out, as if it had been answered then", () => {
    const limiter = new RateLimiter({ globalPerSecond: 1 });
    limiter.admit(messages(), 0, 500);
    expect(limiter.admit(messages("100000000000000007"), 499, LEASE).go).toBe(false);
    expect(limiter.nextLeaseExpiry()).toBe(500);
    expect(limiter.admit(messages("100000000000000007"), 1_500, LEASE).go).toBe(true);
  });
});

describe("learning from an answer", () => {
  it("reads Discord's 429 with Via and a JSON body as a rate limit, preferring the precise retry_after", () => {
    const learned = learn({
      status: 429,
      headers: { "x-ratelimit-scope": "user", "retry-after": "2", via: "1.1 google" },
      body: { retry_after: 1.234, global: false },
    });
    expect(learned.limited).toEqual({ scope: "user", retryAfterMs: 1_234 });
    expect(learned.cloudflareBan).toBeNull();
    expect(learned.invalid).toBe(true);
  });

  it("does not count a shared-scope 429 toward the invalid-request ban", () => {
    const learned = learn({
      status: 429,
      headers: { "x-ratelimit-scope": "shared", "retry-after": "9", via: "1.1 google" },
      body: { retry_after: 8.5, global: false },
    });
    expect(learned.limited?.scope).toBe("shared");
    expect(learned.invalid).toBe(false);
  });

  it("recognises a Cloudflare ban: a 429 with no rate-limit headers, no Via and no JSON", () => {
    const learned = learn({ status: 429, headers: { "retry-after": "1800" }, body: null });
    expect(learned.cloudflareBan).toEqual({ retryAfterMs: 1_800_000 });
    expect(learned.limited).toBeNull();
    expect(learned.invalid).toBe(true);
    expect(learn({ status: 429, headers: {}, body: null }).cloudflareBan).toEqual({
      retryAfterMs: 3_600_000,
    });
  });

  it("counts 401 and 403 as invalid, and nothing else below 429", () => {
    for (const [status, invalid] of [
      [401, true],
      [403, true],
      [404, false],
      [400, false],
      [200, false],
      [500, false],
    ] as const)
      expect(learn({ status, headers: {}, body: null }).invalid, String(status)).toBe(invalid);
  });

  it("reads Discord's clock from X-RateLimit-Reset less Reset-After, and none from a bad Reset", () => {
    expect(bucketAnswer("h", 5, 4, 1.25, 200, 1_800_000_000.5).bucket?.discordNow).toBe(1_799_999_999_250);
    expect(bucketAnswer("h", 5, 4, 1.25).bucket?.discordNow).toBeNull();
    const odd = learn({
      status: 200,
      headers: {
        "x-ratelimit-bucket": "h",
        "x-ratelimit-limit": "5",
        "x-ratelimit-remaining": "4",
        "x-ratelimit-reset-after": "1",
        "x-ratelimit-reset": "soon",
      },
      body: null,
    });
    expect(odd.bucket?.discordNow).toBeNull();
  });

  it("ignores malformed bucket headers rather than learning nonsense", () => {
    const learned = learn({
      status: 200,
      headers: {
        "x-ratelimit-bucket": "h",
        "x-ratelimit-limit": "0",
        "x-ratelimit-remaining": "1",
        "x-ratelimit-reset-after": "1",
      },
      body: null,
    });
    expect(learned.bucket).toBeNull();
  });
});
