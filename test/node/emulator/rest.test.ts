import { setTimeout as sleep } from "node:timers/promises";
import { ChannelType } from "discord-api-types/v10";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { resolveConfig, urlsFor } from "../../../emulator/config.ts";
import { createRest } from "../../../emulator/rest/index.ts";
import { createSeededWorld, SEED, SEED_MEMBERS } from "../../../emulator/seed.ts";
import { type Emulator, startEmulator } from "../../../emulator/server.ts";
import { callRest, freshChannel } from "./rest-helpers.ts";

let emulator: Emulator;
beforeEach(async () => {
  emulator = await startEmulator({ port: 0 });
});
afterEach(() => emulator.close());

const call = (method: string, path: string, options?: Parameters<typeof callRest>[3]) =>
  callRest(emulator, method, path, options);

const ada = SEED_MEMBERS[0]!;
const UNKNOWN_ID = "1300000000000000099";
const botId = () => emulator.world.application.bot.id;
const generalChannel = () => emulator.world.requireGuild(SEED.guildId).channelIds[0]!;

describe("gateway", () => {
  it("GET /gateway needs no token and answers the gateway URL, without bucket headers", async () => {
    const { status, body, headers } = await call("GET", "/gateway", { authorization: null });
    expect(status).toBe(200);
    expect(body).toEqual({ url: emulator.urls.gateway });
    expect(headers.get("X-RateLimit-Bucket")).toBeNull();
  });

  it("GET /gateway/bot answers url, recommended shards and a session start limit from the config", async () => {
    const { status, body } = await call("GET", "/gateway/bot");
    expect(status).toBe(200);
    expect(body).toEqual({
      url: emulator.urls.gateway,
      shards: emulator.config.recommendedShards,
      session_start_limit: {
        total: emulator.config.sessionStartLimit,
        remaining: emulator.config.sessionStartLimit,
        reset_after: expect.any(Number),
        max_concurrency: emulator.config.maxConcurrency,
      },
    });
    expect(body.session_start_limit.reset_after).toBeGreaterThan(0);
  });

  it("GET /gateway/bot reports the gateway's session start limit when one is given", async () => {
    const world = createSeededWorld();
    const config = resolveConfig({ recommendedShards: 4 });
    const limit = { total: 1000, remaining: 997, reset_after: 12_345, max_concurrency: 16 };
    const rest = createRest({ world, config, urls: urlsFor("127.0.0.1", 1), sessionStartLimit: () => limit });
    const res = await rest.app.request("/gateway/bot", {
      headers: { authorization: `Bot ${world.application.botToken}` },
    });
    expect(await res.json()).toMatchObject({ shards: 4, session_start_limit: limit });
  });

  it("GET /gateway/bot without a token is 401", async () => {
    const { status, body } = await call("GET", "/gateway/bot", { authorization: null });
    expect(status).toBe(401);
    expect(body).toEqual({ message: "401: Unauthorized", code: 0 });
  });
});

describe("authentication", () => {
  it.each([
    ["no Authorization header", null],
    ["a wrong token", "Bot not-the-token"],
    ["the right token with the Bearer prefix", "Bearer TOKEN"],
    ["the bare token", "TOKEN"],
  ])("answers 401 to %s and counts it as invalid and unauthenticated", async (_, authorization) => {
    const token = emulator.world.application.botToken;
    const { status, body } = await call("GET", "/users/@me", {
      authorization: authorization?.replace("TOKEN", token) ?? null,
    });
    expect(status).toBe(401);
    expect(body).toEqual({ message: "401: Unauthorized", code: 0 });
    expect(emulator.rest.counters().unauthenticated).toEqual({
      requests: 1,
      rate_limited: { user: 0, global: 0, shared: 0 },
      invalid: 1,
      cloudflare_banned: 0,
      by_route: { "GET /users/:user_id": { requests: 1, rate_limited: 0 } },
    });
  });
});

describe("routing errors", () => {
  it("an unknown route is 404 with code 0", async () => {
    const { status, body } = await call("GET", "/nothing/here");
    expect(status).toBe(404);
    expect(body).toEqual({ message: "404: Not Found", code: 0 });
  });

  it("a known route with another method is 405", async () => {
    const { status, body } = await call("DELETE", `/channels/${generalChannel()}/messages`);
    expect(status).toBe(405);
    expect(body).toEqual({ message: "405: Method Not Allowed", code: 0 });
  });

  it.each([
    ["abc", "NUMBER_TYPE_COERCE", 'Value "abc" is not snowflake.'],
    [
      "99999999999999999999",
      "NUMBER_TYPE_MAX",
      "snowflake value should be less than or equal to 9223372036854775807.",
    ],
  ])("a malformed id in the path (%s) is 50035 naming the parameter", async (id, code, message) => {
    const { status, body } = await call("GET", `/guilds/${SEED.guildId}/members/${id}`);
    expect(status).toBe(400);
    expect(body).toEqual({
      message: "Invalid Form Body",
      code: 50035,
      errors: { user_id: { _errors: [{ code, message }] } },
    });
  });

  it("invalid JSON is 50109", async () => {
    const { status, body } = await call("POST", `/channels/${generalChannel()}/messages`, {
      raw: "{content:",
    });
    expect(status).toBe(400);
    expect(body).toEqual({ message: "The request body contains invalid JSON.", code: 50109 });
  });
});

