import { ApplicationFlags, GatewayIntentBits, GatewayOpcodes } from "discord-api-types/v10";
import { afterEach, describe, expect, it } from "vitest";
import { MAX_CLIENT_PAYLOAD_BYTES } from "../../../emulator/gateway/protocol.ts";
import { type Emulator, type EmulatorOptions, startEmulator } from "../../../emulator/server.ts";
import { snowflake } from "../../../emulator/snowflake.ts";
import { closeAll, GatewayClient, identifiedClient, RAW_CLIENT_CONFIG } from "./gateway-client.ts";

// Connection-level behaviour over real sockets: URL checks, HELLO and heartbeats, decoding, the
// send limit, compression, and every close code an IDENTIFY or RESUME can earn.

let emulator: Emulator;
const clients: GatewayClient[] = [];

async function start(options: EmulatorOptions = {}): Promise<Emulator> {
  emulator = await startEmulator({ ...RAW_CLIENT_CONFIG, ...options });
  return emulator;
}

async function connect(query?: string, url = emulator.urls.gateway): Promise<GatewayClient> {
  const client = await GatewayClient.connect(url, query);
  clients.push(client);
  return client;
}

async function identified(fields: Record<string, unknown> = {}, query?: string) {
  const result = await identifiedClient(emulator, fields, query);
  clients.push(result.client);
  return result;
}

/** Connects, identifies with `fields` and returns the close code the server answers with. */
async function identifyCloseCode(fields: Record<string, unknown>): Promise<number> {
  const client = await connect();
  await client.waitForOp(GatewayOpcodes.Hello);
  client.identify(emulator.world.application.botToken, fields);
  return (await client.waitForClose()).code;
}

afterEach(async () => {
  await closeAll(clients);
  await emulator?.close();
});

describe("connecting", () => {
  it("sends HELLO first and ACKs every heartbeat", async () => {
    await start({ heartbeatIntervalMs: 1234 });
    const client = await connect();
    const hello = await client.waitForOp(GatewayOpcodes.Hello);
    expect(client.frames[0]).toBe(hello);
    expect(hello).toEqual({ op: 10, d: { heartbeat_interval: 1234 }, s: null, t: null });
    for (let beat = 1; beat <= 3; beat++) client.heartbeat();
    await client.waitFor(
      () => client.frames.filter((frame) => frame.op === GatewayOpcodes.HeartbeatAck).length === 3,
    );
    expect(emulator.gateway.counters().heartbeats).toBe(3);
  });

  it.each([
    ["v=9&encoding=json", 4012],
    ["encoding=json", 4012],
    ["v=ten&encoding=json", 4012],
    ["v=10&encoding=etf", 4002],
    ["v=10&encoding=json&compress=zstd-stream", 4002],
  ])("closes ?%s with %i before HELLO", async (query, code) => {
    await start();
    const client = await connect(query);
    expect((await client.waitForClose()).code).toBe(code);
    expect(client.frames).toEqual([]);
    expect(emulator.gateway.counters().closes[`server:${code}`]).toBe(1);
  });

  it("takes a missing encoding as JSON", async () => {
    await start();
    const client = await connect("v=10");
    await client.waitForOp(GatewayOpcodes.Hello);
  });

  it("counts connections made on the resume URL", async () => {
    await start();
    await connect(undefined, emulator.urls.resumeGateway);
    await connect();
    await Promise.all(clients.map((client) => client.waitForOp(GatewayOpcodes.Hello)));
    expect(emulator.gateway.counters()).toMatchObject({ connections: 2, resume_url_connections: 1 });
  });

  it("closes a connection that misses its heartbeat with 4009 and ends its session", async () => {
    await start({ heartbeatTimeoutMs: 300 });
    const { client, ready } = await identified();
    expect((await client.waitForClose()).code).toBe(4009);
    const next = await connect();
    next.resume(emulator.world.application.botToken, ready.d.session_id, ready.s!);
    expect((await next.waitForOp(GatewayOpcodes.InvalidSession)).d).toBe(false);
  });
});

describe("decoding client frames", () => {
  it.each([
    ["invalid JSON", "{op:1}", 4002],
    ["a JSON array", "[1]", 4002],
    ["an unknown opcode", '{"op":99,"d":null}', 4001],
    ["a server-only opcode", '{"op":11,"d":null}', 4001],
    ["a missing opcode", '{"d":null}', 4001],
    [
      "op 3 before IDENTIFY",
      '{"op":3,"d":{"status":"online","since":null,"activities":[],"afk":false}}',
      4003,
    ],
    ["op 8 before IDENTIFY", '{"op":8,"d":{"guild_id":"1","query":"","limit":0}}', 4003],
  ])("closes on %s with %i", async (_, text, code) => {
    await start();
    const client = await connect();
    client.sendRaw(text);
    expect((await client.waitForClose()).code).toBe(code);
  });

  it(`accepts a ${MAX_CLIENT_PAYLOAD_BYTES}-byte payload and closes on one byte more with 4002`, async () => {
    await start();
    const client = await connect();
    const padded = (bytes: number) => {
      const head = '{"op":1,"d":null,"pad":"';
      return `${head}${"x".repeat(bytes - head.length - 2)}"}`;
    };
    client.sendRaw(padded(MAX_CLIENT_PAYLOAD_BYTES));
    await client.waitForOp(GatewayOpcodes.HeartbeatAck);
    client.sendRaw(padded(MAX_CLIENT_PAYLOAD_BYTES + 1));
    expect((await client.waitForClose()).code).toBe(4002);
  });

  it("accepts presence and voice state updates after IDENTIFY and ignores them", async () => {
    await start();
    const { client } = await identified();
    client.send({ op: 3, d: { since: null, activities: [], status: "idle", afk: false } });
    client.send({ op: 4, d: { guild_id: "1", channel_id: null, self_mute: false, self_deaf: false } });
    client.heartbeat();
    await client.waitForOp(GatewayOpcodes.HeartbeatAck);
    expect(client.closeEvent).toBeNull();
  });
});

