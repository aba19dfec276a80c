import { GatewayIntentBits, GatewayOpcodes } from "discord-api-types/v10";
import { afterEach, describe, expect, it } from "vitest";
import { type Emulator, type EmulatorOptions, startEmulator } from "../../../emulator/server.ts";
import { shardForGuild, snowflake } from "../../../emulator/snowflake.ts";
import {
  closeAll,
  type Frame,
  GatewayClient,
  identifiedClient,
  RAW_CLIENT_CONFIG,
} from "./gateway-client.ts";

// Sessions over real sockets: READY and GUILD_CREATE, sharding and intent routing, RESUME replay,
// session lifetime, IDENTIFY spacing and the session start limit.

let emulator: Emulator;
const clients: GatewayClient[] = [];

async function start(options: EmulatorOptions = {}): Promise<Emulator> {
  emulator = await startEmulator({ ...RAW_CLIENT_CONFIG, ...options });
  return emulator;
}

async function identified(fields: Record<string, unknown> = {}) {
  const result = await identifiedClient(emulator, fields);
  clients.push(result.client);
  return result;
}

async function connect(url = emulator.urls.resumeGateway): Promise<GatewayClient> {
  const client = await GatewayClient.connect(url);
  clients.push(client);
  await client.waitForOp(GatewayOpcodes.Hello);
  return client;
}

const token = () => emulator.world.application.botToken;
const seededGuild = () => emulator.world.guilds.values().next().value!;

/** Adds a guild of `members` plain members; `online` of them get an online presence. */
function addGuild(members: number, online = 0, id?: string) {
  const guild = emulator.world.createGuild({ id, name: `Guild of ${members}` });
  for (let index = 0; index < members; index++) {
    const user = emulator.world.createUser({ username: `member${index}` });
    emulator.world.addMember(guild.id, user.id);
    if (index < online) emulator.world.setPresence(guild.id, { user: { id: user.id }, status: "online" });
  }
  return guild;
}

/** A guild id that lands on `shard` of `count` shards. */
function guildIdOnShard(shard: number, count: number): string {
  for (let ms = 0; ; ms++) {
    const id = snowflake(Date.UTC(2024, 6, 1) + ms, 0);
    if (shardForGuild(id, count) === shard) return id;
  }
}

/** Sets a numbered presence in the seeded guild; the number travels in the activity name. */
function injectPresence(n: number): void {
  const guild = seededGuild();
  const member = [...guild.members.keys()].find((id) => id !== emulator.world.application.bot.id)!;
  emulator.world.setPresence(guild.id, {
    user: { id: member },
    status: "online",
    activities: [{ name: `update ${n}`, type: 0 } as never],
  });
}

const presenceNumbers = (frames: Frame[]) =>
  frames
    .filter((frame) => frame.t === "PRESENCE_UPDATE")
    .map((frame) => Number(frame.d.activities[0].name.slice(7)));

