import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { KvWriteResult } from "../../durable-objects/user-presence/index.ts";
import { announceChanges } from "../../workers/hub-fanout.ts";
import { ingest, joined, monitored } from "./helpers.ts";
import {
  allHubs,
  connect,
  connected,
  eventually,
  left,
  status,
  type TestSocket,
  watchers,
} from "./socket-client.ts";

/** Lantern's dialect end to end: Worker → hub → user objects → ingest → hub → socket. */

const uid = (n: number) => `71000000000000${String(n).padStart(4, "0")}`;

/** A Lantern socket after INIT and its ack. */
async function initialised(d: Record<string, unknown>, hub?: string) {
  const socket = await connected("", { hub });
  socket.send({ op: 2, d });
  const ack = await socket.next();
  expect(ack).toMatchObject({ t: "INIT_ACK", op: 3 });
  return { socket, ack };
}

async function expectDisconnect(socket: TestSocket, code: number, error: string | RegExp) {
  const frame = await socket.next();
  expect(frame).toMatchObject({ t: "DISCONNECT", op: 9 });
  const d = frame.d as { error: string; reason: string };
  expect(d.error).toMatch(error);
  expect(d.reason).toBe(d.error);
  expect((await socket.closed).code).toBe(code);
}

describe("Lantern over the hub: INIT", () => {
  it("HELLO announces the heartbeat interval", async () => {
    const socket = await connect();
    expect(await socket.next()).toEqual({ t: "HELLO", op: 1, d: { heartbeat_interval: 30_000 } });
  });

  it("INIT user_id acks with the user object, user_ids with an array in request order", async () => {
    const [a, b] = [uid(1), uid(2)];
    await monitored(a, b);
    const single = await initialised({ user_id: a });
    expect(Array.isArray(single.ack.d)).toBe(false);
    expect(single.ack.d).toMatchObject({ metadata: { id: a, username: "user0" }, status: "online" });

    const list = await initialised({ user_ids: [b, a, b] });
    const users = list.ack.d as { metadata: { id: string } }[];
    expect(users.map((user) => user.metadata.id)).toEqual([b, a]);
  });

  it("users not monitored are named in an ERROR before the ack and never left watched", async () => {
    const [known, ghost1, ghost2] = [uid(10), uid(11), uid(12)];
    await monitored(known);
    const socket = await connected();
    socket.send({ op: 2, d: { user_ids: [ghost1, known, ghost2] } });
    expect(await socket.next()).toEqual({
      t: "ERROR",
      op: 11,
      d: `Users ${ghost1}, ${ghost2} are not being monitored by Porchlight.`,
    });
    const ack = await socket.next();
    expect((ack.d as { metadata: { id: string } }[]).map((user) => user.metadata.id)).toEqual([known]);
    expect(await watchers(known)).toHaveLength(1);
    await eventually(() => watchers(ghost1), []);
    await eventually(() => watchers(ghost2), []);
  });

  it("an INIT naming only unknown users ends with DISCONNECT and 4000", async () => {
    const ghost = uid(13);
    const socket = await connected();
    socket.send({ op: 2, d: { user_id: ghost } });
    await expectDisconnect(
      socket,
      4000,
      `User ${ghost} is not being monitored by Porchlight. No user left to watch. Connection closed.`,
    );
    expect((await socket.closed).reason).toBe(
      `User ${ghost} is not being monitored by Porchlight. No user left to watch. Connection closed.`,
    );
    await eventually(() => watchers(ghost), []);
  });

  it('INIT "All" and "ALL" ack with every monitored user; the cap refuses the next with 4010', async () => {
    const [a, b] = [uid(20), uid(21)];
    await monitored(a, b);
    const hub = "hub-6";
    const first = await initialised({ user_id: "All" }, hub);
    const second = await initialised({ user_id: "ALL" }, hub);
    for (const { ack } of [first, second]) {
      const ids = (ack.d as { metadata: { id: string } }[]).map((user) => user.metadata.id);
      expect(ids).toEqual(expect.arrayContaining([a, b]));
    }
    expect(await allHubs()).toContain(hub);

    const refused = await connected("", { hub });
    refused.send({ op: 2, d: { user_id: "all" } });
    await expectDisconnect(refused, 4010, "Subscribing to all users is not allowed on this server.");

    // A place frees up when an All socket leaves.
    first.socket.ws.close(1000);
    await eventually(async () => (await env.SOCKET_HUB.getByName(hub).stats()).all_sockets, 1);
    const third = await initialised({ user_id: "All" }, hub);
    for (const socket of [second.socket, third.socket]) socket.ws.close(1000);
    await eventually(async () => (await allHubs()).includes(hub), false);
  });

  it("SUBSCRIBE and UNSUBSCRIBE before INIT get ERROR; HEARTBEAT is answered", async () => {
    const socket = await connected();
    socket.send({ op: 12, d: { user_id: uid(1) } });
    expect(await socket.next()).toEqual({ t: "ERROR", op: 11, d: "Send INIT (op 2) first." });
    socket.send({ op: 14, d: { user_id: uid(1) } });
    expect(await socket.next()).toEqual({ t: "ERROR", op: 11, d: "Send INIT (op 2) first." });
    socket.send('{"op":4}');
    expect(await socket.next()).toEqual({ t: "HEARTBEAT_ACK", op: 5 });
    socket.send({ op: 4, d: null });
    expect(await socket.next()).toEqual({ t: "HEARTBEAT_ACK", op: 5 });
  });

  it("a second INIT gets ERROR and changes nothing", async () => {
    const [a, b] = [uid(30), uid(31)];
    await monitored(a, b);
    const { socket } = await initialised({ user_id: a });
    socket.send({ op: 2, d: { user_id: b } });
    expect(await socket.next()).toEqual({
      t: "ERROR",
      op: 11,
      d: "Already initialised: INIT is accepted once per socket; use SUBSCRIBE (op 12).",
    });
    await ingest([status(b, "dnd")]);
    await ingest([status(a, "idle")]);
    expect(await socket.next()).toMatchObject({ t: "PRESENCE_UPDATE", d: { metadata: { id: a } } });
    expect(await watchers(b)).toEqual([]);
  });
});

