import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { MonitoredUsers } from "../../durable-objects/monitored-users.ts";
import type { SocketHub } from "../../durable-objects/socket-hub/index.ts";
import type { SocketSession } from "../../durable-objects/socket-hub/protocol.ts";
import { UserPresence } from "../../durable-objects/user-presence/index.ts";
import { ingest, joined, monitored } from "./helpers.ts";
import { allHubs, connected, eventually, status, watchers } from "./socket-client.ts";

/** Hibernation, eviction, deadlines (the hub's alarm) and clients going away. */

const uid = (n: number) => `74000000000000${String(n).padStart(4, "0")}`;
const hub = (name: string) => env.SOCKET_HUB.getByName(name);

/** The sessions kept in the hub's socket attachments, which is all that survives hibernation. */
function sessions(name: string): Promise<SocketSession[]> {
  return runInDurableObject(hub(name), (_: SocketHub, state) =>
    state.getWebSockets().map((ws) => ws.deserializeAttachment() as SocketSession),
  );
}

/**
 * Moves the clock back for the sockets `pick` selects, as if they connected (and last spoke) `ms`
 * earlier, then evicts the hub so it rebuilds its sessions from the attachments.
 */
async function age(name: string, ms: number, pick: (session: SocketSession) => boolean) {
  await runInDurableObject(hub(name), (_: SocketHub, state) => {
    for (const ws of state.getWebSockets()) {
      const session = ws.deserializeAttachment() as SocketSession;
      if (!pick(session)) continue;
      ws.serializeAttachment({
        ...session,
        connectedAt: session.connectedAt - ms,
        lastFrameAt: session.lastFrameAt - ms,
        windowStart: session.windowStart - ms,
      });
    }
  });
  await evictDurableObject(hub(name));
}

const alarmOf = (name: string) =>
  runInDurableObject(hub(name), (_: SocketHub, state) => state.storage.getAlarm());

describe("socket hub eviction", () => {
  it("sockets survive an evicted hub and user object: subscriptions, heartbeats, compression", async () => {
    const a = uid(1);
    await monitored(a);
    const name = "hub-0";
    const lantern = await connected("", { hub: name });
    lantern.send({ op: 2, d: { user_id: a } });
    expect(await lantern.next()).toMatchObject({ t: "INIT_ACK" });
    const lanyard = await connected("?compression=zlib_json", { hub: name });
    lanyard.send({ op: 2, d: { subscribe_to_id: a } });
    expect(await lanyard.next()).toMatchObject({ t: "INIT_STATE" });

    await evictDurableObject(hub(name));
    lantern.send('{"op":4}');
    expect(await lantern.next()).toEqual({ t: "HEARTBEAT_ACK", op: 5 });
    lantern.send({ op: 4, d: null });
    expect(await lantern.next()).toEqual({ t: "HEARTBEAT_ACK", op: 5 });
    await ingest([status(a, "idle")]);
    expect(await lantern.next()).toMatchObject({ t: "PRESENCE_UPDATE", d: { status: "idle" } });
    expect(await lanyard.next()).toMatchObject({ t: "PRESENCE_UPDATE", d: { user_id: a } });
    expect(lanyard.binary.every(Boolean)).toBe(true);

    await evictDurableObject(hub(name));
    await evictDurableObject(env.USER_PRESENCE.getByName(a));
    await ingest([status(a, "dnd")]);
    expect(await lantern.next()).toMatchObject({ t: "PRESENCE_UPDATE", d: { status: "dnd" } });
    expect(await lanyard.next()).toMatchObject({ t: "PRESENCE_UPDATE", d: { discord_status: "dnd" } });
    expect(await hub(name).stats()).toMatchObject({ sockets: 2, watched_users: 1 });

    // A hub woken by a close still releases the socket's interest.
    await evictDurableObject(hub(name));
    lantern.ws.close(1000);
    lanyard.ws.close(1000);
    await eventually(() => watchers(a), []);
  });

  it("an All socket keeps All across eviction", async () => {
    const name = "hub-5";
    const socket = await connected("", { hub: name });
    socket.send({ op: 2, d: { user_id: "All" } });
    expect(await socket.next()).toMatchObject({ t: "INIT_ACK" });
    await evictDurableObject(hub(name));
    expect(await hub(name).stats()).toMatchObject({ all_sockets: 1 });
    const newcomer = uid(2);
    await ingest([joined(newcomer, "newcomer")]);
    expect(await socket.next()).toMatchObject({ t: "USER_JOINED", d: { metadata: { id: newcomer } } });
    socket.ws.close(1000);
    await eventually(async () => (await allHubs()).includes(name), false);
  });

  it("a hub registered with a user but with no socket for them unwatches on the next change", async () => {
    const a = uid(3);
    await monitored(a);
    // As if the hub had been evicted between a socket leaving and its unwatch call.
    await env.USER_PRESENCE.getByName(a).watch("hub-7");
    await ingest([status(a, "idle")]);
    await eventually(() => watchers(a), []);
  });
});

