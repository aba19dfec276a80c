import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
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

/** Lanyard's dialect end to end: Worker → hub → user objects → ingest → hub → socket. */

const uid = (n: number) => `72000000000000${String(n).padStart(4, "0")}`;

/** A Lanyard socket after op 2 and its INIT_STATE. */
async function subscribed(d: Record<string, unknown>, query = "", hub?: string) {
  const socket = await connected(query, { hub });
  socket.send({ op: 2, d });
  const state = await socket.next();
  expect(state).toMatchObject({ op: 0, t: "INIT_STATE" });
  return { socket, state: state.d as Record<string, unknown> };
}

async function expectClose(socket: TestSocket, code: number, reason: string) {
  expect(await socket.closed).toEqual({ code, reason });
  // Lanyard sockets get the close alone, no frame before it.
  expect(socket.pending()).toBe(0);
}

describe("Lanyard over the hub: op 2", () => {
  it("INIT sent before HELLO is read: HELLO, then INIT_STATE with the presence", async () => {
    const a = uid(1);
    await monitored(a);
    const socket = await connect();
    socket.send({ op: 2, d: { subscribe_to_id: a } });
    expect(await socket.next()).toEqual({ t: "HELLO", op: 1, d: { heartbeat_interval: 30_000 } });
    const state = await socket.next();
    expect(state).toMatchObject({
      op: 0,
      t: "INIT_STATE",
      d: { discord_user: { id: a, username: "user0" }, discord_status: "online", kv: {} },
    });
    // subscribe_to_id's state is the presence itself, without user_id.
    expect(state.d).not.toHaveProperty("user_id");
  });

  it("subscribe_to_id of a user not monitored: {} and nothing left watched", async () => {
    const ghost = uid(2);
    const { socket, state } = await subscribed({ subscribe_to_id: ghost });
    expect(state).toEqual({});
    await eventually(() => watchers(ghost), []);
    // The socket stays open with nothing subscribed, as Lanyard's does.
    socket.send({ op: 3 });
    await socket.silent();
    expect(socket.isClosed()).toBe(false);
  });

  it("subscribe_to_ids maps id → presence, leaving out users not monitored", async () => {
    const [a, b, ghost] = [uid(3), uid(4), uid(5)];
    await monitored(a, b);
    const { state } = await subscribed({ subscribe_to_ids: [b, ghost, a] });
    expect(Object.keys(state).sort()).toEqual([a, b]);
    expect(state[a]).toMatchObject({ discord_user: { id: a } });
    await eventually(() => watchers(ghost), []);
    expect(await watchers(a)).toHaveLength(1);
  });

  it("an id that is not a Discord id closes with 4006, the reason naming it; nothing is watched", async () => {
    const a = uid(12);
    await monitored(a);
    const { socket } = await subscribed({ subscribe_to_id: a });
    socket.send({ op: 2, d: { subscribe_to_ids: [a, "12345"] } });
    await expectClose(
      socket,
      4006,
      "invalid_user_id: subscribe_to_ids.1: must be a Discord id (17 to 20 digits)",
    );
    await eventually(() => watchers(a), []);
  });

  it("op 2 is repeatable: each adds to the subscription and gets its own INIT_STATE", async () => {
    const [a, b] = [uid(6), uid(7)];
    await monitored(a, b);
    const { socket } = await subscribed({ subscribe_to_id: a });
    socket.send({ op: 2, d: { subscribe_to_ids: [b] } });
    expect(await socket.next()).toMatchObject({
      op: 0,
      t: "INIT_STATE",
      d: { [b]: { discord_user: { id: b } } },
    });
    await ingest([status(a, "idle")]);
    expect(await socket.next()).toMatchObject({ t: "PRESENCE_UPDATE", d: { user_id: a } });
    await ingest([status(b, "idle")]);
    expect(await socket.next()).toMatchObject({ t: "PRESENCE_UPDATE", d: { user_id: b } });
  });

  it("subscribe_to_all: every monitored user, joins as PRESENCE_UPDATE; over the cap 4010", async () => {
    const a = uid(8);
    await monitored(a);
    const hub = "hub-3";
    const first = await subscribed({ subscribe_to_all: true }, "", hub);
    expect(first.state[a]).toMatchObject({ discord_user: { id: a } });
    const second = await subscribed({ subscribe_to_all: true }, "", hub);

    const newcomer = uid(9);
    await ingest([joined(newcomer, "newcomer")]);
    for (const { socket } of [first, second]) {
      expect(await socket.next()).toMatchObject({
        op: 0,
        t: "PRESENCE_UPDATE",
        d: { user_id: newcomer, discord_user: { username: "newcomer" } },
      });
    }
    // A user leaving sends nothing, as in Lanyard.
    await ingest([left(newcomer)]);
    await first.socket.silent();

    const refused = await connected("", { hub });
    refused.send({ op: 2, d: { subscribe_to_all: true } });
    await expectClose(refused, 4010, "all_not_allowed");

    for (const { socket } of [first, second]) socket.ws.close(1000);
    await eventually(async () => (await allHubs()).includes(hub), false);
  });
});

