import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSocket, type SocketClient, socketStats } from "../../../bench/lib/socket-client.ts";
import { type InProcessStack, markedPresence, startInProcessStack } from "../../../bench/lib/stack.ts";
import { SEED_MEMBERS } from "../../../emulator/seed.ts";

/**
 * /socket end to end over real sockets: a change made on Discord (the emulator, in this process)
 * goes through the gateway runner and the Worker under wrangler dev to sockets opened from Node,
 * in both dialects. Frames are awaited with generous timeouts; nothing here is timed.
 */

let stack: InProcessStack;
const opened: SocketClient[] = [];

beforeAll(async () => {
  stack = await startInProcessStack({ users: 10, seed: 11, heartbeatIntervalMs: 2_000 });
}, 150_000);

afterAll(async () => {
  await Promise.all(opened.map((socket) => socket.close()));
  await stack?.stop();
});

async function connect(query = ""): Promise<SocketClient> {
  const socket = await openSocket(stack.worker.url, query);
  opened.push(socket);
  expect(await socket.next()).toEqual({ t: "HELLO", op: 1, d: { heartbeat_interval: 30_000 } });
  return socket;
}

const carries = (marker: string) => (frame: { d?: unknown }) => JSON.stringify(frame.d).includes(marker);

describe("emulator → runner → Worker → /socket", () => {
  it("a presence change reaches a Lantern, a Lanyard and a zlib_json Lanyard socket", async () => {
    const ada = SEED_MEMBERS[0]!.id;
    const lantern = await connect();
    lantern.send({ op: 2, d: { user_id: ada } });
    const ack = await lantern.next();
    expect(ack).toMatchObject({ t: "INIT_ACK", op: 3, d: { metadata: { id: ada } } });

    const lanyard = await connect();
    lanyard.send({ op: 2, d: { subscribe_to_id: ada } });
    expect(await lanyard.next()).toMatchObject({ op: 0, t: "INIT_STATE", d: { discord_user: { id: ada } } });

    const zlib = await connect("?compression=zlib_json");
    zlib.send({ op: 2, d: { subscribe_to_id: ada } });
    expect(await zlib.next()).toMatchObject({ op: 0, t: "INIT_STATE", d: { discord_user: { id: ada } } });

    stack.emulator.world.setPresence(stack.guildId, markedPresence(ada, "e2e-socket-marker", "dnd"));

    const update = await lantern.next(carries("e2e-socket-marker"));
    expect(update).toMatchObject({
      t: "PRESENCE_UPDATE",
      op: 6,
      d: { metadata: { id: ada }, status: "dnd" },
    });
    for (const socket of [lanyard, zlib]) {
      const frame = await socket.next(carries("e2e-socket-marker"));
      expect(frame).toMatchObject({
        op: 0,
        t: "PRESENCE_UPDATE",
        d: { user_id: ada, discord_status: "dnd", discord_user: { id: ada } },
      });
    }
    // The compressed socket's frames came binary (deflated; inflated by the client), the others' as text.
    expect(zlib.binaryFrames()).toBe(zlib.frames.length);
    expect(lanyard.binaryFrames()).toBe(0);
  });

  it('answers the exact heartbeat {"op":4} with HEARTBEAT_ACK, before and after INIT', async () => {
    const socket = await connect();
    socket.send('{"op":4}');
    expect(await socket.next()).toEqual({ t: "HEARTBEAT_ACK", op: 5 });
    socket.send({ op: 2, d: { user_id: SEED_MEMBERS[1]!.id } });
    expect(await socket.next()).toMatchObject({ t: "INIT_ACK", op: 3 });
    socket.send('{"op":4}');
    expect(await socket.next()).toEqual({ t: "HEARTBEAT_ACK", op: 5 });
    expect(socket.frames.at(-1)).toBe('{"t":"HEARTBEAT_ACK","op":5}');
  });

  it("a member leaving the guild gives the Lantern socket USER_LEFT, DISCONNECT and close 4000", async () => {
    const linus = SEED_MEMBERS[2]!.id;
    const socket = await connect();
    socket.send({ op: 2, d: { user_id: linus } });
    expect(await socket.next()).toMatchObject({ t: "INIT_ACK", op: 3, d: { metadata: { id: linus } } });

    stack.emulator.world.removeMember(stack.guildId, linus);

    expect(await socket.next()).toEqual({ t: "USER_LEFT", op: 7, d: { user_id: linus } });
    expect(await socket.next()).toMatchObject({ t: "DISCONNECT", op: 9 });
    expect((await socket.closed).code).toBe(4000);
  });

  it("GET /ingest/sockets is signed and counts the sockets per hub", async () => {
    expect((await fetch(`${stack.worker.url}/ingest/sockets`)).status).toBe(401);
    const hubs = await socketStats(stack.worker.url, stack.secret);
    expect(hubs.length).toBeGreaterThan(0);
    // ada's three sockets and the heartbeat test's socket are still open (linus's closed).
    expect(hubs.reduce((sum, hub) => sum + hub.sockets, 0)).toBe(4);
    for (const hub of hubs) expect(hub.events.opens).toBeGreaterThanOrEqual(hub.sockets);
  });
});
