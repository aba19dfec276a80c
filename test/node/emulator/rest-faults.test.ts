import { afterEach, describe, expect, it } from "vitest";
import { BUCKETS } from "../../../emulator/rest/buckets.ts";
import { SEED } from "../../../emulator/seed.ts";
import { type Emulator, type EmulatorOptions, startEmulator } from "../../../emulator/server.ts";
import { callControl, callRest, freshChannel, type RestReply } from "./rest-helpers.ts";

/**
 * What a client meets only sometimes on Discord, switched on through the control API: shared
 * 429s, 403s, a reset bot token, a Cloudflare ban; and the knobs benchmarks turn (the global
 * limit, a full reset). Also the Via header every real answer carries.
 */

let emulator: Emulator;
async function start(options: EmulatorOptions = {}) {
  emulator = await startEmulator({ port: 0, ...options });
  return emulator;
}
afterEach(() => emulator?.close());

const MESSAGES_ROUTE = "POST /channels/:channel_id/messages";
const botId = () => emulator.world.application.bot.id;
const botCounters = () => emulator.rest.counters()[botId()]!;
const send = (channelId: string) =>
  callRest(emulator, "POST", `/channels/${channelId}/messages`, { body: { content: "hi" } });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const control = (method: string, path: string, body?: unknown, raw?: string) =>
  callControl(emulator, method, path, body, raw);

describe("Via", () => {
  it("is on every REST answer: success, 401, 404, 405, 400 and 429 alike", async () => {
    // Three bot requests below, then the global 429.
    await start({ restGlobalPerSecond: 3 });
    const channelId = freshChannel(emulator);
    const replies = [
      await callRest(emulator, "GET", "/gateway", { authorization: null }),
      await callRest(emulator, "GET", "/users/@me", { authorization: null }),
      await callRest(emulator, "GET", "/nothing/here"),
      await callRest(emulator, "DELETE", `/channels/${channelId}/messages`),
      await callRest(emulator, "POST", `/channels/${channelId}/messages`, { body: {} }),
    ];
    while (replies.at(-1)!.status !== 429) replies.push(await callRest(emulator, "GET", "/users/@me"));
    expect(replies.slice(0, 5).map((r) => r.status)).toEqual([200, 401, 404, 405, 400]);
    for (const reply of replies) expect(reply.headers.get("Via")).toBe("1.1 google");
  });

  it("is not on the control API or the CDN, which are not Discord's API", async () => {
    await start();
    expect((await fetch(`${emulator.urls.control}/state`)).headers.get("Via")).toBeNull();
    expect((await fetch(`${emulator.urls.cdn}/embed/avatars/0.png`)).headers.get("Via")).toBeNull();
  });
});