/** Waits for the gateway's own bookkeeping to reach a state (sessions expire on a timer). */
async function eventually(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not reached");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

afterEach(async () => {
  await closeAll(clients);
  await emulator?.close();
});

describe("READY and GUILD_CREATE", () => {
  it("sends READY and then one GUILD_CREATE per guild, numbered from 1", async () => {
    await start();
    const { client, ready } = await identified({ shard: [0, 1] });
    const guildCreate = await client.waitForDispatch("GUILD_CREATE");
    const guild = seededGuild();
    expect(ready.s).toBe(1);
    expect(ready.d).toMatchObject({
      v: 10,
      user: { id: emulator.world.application.id, bot: true },
      guilds: [{ id: guild.id, unavailable: true }],
      resume_gateway_url: emulator.urls.resumeGateway,
      shard: [0, 1],
      application: { id: emulator.world.application.id, flags: emulator.world.application.flags },
    });
    expect(ready.d.session_id).toMatch(/^[0-9a-f]{32}$/);
    expect(guildCreate.s).toBe(2);
    expect(guildCreate.d).toMatchObject({
      id: guild.id,
      name: guild.name,
      owner_id: guild.ownerId,
      unavailable: false,
      large: false,
      member_count: guild.members.size,
      emojis: [],
      stickers: [],
      features: [],
      threads: [],
      voice_states: [],
    });
    expect(guildCreate.d.roles).toEqual(guild.roles);
    expect(guildCreate.d.channels.map((channel: { id: string }) => channel.id)).toEqual(guild.channelIds);
    expect(guildCreate.d.channels.every((channel: object) => !("guild_id" in channel))).toBe(true);
    expect(guildCreate.d.members).toHaveLength(guild.members.size);
    expect(guildCreate.d.presences).toHaveLength(guild.presences.size);
  });

  it("leaves `shard` out of READY when IDENTIFY sent none", async () => {
    await start();
    const { ready } = await identified();
    expect(ready.d).not.toHaveProperty("shard");
  });

  it("lists only the bot without GUILD_PRESENCES", async () => {
    await start();
    const { client } = await identified({
      intents: GatewayIntentBits.Guilds | GatewayIntentBits.GuildMembers,
    });
    const { d } = await client.waitForDispatch("GUILD_CREATE");
    expect(d.members.map((member: { user: { id: string } }) => member.user.id)).toEqual([
      emulator.world.application.bot.id,
    ]);
    expect(d.presences).toEqual([]);
  });

  it("lists everyone at large_threshold members and only online members one above it", async () => {
    await start();
    // With the bot, 50 members (the default threshold) and then 51.
    const atThreshold = addGuild(49, 3);
    const { client } = await identified();
    const frame = await client.waitFor((f) => f.t === "GUILD_CREATE" && f.d.id === atThreshold.id);
    expect(frame.d).toMatchObject({ large: false, member_count: 50 });
    expect(frame.d.members).toHaveLength(50);
    expect(frame.d.presences).toHaveLength(3);

    const user = emulator.world.createUser({ username: "one-more" });
    emulator.world.addMember(atThreshold.id, user.id);
    const { client: after } = await identified();
    const large = await after.waitFor((f) => f.t === "GUILD_CREATE" && f.d.id === atThreshold.id);
    expect(large.d).toMatchObject({ large: true, member_count: 51 });
    // The bot and the three online members.
    expect(large.d.members).toHaveLength(4);
    expect(large.d.presences).toHaveLength(3);
    expect(large.d.presences.every((presence: { status: string }) => presence.status !== "offline")).toBe(
      true,
    );
  });

  it("clamps large_threshold to 250", async () => {
    await start();
    const guild = addGuild(250);
    const { client } = await identified({ large_threshold: 1000 });
    const frame = await client.waitFor((f) => f.t === "GUILD_CREATE" && f.d.id === guild.id);
    expect(frame.d).toMatchObject({ large: true, member_count: 251 });
  });
});

describe("routing dispatches", () => {
  it("sends each guild's GUILD_CREATE and events only to the shard that owns it", async () => {
    await start();
    const seeded = seededGuild();
    const second = addGuild(1, 0, guildIdOnShard(1, 2));
    expect(shardForGuild(seeded.id, 2)).toBe(0);
    const { client: shard0 } = await identified({ shard: [0, 2] });
    const { client: shard1 } = await identified({ shard: [1, 2] });
    await shard0.waitFor((f) => f.t === "GUILD_CREATE" && f.d.id === seeded.id);
    await shard1.waitFor((f) => f.t === "GUILD_CREATE" && f.d.id === second.id);

    const member = [...second.members.keys()].find((id) => id !== emulator.world.application.bot.id)!;
    emulator.world.setPresence(second.id, { user: { id: member }, status: "dnd" });
    injectPresence(1);
    await shard1.waitFor((f) => f.t === "PRESENCE_UPDATE" && f.d.guild_id === second.id);
    await shard0.waitFor((f) => f.t === "PRESENCE_UPDATE" && f.d.guild_id === seeded.id);
    const guildIds = (client: GatewayClient) =>
      client.dispatches().flatMap((f) => (f.t === "READY" ? [] : [f.d.guild_id ?? f.d.id]));
    expect(guildIds(shard0)).toEqual([seeded.id, seeded.id]);
    expect(guildIds(shard1)).toEqual([second.id, second.id]);
  });

  it("delivers each event only to sessions whose intents include it", async () => {
    await start();
    const { Guilds, GuildMembers, GuildPresences } = GatewayIntentBits;
    const presences = (await identified({ intents: Guilds | GuildPresences })).client;
    const members = (await identified({ intents: Guilds | GuildMembers })).client;
    const guildsOnly = (await identified({ intents: Guilds })).client;
    const guild = seededGuild();
    injectPresence(1);
    const user = emulator.world.createUser({ username: "newcomer" });
    emulator.world.addMember(guild.id, user.id);
    // The bot's own member update needs no intent: everyone gets it, and it comes last.
    emulator.world.updateMember(guild.id, emulator.world.application.bot.id, { nick: "porch" });
    const botUpdate = (f: Frame) => f.t === "GUILD_MEMBER_UPDATE" && f.d.nick === "porch";
    await Promise.all([presences, members, guildsOnly].map((client) => client.waitFor(botUpdate)));
    const events = (client: GatewayClient) =>
      client.dispatches().flatMap((f) => (["READY", "GUILD_CREATE"].includes(f.t!) ? [] : [f.t]));
    expect(events(presences)).toEqual(["PRESENCE_UPDATE", "GUILD_MEMBER_UPDATE"]);
    expect(events(members)).toEqual(["GUILD_MEMBER_ADD", "GUILD_MEMBER_UPDATE"]);
    expect(events(guildsOnly)).toEqual(["GUILD_MEMBER_UPDATE"]);
  });

  it("allows several sessions for one shard and numbers each one's dispatches on its own", async () => {
    await start();
    const { client: first } = await identified();
    injectPresence(1);
    const { client: second } = await identified();
    injectPresence(2);
    const last = (client: GatewayClient) => client.waitFor((f) => presenceNumbers([f])[0] === 2);
    expect((await last(first)).s).toBe(4);
    expect((await last(second)).s).toBe(3);
    expect(emulator.gateway.counters().dispatches).toBe(7);
  });
});

describe("RESUME", () => {
  it("replays exactly the dispatches after seq, then RESUMED, on any URL", async () => {
    await start();
    const { client, ready } = await identified();
    for (let n = 1; n <= 3; n++) injectPresence(n);
    await client.waitFor((f) => presenceNumbers([f])[0] === 3);
    const seen = client.frames.filter((f) => f.op === 0);
    // Pretend only up to update 1 was processed, then drop the connection without a close frame.
    const processedSeq = seen.find((f) => presenceNumbers([f])[0] === 1)!.s!;
    client.terminate();
    await client.waitForClose();
    await eventually(() => emulator.gateway.shards()[0]?.status === "disconnected");
    for (let n = 4; n <= 6; n++) injectPresence(n);

    const resumed = await connect(emulator.urls.resumeGateway);
    resumed.resume(token(), ready.d.session_id, processedSeq);
    const done = await resumed.waitForDispatch("RESUMED");
    const replay = resumed.dispatches().filter((f) => f.t !== "RESUMED");
    expect(presenceNumbers(replay)).toEqual([2, 3, 4, 5, 6]);
    expect(replay.map((f) => f.s)).toEqual([1, 2, 3, 4, 5].map((i) => processedSeq + i));
    expect(replay.slice(0, 2)).toEqual(seen.filter((f) => f.s! > processedSeq));
    expect(done.s).toBe(processedSeq + 6);
    injectPresence(7);
    expect((await resumed.waitFor((f) => presenceNumbers([f])[0] === 7)).s).toBe(processedSeq + 7);
    expect(emulator.gateway.counters()).toMatchObject({ resumes: 1, resumed: 1, replayed: 5 });
    expect(emulator.gateway.shards()[0]).toMatchObject({ status: "connected", connected_via: "resume" });
  });

  it("replays from the oldest buffered dispatch and refuses one further back with op 9", async () => {
    await start({ replayBufferSize: 5 });
    const oldest = async () => {
      const { client, ready } = await identified();
      for (let n = 1; n <= 6; n++) injectPresence(n);
      await client.waitFor((f) => presenceNumbers([f])[0] === 6);
      await client.close(4000);
      // 8 dispatches sent (READY, GUILD_CREATE, 6 updates); the buffer holds s 4..8.
      return ready.d.session_id as string;
    };
    const kept = await oldest();
    const resumer = await connect();
    resumer.resume(token(), kept, 3);
    await resumer.waitForDispatch("RESUMED");
    expect(presenceNumbers(resumer.dispatches())).toEqual([2, 3, 4, 5, 6]);

    const lost = await oldest();
    const late = await connect();
    late.resume(token(), lost, 2);
    expect((await late.waitForOp(GatewayOpcodes.InvalidSession)).d).toBe(false);
  });

  it("closes a RESUME with a seq never sent with 4007 and ends the session", async () => {
    await start();
    const { client, ready } = await identified();
    await client.close(4000);
    const resumer = await connect();
    resumer.resume(token(), ready.d.session_id, 3);
    expect((await resumer.waitForClose()).code).toBe(4007);
    const again = await connect();
    again.resume(token(), ready.d.session_id, 2);
    expect((await again.waitForOp(GatewayOpcodes.InvalidSession)).d).toBe(false);
  });

  it("answers an unknown session with op 9 false and still takes an IDENTIFY on that socket", async () => {
    await start();
    const client = await connect();
    client.resume(token(), "f".repeat(32), 1);
    expect((await client.waitForOp(GatewayOpcodes.InvalidSession)).d).toBe(false);
    client.identify(token());
    await client.waitForDispatch("READY");
    expect(emulator.gateway.counters().invalid_sessions).toBe(1);
  });

  it.each([
    [1000, false],
    [1001, false],
    [4000, true],
    [4200, true],
  ])("after a client close with %i, the session is resumable: %s", async (code, resumable) => {
    await start();
    const { client, ready } = await identified();
    await client.close(code);
    const resumer = await connect();
    resumer.resume(token(), ready.d.session_id, ready.s!);
    const answer = await resumer.waitFor((f) => f.op === GatewayOpcodes.InvalidSession || f.t === "RESUMED");
    expect(answer.t === "RESUMED").toBe(resumable);
  });

  it("moves a session to the connection that resumes it, closing the old one with 4000", async () => {
    await start();
    const { client, ready } = await identified();
    const resumer = await connect();
    resumer.resume(token(), ready.d.session_id, 2);
    await resumer.waitForDispatch("RESUMED");
    expect((await client.waitForClose()).code).toBe(4000);
    injectPresence(1);
    await resumer.waitForDispatch("PRESENCE_UPDATE");
  });

  it("forgets a disconnected session after resumeWindowMs", async () => {
    await start({ resumeWindowMs: 200 });
    const { client, ready } = await identified();
    await client.close(4000);
    await eventually(() => emulator.gateway.counters().sessions_expired === 1);
    expect(emulator.gateway.shards()).toEqual([]);
    const resumer = await connect();
    resumer.resume(token(), ready.d.session_id, ready.s!);
    expect((await resumer.waitForOp(GatewayOpcodes.InvalidSession)).d).toBe(false);
  });
});

describe("IDENTIFY limits", () => {
  it("answers a second IDENTIFY in the same bucket within identifyIntervalMs with op 9 false", async () => {
    await start({ identifyIntervalMs: 60_000, maxConcurrency: 2 });
    await identified({ shard: [0, 4] });
    // Shard 1 has its own bucket (1 % 2); shard 2 shares shard 0's.
    await identified({ shard: [1, 4] });
    const throttled = await connect();
    throttled.identify(token(), { shard: [2, 4] });
    expect((await throttled.waitForOp(GatewayOpcodes.InvalidSession)).d).toBe(false);
    expect(emulator.gateway.counters()).toMatchObject({ identifies: 2, identifies_throttled: 1 });
    expect(emulator.gateway.sessionStartLimit()).toMatchObject({ remaining: 998, max_concurrency: 2 });
  });

  it("counts session starts down and refuses IDENTIFY with 4004 once none remain", async () => {
    await start({ sessionStartLimit: 2 });
    expect(emulator.gateway.sessionStartLimit()).toEqual({
      total: 2,
      remaining: 2,
      reset_after: 86_400_000,
      max_concurrency: 1,
    });
    await identified();
    await identified();
    const limit = emulator.gateway.sessionStartLimit();
    expect(limit.remaining).toBe(0);
    const gatewayBot = await fetch(`${emulator.urls.api}/v10/gateway/bot`, {
      headers: { authorization: `Bot ${token()}` },
    });
    const body = (await gatewayBot.json()) as { session_start_limit: unknown };
    expect(body.session_start_limit).toMatchObject({ total: 2, remaining: 0 });
    expect(limit.reset_after).toBeGreaterThan(0);
    expect(limit.reset_after).toBeLessThanOrEqual(86_400_000);
    const refused = await connect();
    refused.identify(token());
    expect((await refused.waitForClose()).code).toBe(4004);
  });
});
