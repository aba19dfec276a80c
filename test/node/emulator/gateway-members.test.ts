import { GatewayIntentBits, GatewayOpcodes } from "discord-api-types/v10";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Emulator, type EmulatorOptions, startEmulator } from "../../../emulator/server.ts";
import { shardForGuild, snowflake } from "../../../emulator/snowflake.ts";
import type { EmulatedGuild } from "../../../emulator/world.ts";
import {
  closeAll,
  type Frame,
  type GatewayClient,
  identifiedClient,
  RAW_CLIENT_CONFIG,
} from "./gateway-client.ts";

// Op 8 (Request Guild Members) over real sockets: chunking, the three kinds of request, their
// limits, presences, nonces, and the all-members RATE_LIMITED cooldown.

let emulator: Emulator;
let guild: EmulatedGuild;
const clients: GatewayClient[] = [];

async function start(options: EmulatorOptions = {}): Promise<void> {
  emulator = await startEmulator({ ...RAW_CLIENT_CONFIG, memberRequestCooldownMs: 60_000, ...options });
  guild = emulator.world.guilds.values().next().value!;
}

async function identified(fields: Record<string, unknown> = {}): Promise<GatewayClient> {
  const { client } = await identifiedClient(emulator, fields);
  clients.push(client);
  return client;
}

/** Adds `count` members named `${prefix}${n}`; returns their ids. */
function addMembers(count: number, prefix: string): string[] {
  return Array.from({ length: count }, (_, n) => {
    const user = emulator.world.createUser({ username: `${prefix}${n}` });
    emulator.world.addMember(guild.id, user.id);
    return user.id;
  });
}

function request(client: GatewayClient, d: Record<string, unknown>): void {
  client.send({ op: GatewayOpcodes.RequestGuildMembers, d: { guild_id: guild.id, ...d } });
}

/** Every GUILD_MEMBERS_CHUNK answering the request with this nonce, once the last one arrived. */
async function chunksFor(client: GatewayClient, nonce: string): Promise<Frame[]> {
  const isChunk = (f: Frame) => f.t === "GUILD_MEMBERS_CHUNK" && f.d.nonce === nonce;
  await client.waitFor((f) => isChunk(f) && f.d.chunk_index === f.d.chunk_count - 1);
  return client.frames.filter(isChunk);
}

const memberIds = (chunks: Frame[]) =>
  chunks.flatMap((chunk) => chunk.d.members.map((member: { user: { id: string } }) => member.user.id));

afterEach(async () => {
  await closeAll(clients);
  await emulator?.close();
});

describe("all members", () => {
  beforeEach(() => start());

  it("answers in chunks of at most 1000 members, numbered, with the nonce echoed", async () => {
    addMembers(1500, "bulk");
    const client = await identified();
    request(client, { query: "", limit: 0, nonce: "everyone" });
    const chunks = await chunksFor(client, "everyone");
    expect(chunks.map((chunk) => [chunk.d.chunk_index, chunk.d.chunk_count, chunk.d.members.length])).toEqual(
      [
        [0, 2, 1000],
        [1, 2, guild.members.size - 1000],
      ],
    );
    expect(new Set(memberIds(chunks))).toEqual(new Set(guild.members.keys()));
    expect(chunks.every((chunk) => chunk.d.guild_id === guild.id && !("presences" in chunk.d))).toBe(true);
  });

  it("includes presences of online members only when asked and GUILD_PRESENCES is granted", async () => {
    const client = await identified();
    request(client, { query: "", limit: 0, presences: true, nonce: "with" });
    const [chunk] = await chunksFor(client, "with");
    expect(chunk!.d.presences).toHaveLength(guild.presences.size);
    expect(chunk!.d.presences.every((presence: { status: string }) => presence.status !== "offline")).toBe(
      true,
    );

    const { Guilds, GuildMembers } = GatewayIntentBits;
    const withoutIntent = await identified({ intents: Guilds | GuildMembers });
    request(withoutIntent, { user_ids: [...guild.presences.keys()], presences: true, nonce: "without" });
    const [plain] = await chunksFor(withoutIntent, "without");
    expect(plain!.d).not.toHaveProperty("presences");
  });

  it("closes with 4001 without GUILD_MEMBERS", async () => {
    const client = await identified({ intents: GatewayIntentBits.Guilds | GatewayIntentBits.GuildPresences });
    request(client, { query: "", limit: 0 });
    expect((await client.waitForClose()).code).toBe(4001);
  });

  it("answers a repeat within the cooldown with RATE_LIMITED, across sessions", async () => {
    const first = await identified();
    request(first, { query: "", limit: 0, nonce: "first" });
    await chunksFor(first, "first");
    const second = await identified();
    request(second, { query: "", limit: 0, nonce: "again" });
    const limited = await second.waitForDispatch("RATE_LIMITED");
    expect(limited.d).toMatchObject({ opcode: 8, meta: { guild_id: guild.id, nonce: "again" } });
    expect(limited.d.retry_after).toBeGreaterThan(0);
    expect(limited.d.retry_after).toBeLessThanOrEqual(60);
    // Queries and user_ids are not all-member requests: they are not held back.
    request(second, { query: "a", limit: 5, nonce: "query" });
    await chunksFor(second, "query");
    expect(emulator.gateway.counters()).toMatchObject({
      member_requests: 3,
      member_requests_rate_limited: 1,
    });
  });
});

