import { randomBytes } from "node:crypto";
import { connect as connectTcp } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSocket, type SocketClient, socketStats } from "../../../bench/lib/socket-client.ts";
import { type InProcessStack, markedPresence, startInProcessStack } from "../../../bench/lib/stack.ts";
import { SEED_MEMBERS } from "../../../emulator/seed.ts";

/**
 * /socket end to end over real sockets: a change made on Discord (the emulator, in this process)
 * goes through the gateway runner and the Worker under wrangler dev to sockets opened from Node,
 * in both dialects. Frames are awaited with generous timeouts; the only times checked are the INIT
 * timeout's, against bounds seconds wide.
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

describe("All, on the settings npm start runs with", () => {
  // The stack's Worker gets what scripts/start.ts gives it (workerVarsFor, wrangler.toml's vars).
  it("Lantern's INIT All and Lanyard's subscribe_to_all are acknowledged with every monitored user", async () => {
    // Linus left the guild in a test above.
    const members = SEED_MEMBERS.map((member) => member.id).filter((id) => id !== SEED_MEMBERS[2]!.id);
    const lantern = await connect();
    lantern.send({ op: 2, d: { user_id: "All" } });
    const ack = await lantern.next();
    expect(ack).toMatchObject({ t: "INIT_ACK", op: 3 });
    const lanternIds = (ack.d as { metadata: { id: string } }[]).map((user) => user.metadata.id);
    expect(lanternIds).toEqual(expect.arrayContaining(members));

    const lanyard = await connect();
    lanyard.send({ op: 2, d: { subscribe_to_all: true } });
    const state = await lanyard.next();
    expect(state).toMatchObject({ op: 0, t: "INIT_STATE" });
    expect(Object.keys(state.d as object)).toEqual(expect.arrayContaining(members));
  });
});

/** What a raw connection saw of its end: the close frame's code and when it came, and when the TCP connection ended. */
interface Ending {
  code: number | null;
  /** Milliseconds from just before connecting. */
  frameAt: number | null;
  endAt: number | null;
}

/**
 * One /socket connection over a bare TCP socket (the WebSocket handshake and frames by hand), so
 * the close frame and the end of the connection are seen apart: a WebSocket client reports only
 * the latter. Sends `first` (masked, as a client must) once HELLO has come, then nothing but its
 * reply to the server's close. Gives up waiting for the end after `waitMs`.
 */
function rawEnding(workerUrl: string, first: string | null, waitMs: number): Promise<Ending> {
  const { hostname, port } = new URL(workerUrl);
  const started = performance.now();
  const ending: Ending = { code: null, frameAt: null, endAt: null };
  return new Promise((resolve, reject) => {
    const socket = connectTcp({ host: hostname, port: Number(port) });
    const giveUp = setTimeout(() => {
      socket.destroy();
      resolve(ending);
    }, waitMs);
    let upgraded = false;
    let buffered = Buffer.alloc(0);
    socket.on("connect", () => {
      const key = randomBytes(16).toString("base64");
      socket.write(
        `GET /socket HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    socket.on("data", (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (!upgraded) {
        const headersEnd = buffered.indexOf("\r\n\r\n");
        if (headersEnd < 0) return;
        if (!buffered.subarray(0, 12).toString().includes(" 101")) {
          reject(new Error(`no upgrade: ${buffered.subarray(0, headersEnd)}`));
          socket.destroy();
          return;
        }
        upgraded = true;
        buffered = buffered.subarray(headersEnd + 4);
      }
      // Server frames are unmasked; these (HELLO, the close) are short enough for a 7-bit length.
      while (buffered.length >= 2 && buffered.length >= 2 + (buffered[1]! & 0x7f)) {
        const opcode = buffered[0]! & 0x0f;
        const payload = buffered.subarray(2, 2 + (buffered[1]! & 0x7f));
        buffered = buffered.subarray(2 + payload.length);
        if (opcode === 0x1 && first !== null && payload.toString().includes('"HELLO"')) {
          socket.write(clientFrame(0x1, Buffer.from(first)));
        } else if (opcode === 0x8) {
          ending.frameAt = performance.now() - started;
          ending.code = payload.length >= 2 ? payload.readUInt16BE(0) : null;
          socket.write(clientFrame(0x8, payload.subarray(0, 2)));
        }
      }
    });
    socket.on("close", () => {
      ending.endAt = performance.now() - started;
      clearTimeout(giveUp);
      resolve(ending);
    });
    socket.on("error", () => {});
  });
}

function clientFrame(opcode: number, payload: Buffer): Buffer {
  const mask = randomBytes(4);
  const masked = Buffer.from(payload.map((byte, i) => byte ^ mask[i % 4]!));
  return Buffer.concat([Buffer.from([0x80 | opcode, 0x80 | payload.length]), mask, masked]);
}

describe("an INIT timeout (10 s) ends the whole connection", () => {
  const SOCKETS = 8;
  /** Well before any other deadline (a heartbeat's is 60 s) and far from the 10 s of the INIT timeout. */
  const BY = 15_000;
  let endings: Promise<{ spoke: Ending[]; silent: Ending[] }>;
  beforeAll(() => {
    // All at once: both groups' 10 s run side by side.
    const group = (first: string | null) =>
      Promise.all(Array.from({ length: SOCKETS }, () => rawEnding(stack.worker.url, first, BY + 500)));
    endings = Promise.all([group('{"op":4}'), group(null)]).then(([spoke, silent]) => ({ spoke, silent }));
  });

  it("gives close 4001 no earlier than 10 s, and the connection ends by 15 s once the client has sent a frame", async () => {
    const { spoke, silent } = await endings;
    for (const ending of [...spoke, ...silent]) {
      expect(ending.code).toBe(4001);
      expect(ending.frameAt).toBeGreaterThanOrEqual(10_000);
      expect(ending.frameAt).toBeLessThan(BY);
    }
    // The exact heartbeat is answered by the runtime and never reaches the hub: the hub's side of
    // these sockets is the same as a silent one's.
    for (const ending of spoke) expect(ending.endAt).toBeLessThan(BY);
  }, 30_000);

  // workerd's quirk, not the hub's (see the SocketHub class comment): a hibernatable socket that
  // never received a frame keeps its connection after the closing handshake until the hub goes
  // idle. Marked as failing so that the day workerd ends it with the close, this test says so.
  it.fails("a socket that never sent a frame also ends by 15 s (workerd holds it until the hub idles)", async () => {
    const { silent } = await endings;
    for (const ending of silent) expect(ending.endAt).toBeLessThan(BY);
  }, 30_000);
});
