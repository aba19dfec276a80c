import type { APIMessage } from "discord-api-types/v10";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BOT_ACTIONS_KEPT, BotActionLog } from "../../../emulator/bot-actions.ts";
import { SEED, SEED_MEMBERS } from "../../../emulator/seed.ts";
import { type Emulator, startEmulator } from "../../../emulator/server.ts";
import type { GuildDispatch } from "../../../emulator/world.ts";
import { callControl, callRest, freshChannel } from "./rest-helpers.ts";

/**
 * The routes a bot's everyday calls need beyond sending (issue 15): its guilds, a guild, a channel,
 * a channel's messages by page, replies; and the message events the world announces. Limits are
 * checked at their boundary.
 */

let emulator: Emulator;
const dispatches: GuildDispatch[] = [];
beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
  emulator.world.on("dispatch", (event) => dispatches.push(event));
});
afterAll(() => emulator.close());

const call = (method: string, path: string, options?: Parameters<typeof callRest>[3]) =>
  callRest(emulator, method, path, options);
const ada = SEED_MEMBERS[0]!;

async function send(channelId: string, body: unknown): Promise<APIMessage> {
  const reply = await call("POST", `/channels/${channelId}/messages`, { body });
  expect(reply.status).toBe(200);
  return reply.body;
}

describe("guilds", () => {
  it("GET /users/@me/guilds lists every guild by id, pages with after and limit, and counts on request", async () => {
    const guilds = (await call("GET", "/users/@me/guilds")).body as { id: string }[];
    expect(guilds.map((g) => g.id)).toContain(SEED.guildId);
    const ids = guilds.map((g) => BigInt(g.id));
    expect(ids).toEqual([...ids].sort((a, b) => (a < b ? -1 : 1)));
    const counted = await call("GET", "/users/@me/guilds?with_counts=true&limit=1");
    expect(counted.body).toHaveLength(1);
    expect(counted.body[0]).toMatchObject({ approximate_member_count: expect.any(Number) });
    const after = await call("GET", `/users/@me/guilds?after=${guilds[0]!.id}`);
    expect(after.body.map((g: { id: string }) => g.id)).not.toContain(guilds[0]!.id);
  });

  it("takes limit 200 and refuses 0 and 201, and a malformed id, with 50035", async () => {
    // Five requests a second in this bucket: this test starts a second after the last one's.
    await new Promise((resolve) => setTimeout(resolve, 1_050));
    expect((await call("GET", "/users/@me/guilds?limit=200")).status).toBe(200);
    for (const query of ["limit=0", "limit=201", "after=abc"]) {
      const refused = await call("GET", `/users/@me/guilds?${query}`);
      expect(refused.status, query).toBe(400);
      expect(refused.body.code).toBe(50035);
    }
  });

  it("another user's guilds are not the bot's to list", async () => {
    expect((await call("GET", `/users/${ada.id}/guilds`)).status).toBe(404);
  });

  it("GET /guilds/:id is the guild, with counts when asked; an unknown one is 10004", async () => {
    const guild = await call("GET", `/guilds/${SEED.guildId}?with_counts=true`);
    expect(guild.body).toMatchObject({ id: SEED.guildId, name: "Porchlight Lounge" });
    expect(guild.body.approximate_member_count).toBe(emulator.world.requireGuild(SEED.guildId).members.size);
    expect((await call("GET", `/guilds/${SEED.guildId}`)).body.approximate_member_count).toBeUndefined();
    const unknown = await call("GET", "/guilds/1300000000000000099");
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe(10004);
  });
});

describe("roles", () => {
  it("a member's role is given and taken with 204; an unknown role is 10011, an unknown member 10007", async () => {
    const role = (await callControl(emulator, "POST", `/guilds/${SEED.guildId}/roles`, { name: "helper" }))
      .body;
    const path = (user: string, roleId: string) => `/guilds/${SEED.guildId}/members/${user}/roles/${roleId}`;
    const from = dispatches.length;
    expect((await call("PUT", path(ada.id, role.id))).status).toBe(204);
    expect((await call("PUT", path(ada.id, role.id))).status).toBe(204);
    // Given twice, announced once.
    expect(dispatches.slice(from).filter((e) => e.t === "GUILD_MEMBER_UPDATE")).toHaveLength(1);
    expect(
      (await call("GET", `/guilds/${SEED.guildId}/roles`)).body.map((r: { id: string }) => r.id),
    ).toContain(role.id);
    expect((await call("DELETE", path(ada.id, role.id))).status).toBe(204);
    expect((await call("PUT", path(ada.id, "1300000000000000099"))).body.code).toBe(10011);
    expect((await call("PUT", path("1300000000000000099", role.id))).body.code).toBe(10007);
    const bad = await callControl(emulator, "POST", `/guilds/${SEED.guildId}/roles`, { name: "" });
    expect(bad.status).toBe(400);
  });
});