describe("after the cooldown", () => {
  it("answers an all-members request again once retry_after has passed", async () => {
    await start({ memberRequestCooldownMs: 300 });
    const client = await identified();
    request(client, { query: "", limit: 0, nonce: "1" });
    await chunksFor(client, "1");
    request(client, { query: "", limit: 0, nonce: "2" });
    const limited = await client.waitForDispatch("RATE_LIMITED");
    await new Promise((resolve) => setTimeout(resolve, limited.d.retry_after * 1000 + 50));
    request(client, { query: "", limit: 0, nonce: "3" });
    expect(memberIds(await chunksFor(client, "3"))).toHaveLength(guild.members.size);
  });
});

describe("queries and user ids", () => {
  beforeEach(() => start());

  it("matches a username prefix, case-insensitively, and returns at most 100", async () => {
    addMembers(150, "Prefix");
    const client = await identified();
    request(client, { query: "prefix", limit: 0, nonce: "zero" });
    request(client, { query: "PREFIX", limit: 101, nonce: "over" });
    request(client, { query: "prefix1", limit: 7, nonce: "seven" });
    expect(memberIds(await chunksFor(client, "zero"))).toHaveLength(100);
    expect(memberIds(await chunksFor(client, "over"))).toHaveLength(100);
    const seven = (await chunksFor(client, "seven"))[0]!;
    expect(seven.d.members).toHaveLength(7);
    expect(
      seven.d.members.every((m: { user: { username: string } }) => m.user.username.startsWith("Prefix1")),
    ).toBe(true);
  });

  it("returns the members among user_ids and lists the others as not_found", async () => {
    const [known] = addMembers(1, "known");
    const stranger = snowflake(Date.UTC(2024, 0, 2), 9);
    const client = await identified();
    request(client, { user_ids: [known, stranger], nonce: "ids" });
    const [chunk] = await chunksFor(client, "ids");
    expect(memberIds([chunk!])).toEqual([known]);
    expect(chunk!.d.not_found).toEqual([stranger]);
  });

  it("takes 100 user_ids and closes with 4001 on 101", async () => {
    const ids = addMembers(101, "many");
    const client = await identified();
    request(client, { user_ids: ids.slice(0, 100), nonce: "hundred" });
    expect(memberIds(await chunksFor(client, "hundred"))).toHaveLength(100);
    request(client, { user_ids: ids });
    expect((await client.waitForClose()).code).toBe(4001);
  });

  it("echoes a 32-byte nonce and drops a longer one", async () => {
    const client = await identified();
    request(client, { query: "a", limit: 1, nonce: "n".repeat(32) });
    request(client, { query: "a", limit: 1, nonce: "n".repeat(33) });
    await client.waitFor(() => client.dispatches("GUILD_MEMBERS_CHUNK").length === 2);
    expect(client.dispatches("GUILD_MEMBERS_CHUNK").map((chunk) => chunk.d.nonce)).toEqual([
      "n".repeat(32),
      undefined,
    ]);
  });

  it.each([
    ["neither query nor user_ids", { limit: 0 }],
    ["a query without limit", { query: "a" }],
    ["a list of guilds", { guild_id: ["1", "2"], query: "", limit: 0 }],
  ])("closes %s with 4001", async (_, d) => {
    const client = await identified();
    request(client, d);
    expect((await client.waitForClose()).code).toBe(4001);
  });
});

describe("guilds the session does not hold", () => {
  it("ignores a request for another shard's guild or an unknown guild", async () => {
    await start();
    expect(shardForGuild(guild.id, 2)).toBe(0);
    const client = await identified({ shard: [1, 2] });
    request(client, { query: "", limit: 0, nonce: "other-shard" });
    client.send({
      op: 8,
      d: { guild_id: snowflake(Date.UTC(2024, 0, 3), 1), query: "", limit: 0, nonce: "unknown" },
    });
    // A heartbeat is answered in order, so both requests have been handled when its ACK arrives.
    client.heartbeat();
    await client.waitForOp(GatewayOpcodes.HeartbeatAck);
    expect(client.dispatches("GUILD_MEMBERS_CHUNK")).toEqual([]);
    expect(emulator.gateway.counters().member_requests_ignored).toBe(2);
  });
});