describe("Lanyard over the hub: moving between ids and all", () => {
  it("ids then all: the ids are no longer watched; an id while on all is acked but not watched", async () => {
    const [a, b] = [uid(10), uid(11)];
    await monitored(a, b);
    const hub = "hub-5";
    const { socket } = await subscribed({ subscribe_to_id: a }, "", hub);
    expect(await watchers(a)).toEqual([hub]);
    socket.send({ op: 2, d: { subscribe_to_all: true } });
    const all = await socket.next();
    expect(Object.keys(all.d as object)).toEqual(expect.arrayContaining([a, b]));
    await eventually(() => watchers(a), []);

    socket.send({ op: 2, d: { subscribe_to_id: b } });
    expect(await socket.next()).toMatchObject({ t: "INIT_STATE", d: { discord_user: { id: b } } });
    expect(await watchers(b)).toEqual([]);
    // Ids are ignored while on all; unsubscribe_from_all ends it.
    socket.send({ op: 4, d: { unsubscribe_from_id: b } });
    await ingest([status(b, "idle")]);
    expect(await socket.next()).toMatchObject({ t: "PRESENCE_UPDATE", d: { user_id: b } });
    socket.send({ op: 4, d: { unsubscribe_from_all: true } });
    await eventually(async () => (await allHubs()).includes(hub), false);
    await ingest([status(b, "dnd")]);
    await socket.silent();
  });
});

describe("Lanyard over the hub: updates, heartbeat, unsubscribe", () => {
  it("PRESENCE_UPDATE carries the presence and user_id; op 3 gets no answer", async () => {
    const a = uid(20);
    await monitored(a);
    const { socket } = await subscribed({ subscribe_to_id: a });
    socket.send({ op: 3 });
    await ingest([status(a, "dnd")]);
    // The update is the next frame: the heartbeat was not answered.
    expect(await socket.next()).toMatchObject({
      op: 0,
      t: "PRESENCE_UPDATE",
      d: { user_id: a, discord_status: "dnd", active_on_discord_desktop: true },
    });
  });

  it("INIT → update → op 4 unsubscribe: nothing more arrives and the hub stops watching", async () => {
    const [a, b] = [uid(30), uid(31)];
    await monitored(a, b);
    const { socket } = await subscribed({ subscribe_to_ids: [a, b] });
    const [hub] = await watchers(a);
    await ingest([status(a, "idle")]);
    expect(await socket.next()).toMatchObject({ t: "PRESENCE_UPDATE", d: { user_id: a } });

    socket.send({ op: 4, d: { unsubscribe_from_id: a } });
    await eventually(() => watchers(a), []);
    await ingest([status(a, "dnd")]);
    await ingest([status(b, "dnd")]);
    expect(await socket.next()).toMatchObject({ t: "PRESENCE_UPDATE", d: { user_id: b } });
    expect(await watchers(b)).toEqual([hub]);

    // op 4 without d does nothing (and gets no answer); unsubscribe_from_all drops the rest.
    socket.send({ op: 4, d: null });
    socket.send({ op: 4, d: { unsubscribe_from_all: true } });
    await eventually(() => watchers(b), []);
    await ingest([status(b, "online")]);
    await socket.silent();
    expect(socket.isClosed()).toBe(false);
  });

  it("a user leaving sends nothing and is dropped: their return is not sent either", async () => {
    const [a, b] = [uid(40), uid(41)];
    await monitored(a, b);
    const { socket } = await subscribed({ subscribe_to_ids: [a, b] });
    await ingest([left(a)]);
    await eventually(() => watchers(a), []);
    await ingest([joined(a, "back")]);
    await ingest([status(b, "idle")]);
    expect(await socket.next()).toMatchObject({ t: "PRESENCE_UPDATE", d: { user_id: b } });
    await socket.silent();
  });
});

