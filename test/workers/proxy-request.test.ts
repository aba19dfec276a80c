import { describe, expect, it } from "vitest";
import { routeData } from "../../durable-objects/rest-proxy/routes.ts";
import type { ProxyBot } from "../../settings/proxy.ts";
import { sha256Hex } from "../../settings/secrets.ts";
import { callerOf, holdsKey } from "../../workers/proxy/keys.ts";
import { checkCall, checkRoute, upstreamUrl } from "../../workers/proxy/request.ts";

// What the proxy accepts before it asks anyone anything: paths, queries, headers and keys.

const TIMEOUTS = { defaultMs: 30_000, maxMs: 120_000 };
const call = (
  path: string,
  init: { method?: string; search?: string; headers?: Record<string, string> } = {},
) => checkCall(init.method ?? "GET", path, init.search ?? "", new Headers(init.headers), TIMEOUTS);

describe("paths", () => {
  it("takes any v10 route, percent-encoded emoji and @me included", () => {
    for (const path of [
      "/proxy/api/v10/users/@me",
      "/proxy/api/v10/channels/1191168914227200003/messages",
      "/proxy/api/v10/channels/1/messages/2/reactions/%F0%9F%91%8D/@me",
      "/proxy/api/v10/channels/1/messages/2/reactions/name:123/@me",
      "/proxy/api/v10/webhooks/1/abc-DEF_123.x",
    ])
      expect(checkRoute(path), path).toMatchObject({ ok: true });
  });

  it.each([
    ["/proxy/api/v9/users/@me", "v10 only"],
    ["/proxy/api/users/@me", "no version"],
    ["/proxy/api/v10", "no route"],
    ["/proxy/api/v10/", "no route"],
    ["/proxy/api/v10/users/%2e%2e/%2e%2e/x", "encoded dot segments"],
    ["/proxy/api/v10/users/%2E", "an encoded dot"],
    ["/proxy/api/v10/users/a%2Fb", "an encoded slash"],
    ["/proxy/api/v10/users/a%5cb", "an encoded backslash"],
    ["/proxy/api/v10//evil.example/x", "an empty segment (protocol-relative)"],
    ["/proxy/api/v10/https://evil.example/x", "an absolute URL"],
    ["/proxy/api/v10/users/%00", "a NUL"],
    ["/proxy/api/v10/users/%zz", "a malformed escape"],
    ["/proxy/api/v10/users/a\\b", "a raw backslash"],
    [`/proxy/api/v10/${"a".repeat(1_100)}`, "too long"],
  ])("refuses %s (%s) with invalid_path", (path) => {
    expect(checkRoute(path)).toMatchObject({ ok: false, code: "invalid_path" });
  });

  it("builds the upstream URL on Discord's origin under /api/v10 only", () => {
    expect(upstreamUrl("https://discord.com/api", "/users/@me", "?with_counts=true")?.href).toBe(
      "https://discord.com/api/v10/users/@me?with_counts=true",
    );
    expect(upstreamUrl("https://discord.com/api", "/../../x", "")).toBeNull();
    expect(upstreamUrl("http://127.0.0.1:8790/api", "/gateway/bot", "")?.href).toBe(
      "http://127.0.0.1:8790/api/v10/gateway/bot",
    );
  });
});

describe("method, query and headers", () => {
  it("refuses methods Discord has no routes for with 405 invalid_method", () => {
    for (const method of ["HEAD", "OPTIONS", "TRACE", "CONNECT"])
      expect(call("/proxy/api/v10/users/@me", { method })).toMatchObject({
        ok: false,
        code: "invalid_method",
      });
  });

  it("refuses a malformed or oversized query with invalid_query", () => {
    expect(call("/proxy/api/v10/users/@me", { search: "?a=%zz" })).toMatchObject({ code: "invalid_query" });
    expect(call("/proxy/api/v10/users/@me", { search: `?a=${"x".repeat(2_046)}` })).toMatchObject({
      code: "invalid_query",
    });
    expect(call("/proxy/api/v10/users/@me", { search: `?a=${"x".repeat(2_045)}` })).toMatchObject({
      ok: true,
    });
  });

  it("reads X-Porchlight-On-Limit and X-Porchlight-Timeout, refusing bad values with invalid_headers", () => {
    expect(call("/proxy/api/v10/users/@me")).toMatchObject({
      ok: true,
      value: { onLimit: "queue", timeoutMs: 30_000 },
    });
    expect(
      call("/proxy/api/v10/users/@me", {
        headers: { "x-porchlight-on-limit": "Reject", "x-porchlight-timeout": "120000" },
      }),
    ).toMatchObject({ ok: true, value: { onLimit: "reject", timeoutMs: 120_000 } });
    const bad: Record<string, string>[] = [
      { "x-porchlight-on-limit": "wait" },
      { "x-porchlight-timeout": "0" },
      { "x-porchlight-timeout": "120001" },
      { "x-porchlight-timeout": "1.5" },
      { "x-porchlight-timeout": "-5" },
      { "x-audit-log-reason": "x".repeat(1_537) },
    ];
    for (const headers of bad)
      expect(call("/proxy/api/v10/users/@me", { headers }), JSON.stringify(headers)).toMatchObject({
        code: "invalid_headers",
      });
  });
});

