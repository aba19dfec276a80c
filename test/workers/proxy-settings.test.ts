import { describe, expect, it } from "vitest";
import type { Env } from "../../settings/env.ts";
import {
  discordApiBase,
  gatewayUsersOn,
  invalidRequestBudget,
  proxyBots,
  proxyCacheTtls,
  proxyTimeouts,
} from "../../settings/proxy.ts";

// The proxy's settings readers: defaults, every bot, and errors that name a setting, never a value.

const HASH = "a".repeat(64);
const TOKEN = "MTE5MTE2ODkxNDIyNzIwMDAwMQ.Emu1at.secret-part-of-the-token";
const env = (values: Partial<Env>) => values as Env;

describe("bots", () => {
  it("is off without DISCORD_TOKEN, and DISCORD_TOKEN's bot is 'default' with 50 a second", () => {
    expect(proxyBots(env({}))).toEqual([]);
    expect(proxyBots(env({ DISCORD_TOKEN: TOKEN, PROXY_KEYS: `${HASH}, ${"B".repeat(64)}` }))).toEqual([
      { name: "default", token: TOKEN, keyHashes: [HASH, "b".repeat(64)], globalPerSecond: 50 },
    ]);
  });

  it("adds PROXY_BOTS, each with its keys and global limit", () => {
    const bots = proxyBots(
      env({
        DISCORD_TOKEN: TOKEN,
        PROXY_GLOBAL_PER_SECOND: "500",
        PROXY_BOTS: JSON.stringify({ big: { token: `${TOKEN}2`, keys: [HASH], global_per_second: 1200 } }),
      }),
    );
    expect(bots.map((b) => [b.name, b.globalPerSecond, b.keyHashes.length])).toEqual([
      ["default", 500, 0],
      ["big", 1200, 1],
    ]);
  });

  it.each([
    [{ DISCORD_TOKEN: TOKEN, PROXY_KEYS: "not-a-hash" }, /^PROXY_KEYS must list SHA-256 hex digests/],
    [
      { DISCORD_TOKEN: TOKEN, PROXY_GLOBAL_PER_SECOND: "0" },
      /^PROXY_GLOBAL_PER_SECOND must be a positive integer/,
    ],
    [{ PROXY_BOTS: "{" }, /^PROXY_BOTS must be JSON$/],
    [
      { PROXY_BOTS: JSON.stringify({ Bad_Name: { token: TOKEN, keys: [HASH] } }) },
      /^PROXY_BOTS is invalid: Bad_Name/,
    ],
    [
      { PROXY_BOTS: JSON.stringify({ two: { token: TOKEN, keys: ["short"] } }) },
      /^PROXY_BOTS is invalid: two\.keys\.0/,
    ],
    [
      { PROXY_BOTS: JSON.stringify({ default: { token: TOKEN, keys: [HASH] } }) },
      /may not name a bot "default"/,
    ],
  ])("refuses %j naming the setting", (values, message) => {
    let error: unknown;
    try {
      proxyBots(env(values as Partial<Env>));
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(RangeError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain("secret-part");
  });
});

describe("limits and switches", () => {
  it("caps the deadline: the default never above the maximum, the maximum never above 15 minutes", () => {
    expect(proxyTimeouts(env({}))).toEqual({ defaultMs: 30_000, maxMs: 120_000 });
    expect(proxyTimeouts(env({ PROXY_TIMEOUT_MS: "200000" }))).toEqual({
      defaultMs: 120_000,
      maxMs: 120_000,
    });
    expect(proxyTimeouts(env({ PROXY_MAX_TIMEOUT_MS: "99999999" })).maxMs).toBe(900_000);
  });

  it("keeps the invalid-request budget below Discord's ban", () => {
    expect(invalidRequestBudget(env({}))).toBe(9_000);
    expect(invalidRequestBudget(env({ PROXY_INVALID_BUDGET: "9999" }))).toBe(9_999);
    expect(() => invalidRequestBudget(env({ PROXY_INVALID_BUDGET: "10000" }))).toThrow(/below Discord's ban/);
  });

  it("reads cache TTLs by route template, and only GET routes", () => {
    expect(proxyCacheTtls(env({ PROXY_CACHE_TTLS: '{"GET /users/:id": 60}' })).get("GET /users/:id")).toBe(
      60,
    );
    expect(() => proxyCacheTtls(env({ PROXY_CACHE_TTLS: '{"POST /channels/:id/messages": 60}' }))).toThrow(
      /PROXY_CACHE_TTLS is invalid/,
    );
    expect(proxyCacheTtls(env({})).size).toBe(0);
  });

  it("takes an http(s) base for Discord and true or false for the gateway's users", () => {
    expect(discordApiBase(env({}))).toBe("https://discord.com/api");
    expect(discordApiBase(env({ DISCORD_API_BASE: "http://127.0.0.1:8790/api/" }))).toBe(
      "http://127.0.0.1:8790/api",
    );
    expect(() => discordApiBase(env({ DISCORD_API_BASE: "ftp://x" }))).toThrow(/DISCORD_API_BASE/);
    expect(gatewayUsersOn(env({ PROXY_GATEWAY_USERS: "true" }))).toBe(true);
    expect(gatewayUsersOn(env({}))).toBe(false);
    expect(() => gatewayUsersOn(env({ PROXY_GATEWAY_USERS: "yes" }))).toThrow(/true or false/);
  });
});