describe("Lanyard over the hub: close codes", () => {
  it("4004 for an op Lanyard does not have", async () => {
    const a = uid(50);
    await monitored(a);
    const { socket } = await subscribed({ subscribe_to_id: a });
    socket.send({ op: 5 });
    await expectClose(socket, 4004, "unknown_opcode");
    await eventually(() => watchers(a), []);
  });

  it("4005 for op 2 without d, with an empty d, or a non-object d", async () => {
    for (const frame of [{ op: 2 }, { op: 2, d: {} }, { op: 2, d: [] }]) {
      const socket = await connected();
      socket.send(frame);
      expect((await socket.closed).code).toBe(4005);
    }
    const a = uid(51);
    await monitored(a);
    const { socket } = await subscribed({ subscribe_to_id: a });
    socket.send({ op: 4, d: {} });
    await expectClose(socket, 4005, "requires_data_object");
    await eventually(() => watchers(a), []);
  });

  it("4006 for bad payloads, JSON that is not an object, and binary frames", async () => {
    const a = uid(52);
    await monitored(a);
    const bad: unknown[] = [
      { op: 2, d: { subscribe_to_ids: [a, 5] } },
      { op: 2, d: { subscribe_to_all: false } },
      { op: 2, d: { subscribe_to_id: a, subscribe_to_all: true } },
      "{not json",
      "[1,2]",
      new TextEncoder().encode('{"op":3}').buffer,
    ];
    for (const frame of bad) {
      const { socket } = await subscribed({ subscribe_to_id: a });
      socket.send(frame);
      await expectClose(socket, 4006, "invalid_payload");
    }
    await eventually(() => watchers(a), []);
  });
});

describe("Lanyard over the hub: ?compression=zlib_json", () => {
  it("every frame is binary and inflates to what a plain socket gets", async () => {
    const a = uid(60);
    await monitored(a);
    const hub = "hub-2";
    const plain = await subscribed({ subscribe_to_id: a }, "", hub);
    const zipped = await subscribed({ subscribe_to_id: a }, "?compression=zlib_json", hub);
    const zipped2 = await subscribed({ subscribe_to_id: a }, "?compression=zlib_json", hub);
    expect(zipped.state).toEqual(plain.state);
    expect(zipped.socket.binary).toEqual([true, true]);

    await ingest([status(a, "idle")]);
    const update = await plain.socket.next();
    expect(await zipped.socket.next()).toEqual(update);
    expect(await zipped2.socket.next()).toEqual(update);
    expect(zipped.socket.binary).toEqual([true, true, true]);
    expect(plain.socket.binary).toEqual([false, false, false]);
  });

  it("any other compression value means plain text", async () => {
    const socket = await connect("?compression=zstd");
    expect(await socket.next()).toMatchObject({ t: "HELLO" });
    expect(socket.binary).toEqual([false]);
  });

  it('the runtime answers the exact {"op":4} in plain text even on a compressed socket', async () => {
    const socket = await connected("?compression=zlib_json");
    socket.send('{"op":4}');
    expect(await socket.next()).toEqual({ t: "HEARTBEAT_ACK", op: 5 });
    expect(socket.binary).toEqual([true, false]);
  });

  it("a compressed Lantern socket gets DISCONNECT deflated before its close", async () => {
    const socket = await connected("?compression=zlib_json");
    socket.send({ op: 2, d: { user_id: uid(61) } });
    expect(await socket.next()).toMatchObject({ t: "DISCONNECT", op: 9 });
    expect((await socket.closed).code).toBe(4000);
    expect(socket.binary).toEqual([true, true]);
  });
});

describe("Lanyard over the hub: stats", () => {
  it("stats count the hub's sockets, All sockets and watched users", async () => {
    const a = uid(70);
    await monitored(a);
    const hub = env.SOCKET_HUB.getByName("hub-4");
    const before = await hub.stats();
    const { socket } = await subscribed({ subscribe_to_id: a }, "", "hub-4");
    expect(await hub.stats()).toMatchObject({
      sockets: before.sockets + 1,
      all_sockets: 0,
      watched_users: before.watched_users + 1,
    });
    socket.ws.close(1000);
    await eventually(async () => (await hub.stats()).sockets, before.sockets);
  });
});