describe("users", () => {
  it("GET /users/@me is the bot user", async () => {
    const { status, body } = await call("GET", "/users/@me");
    expect(status).toBe(200);
    expect(body).toMatchObject({ id: botId(), bot: true, username: "porchlight" });
  });

  it("reads @me as the bot's id, percent-encoded too, as Discord does", async () => {
    expect((await call("GET", "/users/%40me")).body).toMatchObject({ id: botId() });
    const dm = await call("POST", "/users/%40me/channels", { body: { recipient_id: ada.id } });
    expect(dm.status).toBe(200);
    expect((await call("GET", `/guilds/${SEED.guildId}/members/@me`)).body.user.id).toBe(botId());
    // Only the current user opens DMs.
    const other = await call("POST", `/users/${ada.id}/channels`, { body: { recipient_id: ada.id } });
    expect(other.status).toBe(404);
    expect(other.body).toEqual({ message: "404: Not Found", code: 0 });
  });

  it("GET /users/:id is the user, or 10013", async () => {
    expect((await call("GET", `/users/${ada.id}`)).body).toMatchObject({ id: ada.id, avatar: ada.avatar });
    const unknown = await call("GET", `/users/${UNKNOWN_ID}`);
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ message: "Unknown User", code: 10013 });
  });

  it("POST /users/@me/channels opens a DM once and returns the same channel after", async () => {
    const first = await call("POST", "/users/@me/channels", { body: { recipient_id: ada.id } });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      type: ChannelType.DM,
      recipients: [expect.objectContaining({ id: ada.id })],
    });
    const again = await call("POST", "/users/@me/channels", { body: { recipient_id: ada.id } });
    expect(again.body.id).toBe(first.body.id);
  });

  it("POST /users/@me/channels needs a known recipient_id", async () => {
    const missing = await call("POST", "/users/@me/channels", { body: {} });
    expect(missing.status).toBe(400);
    expect(missing.body.errors).toEqual({
      recipient_id: { _errors: [{ code: "BASE_TYPE_REQUIRED", message: "This field is required" }] },
    });
    const unknown = await call("POST", "/users/@me/channels", { body: { recipient_id: UNKNOWN_ID } });
    expect(unknown.body).toEqual({ message: "Unknown User", code: 10013 });
  });
});

describe("POST /channels/:id/messages", () => {
  it("creates the message as the bot and stores it in the channel", async () => {
    const channelId = freshChannel(emulator);
    const { status, body } = await call("POST", `/channels/${channelId}/messages`, {
      body: { content: "hello", embeds: [{ title: "card" }] },
    });
    expect(status).toBe(200);
    expect(body).toMatchObject({
      channel_id: channelId,
      content: "hello",
      embeds: [{ title: "card" }],
      author: { id: botId() },
    });
    expect(emulator.world.requireChannel(channelId).messages.map((m) => m.id)).toEqual([body.id]);
  });

  it("sends to a DM channel opened over REST", async () => {
    const dm = await call("POST", "/users/@me/channels", { body: { recipient_id: ada.id } });
    const { status } = await call("POST", `/channels/${dm.body.id}/messages`, { body: { content: "hi" } });
    expect(status).toBe(200);
  });

  it("answers 50006 for an empty message and 50035 for content over 2000 characters", async () => {
    const channelId = freshChannel(emulator);
    const empty = await call("POST", `/channels/${channelId}/messages`, { body: { content: "" } });
    expect(empty.status).toBe(400);
    expect(empty.body).toEqual({ message: "Cannot send an empty message", code: 50006 });
    const long = await call("POST", `/channels/${channelId}/messages`, {
      body: { content: "x".repeat(2001) },
    });
    expect(long.status).toBe(400);
    expect(long.body).toEqual({
      message: "Invalid Form Body",
      code: 50035,
      errors: {
        content: { _errors: [{ code: "BASE_TYPE_MAX_LENGTH", message: "Must be 2000 or fewer in length." }] },
      },
    });
    expect(emulator.world.requireChannel(channelId).messages).toEqual([]);
  });

  it("answers 10003 for an unknown channel", async () => {
    const { status, body } = await call("POST", `/channels/${UNKNOWN_ID}/messages`, {
      body: { content: "x" },
    });
    expect(status).toBe(404);
    expect(body).toEqual({ message: "Unknown Channel", code: 10003 });
  });
});