describe("route keys", () => {
  it("follows @discordjs/rest: ids to :id, reactions to one template, webhook id and token as the major", () => {
    const now = Date.UTC(2026, 11, 1);
    expect(routeData("/channels/1191168914227200003/messages", "POST", now)).toEqual({
      bucketRoute: "/channels/:id/messages",
      major: "1191168914227200003",
    });
    expect(
      routeData(
        "/channels/1191168914227200003/messages/1191168914227200009/reactions/%F0%9F%91%8D/@me",
        "PUT",
        now,
      ),
    ).toEqual({
      bucketRoute: "/channels/:id/messages/:id/reactions/:reaction",
      major: "1191168914227200003",
    });
    expect(routeData("/webhooks/1191168914227200001/tok-en/messages/@original", "PATCH", now)).toEqual({
      bucketRoute: "/webhooks/:id/:token/messages/@original",
      major: "1191168914227200001/tok-en",
    });
    // Twenty-digit snowflakes, which @discordjs/rest's pattern misses, are ids too.
    expect(routeData("/guilds/12345678901234567890/members", "GET", now).major).toBe("12345678901234567890");
  });

  it("gives deletes of messages older than 14 days their own bucket", () => {
    const id = "1191168914227200009"; // 2023-12-31
    expect(
      routeData(`/channels/1191168914227200003/messages/${id}`, "DELETE", Date.UTC(2026, 0, 1)).bucketRoute,
    ).toBe("/channels/:id/messages/:id/Delete Old Message");
    expect(
      routeData(`/channels/1191168914227200003/messages/${id}`, "DELETE", Date.UTC(2024, 0, 2)).bucketRoute,
    ).toBe("/channels/:id/messages/:id");
  });
});

describe("proxy keys", () => {
  const bots = async (): Promise<ProxyBot[]> => [
    { name: "default", token: "t1", keyHashes: [await sha256Hex("key-one")], globalPerSecond: 50 },
    { name: "second", token: "t2", keyHashes: [await sha256Hex("key-two")], globalPerSecond: 50 },
  ];

  it("finds the bot a key belongs to, from Authorization: Bot <key>", async () => {
    expect((await callerOf(new Headers({ authorization: "Bot key-two" }), await bots()))?.bot.name).toBe(
      "second",
    );
  });

  it("refuses no key, a wrong key, a raw token and a key of another bot than X-Porchlight-Bot names", async () => {
    const refused: Record<string, string>[] = [
      {},
      { authorization: "Bot wrong" },
      { authorization: "key-one" },
      { authorization: "Bearer key-one" },
      { authorization: "Bot key-one", "x-porchlight-bot": "second" },
    ];
    for (const headers of refused)
      expect(await callerOf(new Headers(headers), await bots()), JSON.stringify(headers)).toBeNull();
  });

  it("takes a user's OAuth token beside a key in X-Porchlight-Key", async () => {
    const caller = await callerOf(
      new Headers({ authorization: "Bearer user-oauth", "x-porchlight-key": "key-one" }),
      await bots(),
    );
    expect(caller).toMatchObject({ bot: { name: "default" }, userToken: "user-oauth" });
  });

  it("takes the key in X-Porchlight-Key with or without the same key as Authorization: Bot", async () => {
    expect((await callerOf(new Headers({ "x-porchlight-key": "key-two" }), await bots()))?.bot.name).toBe(
      "second",
    );
    const both = new Headers({ "x-porchlight-key": "key-two", authorization: "Bot key-two" });
    expect((await callerOf(both, await bots()))?.bot.name).toBe("second");
    const mismatched = new Headers({ "x-porchlight-key": "key-two", authorization: "Bot key-one" });
    expect(await callerOf(mismatched, await bots())).toBeNull();
  });

  it("checks admin keys as Bearer, and none configured means nobody", async () => {
    const hashes = [await sha256Hex("admin")];
    expect(await holdsKey(new Headers({ authorization: "Bearer admin" }), hashes)).toBe(true);
    expect(await holdsKey(new Headers({ authorization: "Bearer admin2" }), hashes)).toBe(false);
    expect(await holdsKey(new Headers({ authorization: "Bearer admin" }), [])).toBe(false);
  });
});