describe("socket hub: stale registrations", () => {
  it("a hub following All with no All socket stops following on the next delivery", async () => {
    const a = uid(70);
    await monitored(a);
    // As if the hub had been evicted between its last All socket leaving and its unfollow call.
    await env.MONITORED_USERS.getByName("all-hubs").followAll("hub-7");
    await ingest([status(a, "idle")]);
    await eventually(async () => (await allHubs()).includes("hub-7"), false);
  });
});

/** The close event, or "no close" when the closing handshake does not complete within a second. */
const closeOf = (socket: { closed: Promise<unknown> }) =>
  Promise.race([socket.closed, new Promise((resolve) => setTimeout(() => resolve("no close"), 1000))]);

describe("socket hub: clients closing", () => {
  it("the hub answers a client's close, awake or woken by it, so the handshake completes", async () => {
    const a = uid(80);
    await monitored(a);
    const name = "hub-4";
    const awake = await connected("", { hub: name });
    awake.send({ op: 2, d: { user_id: a } });
    expect(await awake.next()).toMatchObject({ t: "INIT_ACK" });
    awake.ws.close(1000, "bye");
    expect(await closeOf(awake)).toEqual({ code: 1000, reason: "bye" });

    const asleep = await connected("", { hub: name });
    await evictDurableObject(hub(name));
    asleep.ws.close(4321, "later");
    expect(await closeOf(asleep)).toEqual({ code: 4321, reason: "later" });
    await eventually(() => watchers(a), []);
  });
});

describe("socket hub: clients leaving a hibernating hub", () => {
  it("a close that wakes the hub releases the socket's users and All", async () => {
    const [a, b] = [uid(50), uid(51)];
    await monitored(a, b);
    const name = "hub-6";
    const byId = await connected("", { hub: name });
    byId.send({ op: 2, d: { user_ids: [a, b] } });
    expect(await byId.next()).toMatchObject({ t: "INIT_ACK" });
    const stays = await connected("", { hub: name });
    stays.send({ op: 2, d: { subscribe_to_id: b } });
    expect(await stays.next()).toMatchObject({ t: "INIT_STATE" });
    const all = await connected("", { hub: name });
    all.send({ op: 2, d: { subscribe_to_all: true } });
    expect(await all.next()).toMatchObject({ t: "INIT_STATE" });

    await evictDurableObject(hub(name));
    byId.ws.close(1000);
    await eventually(() => watchers(a), []);
    expect(await watchers(b)).toEqual([name]);

    await evictDurableObject(hub(name));
    all.ws.close(1000);
    await eventually(async () => (await allHubs()).includes(name), false);
    expect(await hub(name).stats()).toMatchObject({ sockets: 1, all_sockets: 0, watched_users: 1 });
    await ingest([status(b, "idle")]);
    expect(await stays.next()).toMatchObject({ t: "PRESENCE_UPDATE", d: { user_id: b } });
  });
});