describe("shared-scope faults", () => {
  it("answer Discord's shared 429 on the route and resource named, leaving the bucket as it stands", async () => {
    await start();
    const channelId = freshChannel(emulator);
    expect((await send(channelId)).status).toBe(200);
    const added = await control("POST", "/rest/faults/shared", {
      route: MESSAGES_ROUTE,
      major: channelId,
      seconds: 30,
    });
    expect(added.status).toBe(201);
    const limited = await send(channelId);
    expect(limited.status).toBe(429);
    expect(
      Object.fromEntries(
        [...limited.headers].filter(([n]) => n.startsWith("x-ratelimit") || n === "retry-after"),
      ),
    ).toEqual({
      "retry-after": "30",
      "x-ratelimit-limit": "5",
      // The refused request took nothing from the client's bucket.
      "x-ratelimit-remaining": "4",
      "x-ratelimit-reset": expect.stringMatching(/^\d{10}\.\d{3}$/),
      "x-ratelimit-reset-after": expect.stringMatching(/^\d\.\d{3}$/),
      "x-ratelimit-bucket": BUCKETS.createMessage.hash,
      "x-ratelimit-scope": "shared",
    });
    expect(limited.body).toEqual({
      message: "The resource is being rate limited.",
      retry_after: expect.any(Number),
      global: false,
    });
    expect(limited.body.retry_after).toBeGreaterThan(29);
    expect(limited.body.retry_after).toBeLessThanOrEqual(30);
    // Another channel is another resource.
    expect((await send(freshChannel(emulator))).status).toBe(200);
    expect(botCounters()).toMatchObject({
      requests: 3,
      rate_limited: { user: 0, global: 0, shared: 1 },
      // Shared 429s are no invalid requests.
      invalid: 0,
      by_route: { [MESSAGES_ROUTE]: { requests: 3, rate_limited: 1 } },
    });
  });

  it("cover every resource of the route without a major, and end by themselves", async () => {
    await start();
    await control("POST", "/rest/faults/shared", { route: MESSAGES_ROUTE, seconds: 0.4 });
    const listed = await control("GET", "/rest/faults");
    expect(listed.body).toEqual({
      shared: [{ route: MESSAGES_ROUTE, major: null, remaining_seconds: expect.any(Number) }],
      forbidden: [],
      cloudflare_ban: null,
    });
    const [a, b] = [freshChannel(emulator), freshChannel(emulator)];
    const limited = await send(a);
    expect(limited.headers.get("X-RateLimit-Scope")).toBe("shared");
    // Retry-After is the fault's remaining time rounded up.
    expect(limited.headers.get("Retry-After")).toBe("1");
    expect((await send(b)).status).toBe(429);
    // Other routes are untouched.
    expect((await callRest(emulator, "GET", "/users/@me")).status).toBe(200);
    await sleep(450);
    expect((await send(a)).status).toBe(200);
    expect((await control("GET", "/rest/faults")).body.shared).toEqual([]);
  });

  it("reach webhook routes by their registered template, keyed by application id and token", async () => {
    await start();
    const route = "GET /webhooks/:application_id/:interaction_token/messages/:message_id";
    const major = `${emulator.world.application.id}/some-token`;
    expect((await control("POST", "/rest/faults/shared", { route, major, seconds: 5 })).status).toBe(201);
    const reply = await callRest(emulator, "GET", `/webhooks/${major}/messages/@original`, {
      authorization: null,
    });
    expect(reply.status).toBe(429);
    expect(reply.headers.get("X-RateLimit-Bucket")).toBe(BUCKETS.webhook.hash);
    expect(emulator.rest.counters().webhooks).toMatchObject({ rate_limited: { shared: 1 }, invalid: 0 });
  });

  it("are cleared by DELETE /rest/faults", async () => {
    await start();
    const channelId = freshChannel(emulator);
    await control("POST", "/rest/faults/shared", { route: MESSAGES_ROUTE, seconds: 60 });
    expect((await send(channelId)).status).toBe(429);
    expect((await control("DELETE", "/rest/faults")).status).toBe(204);
    expect((await send(channelId)).status).toBe(200);
  });

  it.each([
    ["a route that is not registered", { route: "POST /channels/:id/messages", seconds: 1 }],
    ["a concrete path", { route: "POST /channels/1191168914227200002/messages", seconds: 1 }],
    ["a route without its method", { route: "/channels/:channel_id/messages", seconds: 1 }],
    ["no seconds", { route: MESSAGES_ROUTE }],
    ["zero seconds", { route: MESSAGES_ROUTE, seconds: 0 }],
    ["seconds as a string", { route: MESSAGES_ROUTE, seconds: "5" }],
    ["an unknown field", { route: MESSAGES_ROUTE, seconds: 1, scope: "shared" }],
  ])("refuse %s with 400", async (_, body) => {
    await start();
    const { status, body: error } = await control("POST", "/rest/faults/shared", body);
    expect(status).toBe(400);
    expect(error.error).toMatch(/^body/);
    expect((await control("GET", "/rest/faults")).body.shared).toEqual([]);
  });
});