describe("guilds", () => {
  it("GET /guilds/:id/channels lists the guild's channels", async () => {
    const { status, body } = await call("GET", `/guilds/${SEED.guildId}/channels`);
    expect(status).toBe(200);
    expect(body.map((c: { name: string }) => c.name)).toEqual(["general", "presence-log"]);
  });

  it("GET /guilds/:id/members/:user_id is the member with its user", async () => {
    const { status, body } = await call("GET", `/guilds/${SEED.guildId}/members/${ada.id}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ user: { id: ada.id, username: ada.username }, roles: [] });
  });

  it("answers 10004 for an unknown guild and 10007 for a non-member", async () => {
    const guild = await call("GET", `/guilds/${UNKNOWN_ID}/channels`);
    expect(guild.status).toBe(404);
    expect(guild.body).toEqual({ message: "Unknown Guild", code: 10004 });
    expect((await call("GET", `/guilds/${UNKNOWN_ID}/members/${ada.id}`)).body.code).toBe(10004);
    emulator.world.createUser({ id: UNKNOWN_ID, username: "stranger" });
    const member = await call("GET", `/guilds/${SEED.guildId}/members/${UNKNOWN_ID}`);
    expect(member.status).toBe(404);
    expect(member.body).toEqual({ message: "Unknown Member", code: 10007 });
  });
});

describe("application commands", () => {
  const globalPath = () => `/applications/${emulator.world.application.id}/commands`;
  const guildPath = () => `/applications/${emulator.world.application.id}/guilds/${SEED.guildId}/commands`;
  const ping = { name: "ping", description: "Pong!" };

  it("PUT overwrites the global commands, stores them in the world, and GET lists them", async () => {
    const put = await call("PUT", globalPath(), { body: [ping, { type: 2, name: "Show Card" }] });
    expect(put.status).toBe(200);
    expect(put.body).toEqual([
      expect.objectContaining({ name: "ping", type: 1, application_id: emulator.world.application.id }),
      expect.objectContaining({ name: "Show Card", type: 2, description: "" }),
    ]);
    expect(emulator.world.application.globalCommands).toEqual(put.body);
    expect((await call("GET", globalPath())).body).toEqual(put.body);
  });

  it("guild commands are kept per guild", async () => {
    const put = await call("PUT", guildPath(), { body: [ping] });
    expect(put.body[0]).toMatchObject({ guild_id: SEED.guildId, name: "ping" });
    expect(emulator.world.application.guildCommands.get(SEED.guildId)).toEqual(put.body);
    expect((await call("GET", globalPath())).body).toEqual([]);
    expect((await call("GET", guildPath())).body).toEqual(put.body);
  });

  it("POST creates a command (201), then updates it in place (200)", async () => {
    const created = await call("POST", globalPath(), { body: ping });
    expect(created.status).toBe(201);
    const updated = await call("POST", globalPath(), { body: { ...ping, description: "Pong again" } });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ id: created.body.id, description: "Pong again" });
    expect(emulator.world.application.globalCommands).toHaveLength(1);
  });

  it("answers 10002 for another application and 10004 for an unknown guild", async () => {
    const other = await call("GET", `/applications/${UNKNOWN_ID}/commands`);
    expect(other.status).toBe(404);
    expect(other.body).toEqual({ message: "Unknown Application", code: 10002 });
    const guild = await call(
      "PUT",
      `/applications/${emulator.world.application.id}/guilds/${UNKNOWN_ID}/commands`,
      {
        body: [ping],
      },
    );
    expect(guild.body).toEqual({ message: "Unknown Guild", code: 10004 });
  });

  it("answers 50035 for a bad name and 30032 for a 101st chat-input command, storing nothing", async () => {
    const bad = await call("PUT", globalPath(), { body: [{ name: "Ping", description: "d" }] });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual({
      "0": {
        name: { _errors: [{ code: "APPLICATION_COMMAND_INVALID_NAME", message: "Command name is invalid" }] },
      },
    });
    const many = Array.from({ length: 101 }, (_, i) => ({ name: `c${i}`, description: "d" }));
    const tooMany = await call("PUT", globalPath(), { body: many });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body).toEqual({
      message: "Maximum number of application commands reached (100)",
      code: 30032,
    });
    expect(emulator.world.application.globalCommands).toEqual([]);
    expect((await call("PUT", globalPath(), { body: many.slice(0, 100) })).body).toHaveLength(100);
  });
});

describe("when Discord first heard", () => {
  it("remembers when each key's first and latest requests since the last reset were answered", async () => {
    emulator.rest.reset();
    expect(emulator.rest.answeredBetween("unauthenticated")).toBeNull();
    const before = Date.now();
    await call("GET", "/users/@me", { authorization: null });
    const once = emulator.rest.answeredBetween("unauthenticated")!;
    expect(once.first).toBeGreaterThanOrEqual(before);
    expect(once.last).toBe(once.first);
    await sleep(5);
    await call("GET", "/users/@me", { authorization: null });
    const twice = emulator.rest.answeredBetween("unauthenticated")!;
    expect(twice.first).toBe(once.first);
    expect(twice.last).toBeGreaterThan(once.first);
    // And per path: one bucket's traffic, apart from the key's other requests.
    expect(emulator.rest.answeredBetween("unauthenticated", "/api/v10/users/@me")).toEqual(twice);
    expect(emulator.rest.answeredBetween("unauthenticated", "/api/v10/gateway")).toBeNull();
    emulator.rest.reset();
    expect(emulator.rest.answeredBetween("unauthenticated")).toBeNull();
  });
});