describe("socket hub deadlines", () => {
  it("the alarm is set for the INIT deadline; a socket without INIT by then closes with 4001", async () => {
    const a = uid(10);
    await monitored(a);
    const name = "hub-1";
    const idle = await connected("", { hub: name });
    const [session] = await sessions(name);
    expect(await alarmOf(name)).toBe(session!.connectedAt + 10_001);

    const neighbour = await connected("", { hub: name });
    neighbour.send({ op: 2, d: { user_id: a } });
    expect(await neighbour.next()).toMatchObject({ t: "INIT_ACK" });

    await age(name, 20_000, (s) => s.dialect === null);
    expect(await runDurableObjectAlarm(hub(name))).toBe(true);
    expect(await idle.closed).toEqual({ code: 4001, reason: "No INIT within 10000 ms of connecting." });
    expect(idle.pending()).toBe(0);

    // The neighbour is untouched, and the next alarm is its heartbeat deadline.
    const [left] = await sessions(name);
    expect(left!.dialect).toBe("lantern");
    expect(await alarmOf(name)).toBe(left!.lastFrameAt + 60_001);
    await ingest([status(a, "dnd")]);
    expect(await neighbour.next()).toMatchObject({ t: "PRESENCE_UPDATE" });
  });

  it("two heartbeat intervals without a frame close with 4009, releasing the socket's users", async () => {
    const [a, b] = [uid(20), uid(21)];
    await monitored(a, b);
    const name = "hub-2";
    const lantern = await connected("", { hub: name });
    lantern.send({ op: 2, d: { user_id: a } });
    expect(await lantern.next()).toMatchObject({ t: "INIT_ACK" });
    const lanyard = await connected("", { hub: name });
    lanyard.send({ op: 2, d: { subscribe_to_id: b } });
    expect(await lanyard.next()).toMatchObject({ t: "INIT_STATE" });
    const alive = await connected("", { hub: name });
    alive.send({ op: 2, d: { subscribe_to_id: a } });
    expect(await alive.next()).toMatchObject({ t: "INIT_STATE" });

    const victim = (s: SocketSession) =>
      s.dialect === "lantern" || (s.subscription.kind === "ids" && s.subscription.ids.includes(b));
    await age(name, 60_001, victim);
    expect(await runDurableObjectAlarm(hub(name))).toBe(true);

    expect(await lantern.next()).toEqual({
      t: "DISCONNECT",
      op: 9,
      d: { error: "Connection timed out.", reason: "Connection timed out." },
    });
    expect(await lantern.closed).toEqual({ code: 4009, reason: "Connection timed out." });
    expect(await lanyard.closed).toEqual({ code: 4009, reason: "session_timeout" });
    await eventually(() => watchers(b), []);
    expect(await watchers(a)).toEqual([name]);
    await ingest([status(a, "idle")]);
    expect(await alive.next()).toMatchObject({ t: "PRESENCE_UPDATE", d: { user_id: a } });
  });

  it('a heartbeat the runtime answered ({"op":4}) counts as a sign of life', async () => {
    const a = uid(30);
    await monitored(a);
    const name = "hub-3";
    const socket = await connected("", { hub: name });
    socket.send({ op: 2, d: { user_id: a } });
    expect(await socket.next()).toMatchObject({ t: "INIT_ACK" });
    await age(name, 120_000, () => true);
    socket.send('{"op":4}');
    expect(await socket.next()).toEqual({ t: "HEARTBEAT_ACK", op: 5 });
    const before = Date.now();
    await runDurableObjectAlarm(hub(name));
    await socket.silent(50);
    expect(socket.isClosed()).toBe(false);
    expect(await alarmOf(name)).toBeGreaterThanOrEqual(before - 1000 + 60_001);
  });

  it("a client closing releases its users and its place on the hub", async () => {
    const a = uid(40);
    await monitored(a);
    const name = "hub-4";
    const socket = await connected("", { hub: name });
    socket.send({ op: 2, d: { user_id: a } });
    expect(await socket.next()).toMatchObject({ t: "INIT_ACK" });
    expect(await watchers(a)).toEqual([name]);
    socket.ws.close(1000);
    await eventually(() => watchers(a), []);
    expect(await hub(name).stats()).toMatchObject({ sockets: 0, watched_users: 0 });
    expect(await alarmOf(name)).toBeNull();
  });
});

describe("socket hub failures", () => {
  it("a subscription that cannot be settled closes with 1011 and leaves nothing watched", async () => {
    const a = uid(60);
    await monitored(a);
    const watch = UserPresence.prototype.watch;
    // The user's object registers the hub, then fails before answering.
    const spy = vi.spyOn(UserPresence.prototype, "watch").mockImplementationOnce(function (
      this: UserPresence,
      name: string,
    ) {
      watch.call(this, name);
      throw new Error("test: watch failed after registering");
    });
    try {
      const socket = await connected("", { hub: "hub-7" });
      socket.send({ op: 2, d: { user_id: a } });
      expect(await socket.closed).toEqual({ code: 1011, reason: "internal_error" });
      await eventually(() => watchers(a), []);
    } finally {
      spy.mockRestore();
    }
  });

  it("a socket the protocol closes is closed even when releasing its All registration fails", async () => {
    const spy = vi.spyOn(MonitoredUsers.prototype, "unfollowAll").mockImplementation(() => {
      throw new Error("test: directory unavailable");
    });
    try {
      const socket = await connected("", { hub: "hub-failing-directory" });
      socket.send({ op: 2, d: { user_id: "All" } });
      expect(await socket.next()).toMatchObject({ op: 3 });
      socket.send({ op: 99 }); // unknown op: DISCONNECT, release (fails), close 4004
      expect(await socket.next()).toMatchObject({ op: 9 });
      expect((await socket.closed).code).toBe(4004);
    } finally {
      spy.mockRestore();
    }
  });
});

describe("socket hub inbox", () => {
  it("closes a socket sending an oversized frame while its ack is pending at once, without queueing it", async () => {
    const a = uid(61);
    await monitored(a);
    const socket = await connected("", { hub: "hub-inbox-size" });
    await runInDurableObject(
      env.SOCKET_HUB.getByName("hub-inbox-size"),
      async (instance: SocketHub, state) => {
        const [ws] = state.getWebSockets();
        const init = instance.webSocketMessage(ws!, JSON.stringify({ op: 2, d: { user_id: a } }));
        const big = instance.webSocketMessage(ws!, "x".repeat(5000));
        await Promise.all([init, big]);
      },
    );
    const first = await socket.next().catch(() => null);
    expect(first?.t).not.toBe("INIT_ACK");
    expect((await socket.closed).code).toBe(1009);
  });
});