describe("the send limit", () => {
  it("allows gatewaySendLimit frames per window and closes on the next with 4008", async () => {
    await start({ gatewaySendLimit: 5, gatewaySendWindowMs: 60_000 });
    const client = await connect();
    for (let sent = 0; sent < 5; sent++) client.heartbeat();
    await client.waitFor(
      () => client.frames.filter((frame) => frame.op === GatewayOpcodes.HeartbeatAck).length === 5,
    );
    expect(client.closeEvent).toBeNull();
    client.heartbeat();
    expect((await client.waitForClose()).code).toBe(4008);
  });
});

describe("zlib-stream transport compression", () => {
  it("sends every message as one binary frame ending in a sync flush, inflatable with one context", async () => {
    await start();
    const { client } = await identified({}, "v=10&encoding=json&compress=zlib-stream");
    await client.waitForDispatch("GUILD_CREATE");
    const [guild] = emulator.world.guilds.values();
    const [memberId] = [...guild!.members.keys()].filter((id) => id !== emulator.world.application.bot.id);
    emulator.world.setPresence(guild!.id, { user: { id: memberId! }, status: "idle" });
    const update = await client.waitForDispatch("PRESENCE_UPDATE");
    expect(update.d).toMatchObject({ user: { id: memberId }, status: "idle" });
    expect(client.messages.length).toBe(client.frames.length);
    for (const message of client.messages) {
      expect(message.binary).toBe(true);
      expect(message.data.subarray(-4).toString("hex")).toBe("0000ffff");
    }
    expect(client.frames.map((frame) => frame.t)).toEqual([null, "READY", "GUILD_CREATE", "PRESENCE_UPDATE"]);
  });
});

describe("IDENTIFY and RESUME close codes", () => {
  it("closes a wrong token with 4004, on IDENTIFY and on RESUME", async () => {
    await start();
    expect(await identifyCloseCode({ token: "not-the-token" })).toBe(4004);
    const client = await connect();
    client.resume("not-the-token", "0".repeat(32), 0);
    expect((await client.waitForClose()).code).toBe(4004);
    expect(emulator.gateway.counters().closes["server:4004"]).toBe(2);
  });

  it("closes a second IDENTIFY or a RESUME on an identified connection with 4005", async () => {
    await start();
    const token = () => emulator.world.application.botToken;
    const first = await identified();
    first.client.identify(token());
    expect((await first.client.waitForClose()).code).toBe(4005);
    const second = await identified();
    second.client.resume(token(), second.ready.d.session_id, 1);
    expect((await second.client.waitForClose()).code).toBe(4005);
  });

  it.each([
    ["an id equal to the count", [2, 2]],
    ["a zero count", [0, 0]],
    ["a negative id", [-1, 1]],
    ["a malformed shard", "0,1"],
  ])("closes %s with 4010", async (_, shard) => {
    await start();
    expect(await identifyCloseCode({ shard })).toBe(4010);
  });

  it("closes with 4011 when a shard would hold more than maxGuildsPerShard guilds", async () => {
    await start({ maxGuildsPerShard: 1 });
    // A guild on the other shard of two, so that with two shards each holds exactly one.
    const seededShard = Number((BigInt(emulator.world.guilds.keys().next().value!) >> 22n) % 2n);
    let id = snowflake(Date.UTC(2024, 5, 1), 0);
    for (let ms = 1; Number((BigInt(id) >> 22n) % 2n) === seededShard; ms++)
      id = snowflake(Date.UTC(2024, 5, 1) + ms, 0);
    emulator.world.createGuild({ id, name: "Second" });
    expect(await identifyCloseCode({ shard: [0, 1] })).toBe(4011);
    await identified({ shard: [0, 2] });
    await identified({ shard: [1, 2] });
  });

  it.each([
    ["an unknown bit", 1 << 17],
    ["a string", "3"],
    ["a fraction", 1.5],
    ["a negative number", -1],
    ["no intents", undefined],
  ])("closes %s as intents with 4013", async (_, intents) => {
    await start();
    expect(await identifyCloseCode({ intents })).toBe(4013);
  });

  it.each([
    ["GUILD_PRESENCES", GatewayIntentBits.GuildPresences],
    ["GUILD_MEMBERS", GatewayIntentBits.GuildMembers],
  ])("closes %s without its application flag with 4014", async (_, intent) => {
    await start();
    emulator.world.application.flags = 0;
    expect(await identifyCloseCode({ intents: GatewayIntentBits.Guilds | intent })).toBe(4014);
  });

  it("allows privileged intents with the 'limited' flags of an unverified application", async () => {
    await start();
    emulator.world.application.flags =
      ApplicationFlags.GatewayPresenceLimited | ApplicationFlags.GatewayGuildMembersLimited;
    const { ready } = await identified();
    expect(ready.d.application.flags).toBe(emulator.world.application.flags);
  });
});