describe("forbidden-channel faults", () => {
  it("answer 403 50013 to bot requests on the channel's routes, counted as invalid", async () => {
    await start();
    const [forbidden, allowed] = [freshChannel(emulator), freshChannel(emulator)];
    const message = emulator.world.createMessage(forbidden, emulator.world.application.bot, "x");
    expect((await control("POST", "/rest/faults/forbidden", { channel_id: forbidden })).status).toBe(201);
    for (const [method, path] of [
      ["POST", `/channels/${forbidden}/messages`],
      ["GET", `/channels/${forbidden}/messages/${message.id}`],
      ["PUT", `/channels/${forbidden}/messages/${message.id}/reactions/${encodeURIComponent("👍")}/@me`],
    ] as const) {
      const reply = await callRest(emulator, method, path, {
        body: method === "POST" ? { content: "x" } : undefined,
      });
      expect(reply.status).toBe(403);
      expect(reply.body).toEqual({ message: "Missing Permissions", code: 50013 });
      // A 403 still carries the route's bucket, as Discord's do.
      expect(reply.headers.get("X-RateLimit-Bucket")).not.toBeNull();
    }
    expect((await send(allowed)).status).toBe(200);
    expect(botCounters()).toMatchObject({ requests: 4, invalid: 3 });
    expect((await control("GET", "/rest/faults")).body.forbidden).toEqual([{ channel_id: forbidden }]);
  });

  it.each([[{}], [{ channel_id: "general" }], [{ channel_id: SEED.guildId, extra: true }]])(
    "refuse a bad body (%j) with 400",
    async (body) => {
      await start();
      expect((await control("POST", "/rest/faults/forbidden", body)).status).toBe(400);
    },
  );
});

describe("the Cloudflare ban", () => {
  const banned = (reply: Response) => ({
    status: reply.status,
    headers: Object.fromEntries(
      [...reply.headers].filter(
        ([name]) => !["date", "connection", "keep-alive", "content-length"].includes(name),
      ),
    ),
  });

  it("answers every REST request with Cloudflare's plain 1015: no rate-limit headers, no Via", async () => {
    await start();
    const channelId = freshChannel(emulator);
    expect((await control("POST", "/rest/faults/cloudflare-ban", { seconds: 1.2 })).status).toBe(201);
    const api = `${emulator.urls.api}/v10`;
    const auth = { authorization: `Bot ${emulator.world.application.botToken}` };
    for (const [path, init] of [
      [
        `/channels/${channelId}/messages`,
        { method: "POST", headers: { ...auth, "content-type": "application/json" }, body: "{}" },
      ],
      ["/users/@me", { headers: auth }],
      ["/gateway", {}],
      ["/nothing/here", { headers: { authorization: "Bot wrong" } }],
      [`/webhooks/${emulator.world.application.id}/token`, { method: "POST" }],
    ] as const) {
      const reply = await fetch(`${api}${path}`, init);
      expect(banned(reply)).toEqual({
        status: 429,
        headers: { "retry-after": "2", "content-type": "text/plain; charset=UTF-8" },
      });
      expect(await reply.text()).toBe("error code: 1015");
    }
    const counters = emulator.rest.counters();
    const none = { rate_limited: { user: 0, global: 0, shared: 0 }, invalid: 0 };
    expect(counters[botId()]).toMatchObject({ requests: 2, cloudflare_banned: 2, ...none });
    expect(counters.unauthenticated).toMatchObject({ requests: 2, cloudflare_banned: 2, ...none });
    expect(counters.webhooks).toMatchObject({ requests: 1, cloudflare_banned: 1, ...none });
    expect(counters[botId()]!.by_route[MESSAGES_ROUTE]).toEqual({ requests: 1, rate_limited: 1 });
    expect((await control("GET", "/rest/faults")).body.cloudflare_ban).toEqual({
      remaining_seconds: expect.any(Number),
    });
  });

  it("ends when its time is up: Discord answers again", async () => {
    await start();
    await control("POST", "/rest/faults/cloudflare-ban", { seconds: 0.3 });
    expect((await fetch(`${emulator.urls.api}/v10/users/@me`)).status).toBe(429);
    await sleep(350);
    const reply = await callRest(emulator, "GET", "/users/@me");
    expect(reply.status).toBe(200);
    expect(reply.headers.get("Via")).toBe("1.1 google");
    expect((await control("GET", "/rest/faults")).body.cloudflare_ban).toBeNull();
  });

  it.each([[{}], [{ seconds: -1 }], [{ seconds: "1" }]])("refuses a bad body (%j) with 400", async (body) => {
    await start();
    expect((await control("POST", "/rest/faults/cloudflare-ban", body)).status).toBe(400);
  });
});

