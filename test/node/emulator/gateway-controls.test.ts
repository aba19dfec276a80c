import { GatewayOpcodes } from "discord-api-types/v10";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RECONNECT_GRACE_MS } from "../../../emulator/gateway/gateway.ts";
import { type Emulator, startEmulator } from "../../../emulator/server.ts";
import { closeAll, GatewayClient, identifiedClient, RAW_CLIENT_CONFIG } from "./gateway-client.ts";

// The Gateway methods behind /_emulator/shards/:id/...: op 7, op 9, chosen close codes and dropped
// ACKs, what each does to the session, and what shards() and counters() report.

let emulator: Emulator;
const clients: GatewayClient[] = [];

beforeEach(async () => {
  emulator = await startEmulator({ ...RAW_CLIENT_CONFIG });
});

afterEach(async () => {
  await closeAll(clients);
  await emulator.close();
});

async function identified(fields: Record<string, unknown> = {}) {
  const result = await identifiedClient(emulator, fields);
  clients.push(result.client);
  return result;
}

async function resumeOnNewConnection(sessionId: string, seq: number): Promise<GatewayClient> {
  const client = await GatewayClient.connect(emulator.urls.resumeGateway);
  clients.push(client);
  client.resume(emulator.world.application.botToken, sessionId, seq);
  return client;
}

describe("reconnect", () => {
  it("sends op 7 and, if the client stays, closes with 4000 after the grace period; the session survives", async () => {
    const { client, ready } = await identified();
    expect(emulator.gateway.reconnect(0)).toBe(1);
    expect((await client.waitForOp(GatewayOpcodes.Reconnect)).d).toBeNull();
    expect((await client.waitForClose(RECONNECT_GRACE_MS + 10_000)).code).toBe(4000);
    const resumed = await resumeOnNewConnection(ready.d.session_id, 2);
    await resumed.waitForDispatch("RESUMED");
  });

  it("acts on no connection for a shard nobody holds", async () => {
    await identified({ shard: [0, 2] });
    expect(emulator.gateway.reconnect(1)).toBe(0);
    expect(emulator.gateway.invalidate(1, true)).toBe(0);
    expect(emulator.gateway.close(1, 4000)).toBe(0);
    expect(emulator.gateway.dropAcks(1)).toBe(0);
  });
});

describe("ignore_resume", () => {
  it("reads RESUME and never answers it, as some gateways do, until switched off", async () => {
    const { client, ready } = await identified();
    await client.close(4321);
    emulator.config.ignoreResume = true;
    const ignored = await resumeOnNewConnection(ready.d.session_id, 2);
    await new Promise((resolve) => setTimeout(resolve, 300));
    // HELLO only: no replay, no RESUMED, no op 9, and the socket stays open for heartbeats.
    expect(ignored.frames.map((frame) => frame.op)).toEqual([GatewayOpcodes.Hello]);
    expect(emulator.gateway.counters()).toMatchObject({ resumes: 1, resumes_ignored: 1, resumed: 0 });
    emulator.config.ignoreResume = false;
    const answered = await resumeOnNewConnection(ready.d.session_id, 2);
    await answered.waitForDispatch("RESUMED");
  });
});

describe("invalidate", () => {
  it("with resumable=true sends op 9 true and takes a RESUME on the same socket", async () => {
    const { client, ready } = await identified();
    expect(emulator.gateway.invalidate(0, true)).toBe(1);
    expect((await client.waitForOp(GatewayOpcodes.InvalidSession)).d).toBe(true);
    expect(emulator.gateway.shards()[0]!.status).toBe("disconnected");
    client.resume(emulator.world.application.botToken, ready.d.session_id, 2);
    await client.waitForDispatch("RESUMED");
    expect(emulator.gateway.shards()[0]!.status).toBe("connected");
  });

  it("with resumable=false sends op 9 false, ends the session and takes an IDENTIFY on the same socket", async () => {
    const { client, ready } = await identified();
    expect(emulator.gateway.invalidate(0, false)).toBe(1);
    expect((await client.waitForOp(GatewayOpcodes.InvalidSession)).d).toBe(false);
    expect(emulator.gateway.shards()).toEqual([]);
    const from = client.frames.length;
    client.identify(emulator.world.application.botToken);
    const next = await client.waitFor((f) => f.t === "READY", { from });
    expect(next.d.session_id).not.toBe(ready.d.session_id);
    expect(emulator.gateway.counters().invalid_sessions).toBe(1);
  });
});