describe("Lantern over the hub: heartbeats and updates", () => {
  it('answers the exact {"op":4} (runtime auto-response) and other spellings (the hub)', async () => {
    const a = uid(40);
    await monitored(a);
    const { socket } = await initialised({ user_id: a });
    for (const frame of ['{"op":4}', { op: 4, d: null }, { t: "HEARTBEAT", op: 4 }]) {
      socket.send(frame);
      expect(await socket.next()).toEqual({ t: "HEARTBEAT_ACK", op: 5 });
    }
  });

  it("PRESENCE_UPDATE carries the whole user after each change, in order", async () => {
    const a = uid(41);
    await monitored(a);
    const { socket } = await initialised({ user_id: a });
    for (const value of ["idle", "dnd", "offline", "online"] as const) {
      await ingest([status(a, value)]);
      const frame = await socket.next();
      expect(frame).toMatchObject({ t: "PRESENCE_UPDATE", op: 6, d: { metadata: { id: a }, status: value } });
    }
  });

  it("USER_LEFT goes out; when the last user leaves, DISCONNECT and 4000; nothing stays watched", async () => {
    const [a, b] = [uid(50), uid(51)];
    await monitored(a, b);
    const { socket } = await initialised({ user_ids: [a, b] });
    await ingest([left(a)]);
    expect(await socket.next()).toEqual({ t: "USER_LEFT", op: 7, d: { user_id: a } });
    await ingest([status(b, "idle")]);
    expect(await socket.next()).toMatchObject({ t: "PRESENCE_UPDATE", d: { metadata: { id: b } } });
    await eventually(() => watchers(a), []);

    await ingest([left(b)]);
    expect(await socket.next()).toEqual({ t: "USER_LEFT", op: 7, d: { user_id: b } });
    await expectDisconnect(socket, 4000, "There is no user to monitor anymore.");
    await eventually(() => watchers(b), []);
  });

  it("an All socket hears USER_JOINED, PRESENCE_UPDATE and USER_LEFT of anyone, and stays open", async () => {
    const hub = "hub-7";
    const { socket } = await initialised({ user_id: "All" }, hub);
    const newcomer = uid(60);
    await ingest([joined(newcomer, "newcomer")]);
    expect(await socket.next()).toMatchObject({
      t: "USER_JOINED",
      op: 8,
      d: { metadata: { id: newcomer, username: "newcomer" } },
    });
    await ingest([status(newcomer, "dnd")]);
    expect(await socket.next()).toMatchObject({ t: "PRESENCE_UPDATE", d: { status: "dnd" } });
    await ingest([left(newcomer)]);
    expect(await socket.next()).toEqual({ t: "USER_LEFT", op: 7, d: { user_id: newcomer } });
    socket.send('{"op":4}');
    expect(await socket.next()).toEqual({ t: "HEARTBEAT_ACK", op: 5 });
    // An All socket never registers with users' objects: the directory routes changes to it.
    expect(await watchers(newcomer)).toEqual([]);

    socket.ws.close(1000);
    await eventually(async () => (await allHubs()).includes(hub), false);
  });
});