describe("channels and pages of messages", () => {
  it("GET /channels/:id is the channel; an unknown one is 10003", async () => {
    const channelId = freshChannel(emulator);
    expect((await call("GET", `/channels/${channelId}`)).body).toMatchObject({ id: channelId, type: 0 });
    expect((await call("GET", "/channels/1300000000000000099")).body.code).toBe(10003);
  });

  it("lists newest first, before, after and around an id, limit 1 to 100", async () => {
    const channelId = freshChannel(emulator);
    const sent: string[] = [];
    for (let n = 0; n < 7; n++) {
      // The create bucket allows 5 per 5 s per channel; the emulator's own messages need no bucket.
      const author = emulator.world.requireUser(emulator.world.application.bot.id);
      sent.push(emulator.world.createMessage(channelId, author, `m${n}`).id);
    }
    const page = async (query: string) =>
      ((await call("GET", `/channels/${channelId}/messages?${query}`)).body as APIMessage[]).map(
        (m) => m.content,
      );
    expect(await page("")).toEqual(["m6", "m5", "m4", "m3", "m2", "m1", "m0"]);
    expect(await page("limit=2")).toEqual(["m6", "m5"]);
    expect(await page(`before=${sent[3]}&limit=2`)).toEqual(["m2", "m1"]);
    expect(await page(`after=${sent[3]}&limit=2`)).toEqual(["m5", "m4"]);
    expect(await page(`around=${sent[3]}&limit=3`)).toEqual(["m4", "m3", "m2"]);
    for (const query of ["limit=0", "limit=101", "before=x"]) {
      const refused = await call("GET", `/channels/${channelId}/messages?${query}`);
      expect(refused.status, query).toBe(400);
    }
    expect(await page("limit=100")).toHaveLength(7);
  });
});

describe("replies", () => {
  it("a reply carries its reference; an unknown one is refused unless fail_if_not_exists is false", async () => {
    const channelId = freshChannel(emulator);
    const first = await send(channelId, { content: "question" });
    const reply = await send(channelId, { content: "answer", message_reference: { message_id: first.id } });
    expect(reply).toMatchObject({
      type: 19,
      message_reference: { message_id: first.id, channel_id: channelId },
      referenced_message: { id: first.id },
    });
    const missing = { content: "x", message_reference: { message_id: "1300000000000000099" } };
    const refused = await call("POST", `/channels/${channelId}/messages`, { body: missing });
    expect(refused.status).toBe(400);
    expect(refused.body.errors.message_reference._errors[0].code).toBe("MESSAGE_REFERENCE_UNKNOWN_MESSAGE");
    const lenient = await send(channelId, {
      ...missing,
      message_reference: { ...missing.message_reference, fail_if_not_exists: false },
    });
    expect(lenient.type).toBe(0);
  });
});