describe("close", () => {
  it.each([
    [4000, true],
    [3999, true],
    [4009, false],
    [4004, false],
  ])("closes with %i; the session stays resumable: %s", async (code, resumable) => {
    const { client, ready } = await identified();
    expect(emulator.gateway.close(0, code)).toBe(1);
    expect((await client.waitForClose()).code).toBe(code);
    expect(emulator.gateway.counters().closes[`server:${code}`]).toBe(1);
    const next = await resumeOnNewConnection(ready.d.session_id, 2);
    const answer = await next.waitFor((f) => f.op === GatewayOpcodes.InvalidSession || f.t === "RESUMED");
    expect(answer.t === "RESUMED").toBe(resumable);
  });

  it.each([999, 1004, 1005, 1006, 1015, 2999, 5000, 4000.5])(
    "refuses %d, which no close frame may carry",
    async (code) => {
      await identified();
      expect(() => emulator.gateway.close(0, code)).toThrow(RangeError);
    },
  );
});

describe("dropAcks", () => {
  it("stops ACKs on the current connection only; a resumed connection is answered again", async () => {
    const { client, ready } = await identified();
    expect(emulator.gateway.dropAcks(0)).toBe(1);
    expect(emulator.gateway.shards()[0]!.acks_dropped).toBe(true);
    client.heartbeat();
    // A heartbeat is counted before it would be answered, and frames are handled in order: once the
    // identify below is refused (4005), the heartbeat has been handled without an ACK.
    client.identify(emulator.world.application.botToken);
    expect((await client.waitForClose()).code).toBe(4005);
    expect(client.frames.some((frame) => frame.op === GatewayOpcodes.HeartbeatAck)).toBe(false);
    expect(emulator.gateway.counters().heartbeats).toBe(1);

    const resumed = await resumeOnNewConnection(ready.d.session_id, 2);
    await resumed.waitForDispatch("RESUMED");
    resumed.heartbeat();
    await resumed.waitForOp(GatewayOpcodes.HeartbeatAck);
    expect(emulator.gateway.shards()[0]!.acks_dropped).toBe(false);
  });
});

describe("introspection", () => {
  it("lists sessions with their state and counts closes by who closed", async () => {
    const { client, ready } = await identified({ shard: [0, 1], large_threshold: 100 });
    expect(emulator.gateway.shards()).toEqual([
      {
        session_id: ready.d.session_id,
        shard_id: 0,
        shard_count: 1,
        intents: 259,
        seq: 2,
        status: "connected",
        connected_via: "gateway",
        buffered: 2,
        large_threshold: 100,
        acks_dropped: false,
        identified_at: expect.any(Number),
        presence: null,
      },
    ]);
    await client.close(4321);
    expect(emulator.gateway.shards()[0]).toMatchObject({ status: "disconnected", connected_via: null });
    expect(emulator.gateway.counters()).toMatchObject({
      connections: 1,
      identifies: 1,
      dispatches: 2,
      closes: { "client:4321": 1 },
    });
  });

  it("closes every connection with 1001 on shutdown and forgets every session", async () => {
    const { client } = await identified();
    await emulator.gateway.shutdown();
    expect((await client.waitForClose()).code).toBe(1001);
    expect(emulator.gateway.shards()).toEqual([]);
  });
});