describe("the bot token switch", () => {
  it("makes every request carrying the bot's token a 401, counted invalid under the bot, until switched back", async () => {
    await start();
    const off = await control("PATCH", "/application", { bot_token_valid: false });
    expect(off.body).toMatchObject({ bot_token_valid: false });
    expect((await control("GET", "/state")).body.bot_token_valid).toBe(false);
    const channelId = freshChannel(emulator);
    const replies: RestReply[] = [
      await callRest(emulator, "GET", "/users/@me"),
      await send(channelId),
      await callRest(emulator, "GET", "/gateway"),
      // A webhook route with the bot token is refused too, and counted under the bot.
      await callRest(emulator, "GET", `/webhooks/${emulator.world.application.id}/token/messages/@original`),
    ];
    for (const reply of replies) {
      expect(reply.status).toBe(401);
      expect(reply.body).toEqual({ message: "401: Unauthorized", code: 0 });
      expect(reply.headers.get("X-RateLimit-Bucket")).toBeNull();
    }
    expect(botCounters()).toMatchObject({ requests: 4, invalid: 4 });
    // Requests without the token are not affected.
    expect((await callRest(emulator, "GET", "/gateway", { authorization: null })).status).toBe(200);
    await control("PATCH", "/application", { bot_token_valid: true });
    expect((await callRest(emulator, "GET", "/users/@me")).status).toBe(200);
    expect((await control("GET", "/state")).body.bot_token_valid).toBe(true);
  });

  it("refuses a bot_token_valid that is not a boolean with 400", async () => {
    await start();
    expect((await control("PATCH", "/application", { bot_token_valid: "false" })).status).toBe(400);
    expect(emulator.world.application.botTokenValid).toBe(true);
  });
});

describe("live knobs", () => {
  it("PATCH /config sets the global limit on a running emulator", async () => {
    await start();
    const set = await control("PATCH", "/config", { rest_global_per_second: 2 });
    expect(set).toEqual({ status: 200, body: { rest_global_per_second: 2, ignore_resume: false } });
    expect(emulator.config.restGlobalPerSecond).toBe(2);
    const replies: RestReply[] = [];
    while (replies.length < 50 && replies.at(-1)?.status !== 429)
      replies.push(await callRest(emulator, "GET", "/users/@me"));
    expect(replies.at(-1)!.headers.get("X-RateLimit-Scope")).toBe("global");
    // An empty body changes nothing and reports the value.
    expect((await control("PATCH", "/config", {})).body).toEqual({
      rest_global_per_second: 2,
      ignore_resume: false,
    });
    expect((await control("PATCH", "/config", { ignore_resume: true })).body).toMatchObject({
      ignore_resume: true,
    });
    expect(emulator.config.ignoreResume).toBe(true);
  });

  it.each([
    [{ rest_global_per_second: 0 }],
    [{ rest_global_per_second: 1.5 }],
    [{ rest_global_per_second: "50" }],
    [{ global: 5 }],
    [{ ignore_resume: "yes" }],
  ])("PATCH /config refuses %j with 400", async (body) => {
    await start();
    const { status, body: error } = await control("PATCH", "/config", body);
    expect(status).toBe(400);
    expect(error.error).toMatch(/^body/);
    expect(emulator.config.restGlobalPerSecond).toBe(50);
  });

  it("PATCH /config refuses a body that is not JSON with 400", async () => {
    await start();
    expect((await control("PATCH", "/config", undefined, "{nope")).status).toBe(400);
  });

  it("POST /rest/reset forgets every window and zeroes the counters; faults stay", async () => {
    await start();
    const channelId = freshChannel(emulator);
    while ((await send(channelId)).status !== 429) {}
    await control("POST", "/rest/faults/forbidden", { channel_id: freshChannel(emulator) });
    expect((await control("POST", "/rest/reset")).status).toBe(204);
    expect(emulator.rest.counters()).toEqual({});
    expect((await send(channelId)).headers.get("X-RateLimit-Remaining")).toBe("4");
    expect((await control("GET", "/rest/faults")).body.forbidden).toHaveLength(1);
  });
});