describe("Lantern over the hub: key-value writes", () => {
  it("a write goes out as STORAGE_UPDATE (Lantern) and PRESENCE_UPDATE with kv (Lanyard)", async () => {
    const a = uid(66);
    await monitored(a);
    const { socket: lantern } = await initialised({ user_id: a });
    const lanyard = await connected();
    lanyard.send({ op: 2, d: { subscribe_to_id: a } });
    expect(await lanyard.next()).toMatchObject({ t: "INIT_STATE", d: { kv: {} } });

    // As the key-value routes do: the write in the user's object, then the hubs told.
    const written: unknown = await env.USER_PRESENCE.getByName(a).writeKv(
      { owner: true },
      { kind: "set", key: "mood", value: "sunny" },
    );
    const result = written as KvWriteResult;
    expect(result.ok).toBe(true);
    await announceChanges(env, [result as Extract<KvWriteResult, { ok: true }>]);
    expect(await lantern.next()).toMatchObject({
      t: "STORAGE_UPDATE",
      op: 10,
      d: { metadata: { id: a }, storage: { mood: "sunny" } },
    });
    expect(await lanyard.next()).toMatchObject({
      t: "PRESENCE_UPDATE",
      d: { user_id: a, kv: { mood: "sunny" } },
    });

    // A presence change after it still arrives, carrying the pair.
    await ingest([status(a, "idle")]);
    expect(await lantern.next()).toMatchObject({
      t: "PRESENCE_UPDATE",
      d: { status: "idle", storage: { mood: "sunny" } },
    });
  });
});

describe("Lantern over the hub: id and All sockets together", () => {
  it("a hub both watching a user and following All sends each socket one frame", async () => {
    const a = uid(65);
    await monitored(a);
    const hub = "hub-4";
    const byId = await initialised({ user_id: a }, hub);
    const all = await initialised({ user_id: "All" }, hub);
    expect(await watchers(a)).toEqual([hub]);
    expect(await allHubs()).toContain(hub);
    await ingest([status(a, "dnd")]);
    expect(await byId.socket.next()).toMatchObject({ t: "PRESENCE_UPDATE", d: { status: "dnd" } });
    expect(await all.socket.next()).toMatchObject({ t: "PRESENCE_UPDATE", d: { status: "dnd" } });
    await byId.socket.silent();
    expect(all.socket.pending()).toBe(0);
    all.socket.ws.close(1000);
    await eventually(async () => (await allHubs()).includes(hub), false);
  });
});

