import { ApplicationFlags, GatewayIntentBits } from "discord-api-types/v10";
import { describe, expect, it } from "vitest";
import { dispatchFrame } from "../../../emulator/gateway/frames.ts";
import { parseIdentify } from "../../../emulator/gateway/identify.ts";
import {
  IdentifyBuckets,
  MemberRequestCooldown,
  SESSION_START_WINDOW_MS,
  SendWindow,
  SessionStartBudget,
} from "../../../emulator/gateway/limits.ts";
import { memberChunks, parseMemberRequest } from "../../../emulator/gateway/member-requests.ts";
import { guildCreateMemberIds, type SessionView } from "../../../emulator/gateway/payloads.ts";
import { checkConnectQuery, isRejection } from "../../../emulator/gateway/protocol.ts";
import { ReplayBuffer } from "../../../emulator/gateway/replay-buffer.ts";
import { createSeededWorld } from "../../../emulator/seed.ts";

// The gateway's pure rules, without sockets: replay buffer, rate limits, payload parsing and shaping.

describe("ReplayBuffer", () => {
  const filled = (capacity: number, count: number) => {
    const buffer = new ReplayBuffer(capacity);
    for (let s = 1; s <= count; s++) buffer.push(`frame ${s}`);
    return buffer;
  };

  it("returns the frames after a sequence, across the ring's wrap-around", () => {
    const buffer = filled(4, 10);
    expect(buffer.firstSeq).toBe(7);
    expect(buffer.framesAfter(6)).toEqual(["frame 7", "frame 8", "frame 9", "frame 10"]);
    expect(buffer.framesAfter(8)).toEqual(["frame 9", "frame 10"]);
    expect(buffer.framesAfter(10)).toEqual([]);
  });

  it("answers null once a missed frame was dropped", () => {
    expect(filled(4, 10).framesAfter(5)).toBeNull();
    expect(filled(0, 3).framesAfter(2)).toBeNull();
    expect(filled(0, 3).framesAfter(3)).toEqual([]);
  });
});

describe("limits", () => {
  it("SendWindow allows `limit` frames per window, then refuses until the window turns", () => {
    const window = new SendWindow(3, 1_000);
    expect([0, 10, 20, 30].map((now) => window.tryConsume(now))).toEqual([true, true, true, false]);
    expect(window.tryConsume(999)).toBe(false);
    expect(window.tryConsume(1_000)).toBe(true);
  });

  it("IdentifyBuckets spaces IDENTIFYs per shard_id % max_concurrency", () => {
    const buckets = new IdentifyBuckets(2, 5_000);
    expect(buckets.tryIdentify(0, 0)).toBe(true);
    expect(buckets.tryIdentify(1, 0)).toBe(true);
    expect(buckets.tryIdentify(2, 4_999)).toBe(false);
    expect(buckets.tryIdentify(2, 5_000)).toBe(true);
  });

  it("SessionStartBudget counts starts down and refills 24 h after the first", () => {
    const budget = new SessionStartBudget(2, 1);
    expect(budget.tryStart(1_000)).toBe(true);
    expect(budget.tryStart(2_000)).toBe(true);
    expect(budget.tryStart(3_000)).toBe(false);
    expect(budget.snapshot(3_000)).toEqual({
      total: 2,
      remaining: 0,
      reset_after: SESSION_START_WINDOW_MS - 2_000,
      max_concurrency: 1,
    });
    expect(budget.snapshot(1_000 + SESSION_START_WINDOW_MS).remaining).toBe(2);
  });

  it("MemberRequestCooldown answers the time left, per guild", () => {
    const cooldown = new MemberRequestCooldown(30_000);
    expect(cooldown.tryRequest("1", 0)).toBe(0);
    expect(cooldown.tryRequest("2", 0)).toBe(0);
    expect(cooldown.tryRequest("1", 29_999)).toBe(1);
    expect(cooldown.tryRequest("1", 30_000)).toBe(0);
  });
});