describe("message events", () => {
  it("send, edit and delete are announced in the channel's guild, without content for sessions lacking it", async () => {
    const channelId = emulator.world.requireGuild(SEED.guildId).channelIds[0]!;
    const from = dispatches.length;
    const written = await callControl(emulator, "POST", `/channels/${channelId}/messages`, {
      author_id: ada.id,
      content: "hello",
    });
    expect(written.status).toBe(201);
    const own = await send(channelId, { content: "mine" });
    await call("PATCH", `/channels/${channelId}/messages/${own.id}`, { body: { content: "mine, edited" } });
    await call("DELETE", `/channels/${channelId}/messages/${own.id}`);
    const events = dispatches.slice(from);
    expect(events.map((e) => e.t)).toEqual([
      "MESSAGE_CREATE",
      "MESSAGE_CREATE",
      "MESSAGE_UPDATE",
      "MESSAGE_DELETE",
    ]);
    expect(events.every((e) => e.guildId === SEED.guildId)).toBe(true);
    const [userCreate, botCreate, update, remove] = events;
    expect(userCreate!.d).toMatchObject({ content: "hello", guild_id: SEED.guildId, member: { roles: [] } });
    expect(userCreate!.withoutContent).toMatchObject({ content: "", embeds: [] });
    // The bot's own messages keep their content either way.
    expect(botCreate!.withoutContent).toBeUndefined();
    expect(update!.d).toMatchObject({ content: "mine, edited" });
    expect(remove!.d).toEqual({ id: own.id, channel_id: channelId, guild_id: SEED.guildId });
  });

  it("a message mentioning the bot keeps its content; a DM goes to shard 0 with it", async () => {
    const channelId = emulator.world.requireGuild(SEED.guildId).channelIds[0]!;
    const from = dispatches.length;
    const botId = emulator.world.application.bot.id;
    await callControl(emulator, "POST", `/channels/${channelId}/messages`, {
      author_id: ada.id,
      content: `<@${botId}> hi`,
    });
    const dm = await callControl(emulator, "POST", `/users/${ada.id}/messages`, { content: "psst" });
    expect(dm.status).toBe(201);
    const [mention, direct] = dispatches.slice(from);
    expect(mention!.withoutContent).toBeUndefined();
    expect(direct).toMatchObject({ guildId: null, t: "MESSAGE_CREATE", d: { content: "psst" } });
    expect(direct!.withoutContent).toBeUndefined();
  });

  it("a user's reaction is announced with its member and the message's author; taking it back too", async () => {
    const channelId = emulator.world.requireGuild(SEED.guildId).channelIds[0]!;
    const own = await send(channelId, { content: "react to me" });
    const path = `/channels/${channelId}/messages/${own.id}/reactions`;
    const from = dispatches.length;
    expect((await callControl(emulator, "PUT", path, { user_id: ada.id, emoji: "🎉" })).status).toBe(204);
    expect((await callControl(emulator, "DELETE", path, { user_id: ada.id, emoji: "🎉" })).status).toBe(204);
    const [add, remove] = dispatches.slice(from);
    expect(add).toMatchObject({
      t: "MESSAGE_REACTION_ADD",
      guildId: SEED.guildId,
      intent: 1 << 10,
      d: {
        user_id: ada.id,
        message_id: own.id,
        emoji: { id: null, name: "🎉" },
        member: { roles: [] },
        message_author_id: emulator.world.application.bot.id,
      },
    });
    expect(remove).toMatchObject({
      t: "MESSAGE_REACTION_REMOVE",
      d: { user_id: ada.id, emoji: { name: "🎉" } },
    });
    expect(remove!.d).not.toHaveProperty("member");
    expect((await callControl(emulator, "PUT", path, { user_id: ada.id, emoji: "nope" })).status).toBe(400);
    const stranger = emulator.world.createUser({ username: "onlooker" });
    expect((await callControl(emulator, "PUT", path, { user_id: stranger.id, emoji: "🎉" })).status).toBe(
      403,
    );
  });

  it("the control API refuses a writer who is no member, and a bad body, clearly", async () => {
    const channelId = emulator.world.requireGuild(SEED.guildId).channelIds[0]!;
    const stranger = emulator.world.createUser({ username: "stranger" });
    const refused = await callControl(emulator, "POST", `/channels/${channelId}/messages`, {
      author_id: stranger.id,
      content: "let me in",
    });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatch(/not a member/);
    const empty = await callControl(emulator, "POST", `/channels/${channelId}/messages`, {
      author_id: ada.id,
      content: "",
    });
    expect(empty.status).toBe(400);
    const long = await callControl(emulator, "POST", `/channels/${channelId}/messages`, {
      author_id: ada.id,
      content: "x".repeat(2001),
    });
    expect(long.status).toBe(400);
    const longest = await callControl(emulator, "POST", `/channels/${channelId}/messages`, {
      author_id: ada.id,
      content: "x".repeat(2000),
    });
    expect(longest.status).toBe(201);
  });
});

describe("what the bot did", () => {
  it("GET /_emulator/bot/actions lists its sends, edits, reactions and deletes in order, and what is new after a seq", async () => {
    const start = (await callControl(emulator, "GET", "/bot/actions")).body.actions.at(-1)?.seq ?? 0;
    const channelId = freshChannel(emulator);
    const sent = await send(channelId, { content: "hi" });
    await call("PATCH", `/channels/${channelId}/messages/${sent.id}`, { body: { content: "hi!" } });
    await call("PUT", `/channels/${channelId}/messages/${sent.id}/reactions/${encodeURIComponent("👍")}/@me`);
    await call("DELETE", `/channels/${channelId}/messages/${sent.id}`);
    const { body } = await callControl(emulator, "GET", `/bot/actions?after=${start}`);
    expect(body.missed).toBe(0);
    expect(body.actions.map((a: { kind: string }) => a.kind)).toEqual([
      "message_create",
      "message_update",
      "reaction_add",
      "message_delete",
    ]);
    expect(body.actions[1]).toMatchObject({ channel_id: channelId, message_id: sent.id, content: "hi!" });
    expect(body.actions[2].emoji).toBe("👍");
    const last = body.actions.at(-1).seq;
    expect((await callControl(emulator, "GET", `/bot/actions?after=${last}`)).body.actions).toEqual([]);
    expect((await callControl(emulator, "GET", "/bot/actions?after=-1")).status).toBe(400);
    // A user's message is theirs, not the bot's.
    const general = emulator.world.requireGuild(SEED.guildId).channelIds[0]!;
    await callControl(emulator, "POST", `/channels/${general}/messages`, {
      author_id: ada.id,
      content: "me",
    });
    expect((await callControl(emulator, "GET", `/bot/actions?after=${last}`)).body.actions).toEqual([]);
  });

  it(`keeps the last ${BOT_ACTIONS_KEPT} and says how many a reader missed`, () => {
    const log = new BotActionLog();
    const one = { kind: "message_delete" as const, channel_id: "1", message_id: "2" };
    for (let n = 0; n < BOT_ACTIONS_KEPT; n++) log.record(one);
    expect(log.after(0)).toMatchObject({ missed: 0 });
    expect(log.after(0).actions).toHaveLength(BOT_ACTIONS_KEPT);
    log.record(one);
    expect(log.after(0).missed).toBe(1);
    expect(log.after(0).actions[0]!.seq).toBe(2);
    expect(log.after(BOT_ACTIONS_KEPT + 1)).toEqual({ actions: [], missed: 0 });
  });
});