describe("Lantern over the hub: SUBSCRIBE and UNSUBSCRIBE", () => {
  it("SUBSCRIBE acks with the added users' data (object for user_id, array for user_ids)", async () => {
    const [a, b, c] = [uid(70), uid(71), uid(72)];
    await monitored(a, b, c);
    const { socket } = await initialised({ user_id: a });
    socket.send({ op: 12, d: { user_id: b } });
    const one = await socket.next();
    expect(one).toMatchObject({ t: "SUBSCRIBE_ACK", op: 13, d: { metadata: { id: b } } });
    expect(Array.isArray(one.d)).toBe(false);
    socket.send({ op: 12, d: { user_ids: [c] } });
    const many = await socket.next();
    expect(many).toMatchObject({ t: "SUBSCRIBE_ACK", op: 13, d: [{ metadata: { id: c } }] });

    await ingest([status(c, "idle")]);
    expect(await socket.next()).toMatchObject({ t: "PRESENCE_UPDATE", d: { metadata: { id: c } } });

    socket.send({ op: 12, d: { user_ids: [b, c] } });
    expect(await socket.next()).toEqual({
      t: "ERROR",
      op: 11,
      d: `You are already subscribed to users ${b}, ${c}.`,
    });
  });

  it("SUBSCRIBE to a user not monitored: ERROR names them, nothing acked, nothing watched", async () => {
    const [a, ghost] = [uid(73), uid(74)];
    await monitored(a);
    const { socket } = await initialised({ user_id: a });
    socket.send({ op: 12, d: { user_id: ghost } });
    expect(await socket.next()).toEqual({
      t: "ERROR",
      op: 11,
      d: `User ${ghost} is not being monitored by Porchlight.`,
    });
    await socket.silent();
    await eventually(() => watchers(ghost), []);
  });

  it("SUBSCRIBE All while on ids moves the socket to All and stops watching the ids", async () => {
    const [a, b] = [uid(75), uid(76)];
    await monitored(a, b);
    const hub = "hub-5";
    const { socket } = await initialised({ user_id: a }, hub);
    expect(await watchers(a)).toEqual([hub]);
    socket.send({ op: 12, d: { user_id: "All" } });
    const ack = await socket.next();
    expect(ack).toMatchObject({ t: "SUBSCRIBE_ACK", op: 13 });
    expect((ack.d as { metadata: { id: string } }[]).map((u) => u.metadata.id)).toEqual(
      expect.arrayContaining([a, b]),
    );
    await eventually(() => watchers(a), []);
    await ingest([status(b, "dnd")]);
    expect(await socket.next()).toMatchObject({ t: "PRESENCE_UPDATE", d: { metadata: { id: b } } });
    socket.send({ op: 12, d: { user_id: b } });
    expect(await socket.next()).toEqual({
      t: "ERROR",
      op: 11,
      d: "You are already subscribed to all users.",
    });
    socket.send({ op: 14, d: { user_id: a } });
    expect(await socket.next()).toEqual({
      t: "ERROR",
      op: 11,
      d: 'You are subscribed to all users; unsubscribe from "All" to stop.',
    });
    socket.send({ op: 14, d: { user_id: "All" } });
    await expectDisconnect(socket, 4000, "You unsubscribed from every user. Connection closed.");
    await eventually(async () => (await allHubs()).includes(hub), false);
  });

  it("INIT → update → UNSUBSCRIBE: nothing more arrives and the hub stops watching the user", async () => {
    const [a, b] = [uid(80), uid(81)];
    await monitored(a, b);
    const { socket } = await initialised({ user_ids: [a, b] });
    const [hub] = await watchers(a);
    expect(await watchers(b)).toEqual([hub]);
    await ingest([status(a, "idle")]);
    expect(await socket.next()).toMatchObject({ t: "PRESENCE_UPDATE", d: { metadata: { id: a } } });

    socket.send({ op: 14, d: { user_id: a } });
    expect(await socket.next()).toEqual({ t: "UNSUBSCRIBE_ACK", op: 15 });
    await eventually(() => watchers(a), []);
    await ingest([status(a, "dnd")]);
    await ingest([status(b, "dnd")]);
    // b's update arriving after a's ingest shows a's change was not sent.
    expect(await socket.next()).toMatchObject({ t: "PRESENCE_UPDATE", d: { metadata: { id: b } } });
    expect(await watchers(b)).toEqual([hub]);

    socket.send({ op: 14, d: { user_ids: [a] } });
    expect(await socket.next()).toEqual({ t: "ERROR", op: 11, d: `You are not subscribed to user ${a}.` });
    socket.send({ op: 14, d: { user_ids: [b] } });
    await expectDisconnect(
      socket,
      4000,
      "You require at least one user to be subscribed. Connection closed.",
    );
    await eventually(() => watchers(b), []);
  });
});