describe("protocol", () => {
  it("builds a dispatch frame that parses to the envelope", () => {
    const d = { user: { id: "1" }, status: "online" };
    expect(JSON.parse(dispatchFrame("PRESENCE_UPDATE", 7, JSON.stringify(d)))).toEqual({
      op: 0,
      s: 7,
      t: "PRESENCE_UPDATE",
      d,
    });
  });

  it("reads zlib-stream from the connection URL", () => {
    expect(checkConnectQuery(new URLSearchParams("v=10&encoding=json&compress=zlib-stream"))).toEqual({
      zlibStream: true,
    });
    expect(checkConnectQuery(new URLSearchParams("v=10&encoding=json"))).toEqual({ zlibStream: false });
  });

  it("clamps large_threshold into 50-250 and defaults it to 50", () => {
    const app = {
      botToken: "t",
      flags: ApplicationFlags.GatewayPresence | ApplicationFlags.GatewayGuildMembers,
    };
    const threshold = (large_threshold?: number) => {
      const parsed = parseIdentify({ token: "t", intents: 1, large_threshold }, app);
      return isRejection(parsed) ? parsed : parsed.largeThreshold;
    };
    expect([undefined, 49, 50, 250, 251].map(threshold)).toEqual([50, 50, 50, 250, 250]);
  });
});

describe("GUILD_CREATE members", () => {
  const view = (largeThreshold: number): SessionView => ({
    sessionId: "s",
    shardId: 0,
    shardCount: 1,
    shardGiven: false,
    intents: GatewayIntentBits.Guilds | GatewayIntentBits.GuildPresences,
    largeThreshold,
    resumeGatewayUrl: "ws://x",
  });

  it("above the threshold keeps the bot and members who are online, have a role or a nickname", () => {
    const world = createSeededWorld();
    const guild = world.guilds.values().next().value!;
    const [withRole, withNick, plain] = ["role", "nick", "plain"].map((username) => {
      const user = world.createUser({ username });
      world.addMember(guild.id, user.id);
      return user.id;
    });
    world.updateMember(guild.id, withRole!, { roles: [guild.id] });
    world.updateMember(guild.id, withNick!, { nick: "Nick" });
    const large = guildCreateMemberIds(guild, world.application.bot.id, view(guild.members.size - 1));
    expect(large).toEqual(
      expect.arrayContaining([world.application.bot.id, ...guild.presences.keys(), withRole, withNick]),
    );
    expect(large).not.toContain(plain);
    expect(large).toHaveLength(1 + guild.presences.size + 2);
    expect(guildCreateMemberIds(guild, world.application.bot.id, view(guild.members.size))).toHaveLength(
      guild.members.size,
    );
  });
});

describe("member requests", () => {
  const all = GatewayIntentBits.GuildMembers | GatewayIntentBits.GuildPresences;

  it("caps a prefix query at 100 members", () => {
    const parse = (limit: number) =>
      parseMemberRequest({ guild_id: "12345678901234567", query: "a", limit }, all);
    expect([0, 1, 100, 101].map((limit) => (parse(limit) as { limit: number }).limit)).toEqual([
      100, 1, 100, 100,
    ]);
  });

  it("splits 2001 members into chunks of 1000, 1000 and 1", () => {
    const world = createSeededWorld();
    const guild = world.createGuild({ name: "Big" });
    for (let n = 0; n < 2000; n++) world.addMember(guild.id, world.createUser({ username: `u${n}` }).id);
    const request = parseMemberRequest({ guild_id: guild.id, query: "", limit: 0 }, all);
    if (isRejection(request)) throw new Error(request.reason);
    const chunks = memberChunks(world, guild, request);
    expect(chunks.map((chunk) => [chunk.chunk_index, chunk.chunk_count, chunk.members.length])).toEqual([
      [0, 3, 1000],
      [1, 3, 1000],
      [2, 3, 1],
    ]);
  });
});
