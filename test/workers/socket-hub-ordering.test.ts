import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { HubChange, SocketHub } from "../../durable-objects/socket-hub/index.ts";
import type { SocketSession } from "../../durable-objects/socket-hub/protocol.ts";
import type { PresenceChange, PresenceSnapshot } from "../../durable-objects/user-presence/index.ts";
import { ingest, monitored } from "./helpers.ts";
import { applyQuietly, connected, eventually, status, type TestSocket, watchers } from "./socket-client.ts";

/**
 * Races between acks, deliveries and interest calls. Where a race needs an exact interleaving, the
 * test drives the hub inside its own object (runInDurableObject), where calls made without awaiting
 * in between run in that order.
 */

const uid = (n: number) => `73000000000000${String(n).padStart(4, "0")}`;
const hub = (name: string) => env.SOCKET_HUB.getByName(name);

const snapshotOf = async (id: string) =>
  (await env.USER_PRESENCE.getByName(id).read()) as unknown as PresenceSnapshot;

/** A presence change one version past the user's current state (the next ingest, as a hub hears it). */
async function nextChange(id: string, value: "idle" | "dnd"): Promise<PresenceChange> {
  const now = await snapshotOf(id);
  const version = now.version + 1;
  return {
    user_id: id,
    kind: "presence",
    version,
    snapshot: {
      version,
      lantern: { ...now.lantern, status: value },
      lanyard: { ...now.lanyard, discord_status: value },
    },
  };
}

/**
 * Hands the hub the socket's INIT, then, before the INIT_ACK can be settled (no await in between),
 * a delivery of `changes`: the change reaches the hub while the ack is still being fetched.
 */
async function initThenDeliver(name: string, init: unknown, changes: PresenceChange[]) {
  await runInDurableObject(hub(name), async (instance: SocketHub, state) => {
    const [ws] = state
      .getWebSockets()
      .filter((ws) => (ws.deserializeAttachment() as SocketSession).dialect === null);
    const receiving = instance.webSocketMessage(ws!, JSON.stringify(init));
    const delivering = instance.deliver(
      changes.map((change) => ({ change, watched: true })),
      false,
    );
    await Promise.all([receiving, delivering]);
  });
}

describe("socket hub ordering: acks and deliveries", () => {
  it("an ack that already read a change does not stop the change reaching the hub's other sockets", async () => {
    const id = uid(1);
    await monitored(id);
    const early = await connected("", { hub: "hub-1" });
    early.send({ op: 2, d: { user_id: id } });
    expect(await early.next()).toMatchObject({ t: "INIT_ACK", d: { status: "online" } });

    // The change is applied, and a second socket's INIT reads it before ingest's delivery lands.
    const applied = await applyQuietly(status(id, "dnd"));
    const late = await connected("", { hub: "hub-1" });
    late.send({ op: 2, d: { user_id: id } });
    expect(await late.next()).toMatchObject({ t: "INIT_ACK", d: { status: "dnd" } });
    await hub("hub-1").deliver([{ change: applied.change!, watched: true } as HubChange], false);

    expect(await early.next()).toMatchObject({ t: "PRESENCE_UPDATE", d: { status: "dnd" } });
    // The late socket already has this version in its ack.
    await late.silent();
  });

  it("a change arriving while the INIT_ACK is settled goes out after the ack (Lantern)", async () => {
    const id = uid(2);
    await monitored(id);
    const socket = await connected("", { hub: "hub-2" });
    await initThenDeliver("hub-2", { op: 2, d: { user_id: id } }, [await nextChange(id, "dnd")]);
    expect(await socket.next()).toMatchObject({ t: "INIT_ACK", d: { status: "online" } });
    expect(await socket.next()).toMatchObject({ t: "PRESENCE_UPDATE", d: { status: "dnd" } });
    await socket.silent();
  });

  it("a change arriving while the INIT_STATE is settled goes out after it (Lanyard, compressed)", async () => {
    const id = uid(3);
    await monitored(id);
    const socket = await connected("?compression=zlib_json", { hub: "hub-3" });
    await initThenDeliver("hub-3", { op: 2, d: { subscribe_to_ids: [id] } }, [await nextChange(id, "idle")]);
    expect(await socket.next()).toMatchObject({
      t: "INIT_STATE",
      d: { [id]: { discord_status: "online" } },
    });
    expect(await socket.next()).toMatchObject({
      t: "PRESENCE_UPDATE",
      d: { user_id: id, discord_status: "idle" },
    });
    await socket.silent();
  });

  it("a held change the ack already carries is not sent again", async () => {
    const id = uid(4);
    await monitored(id);
    const applied = await applyQuietly(status(id, "idle"));
    const socket = await connected("", { hub: "hub-4" });
    await initThenDeliver("hub-4", { op: 2, d: { user_id: id } }, [applied.change!]);
    expect(await socket.next()).toMatchObject({ t: "INIT_ACK", d: { status: "idle" } });
    await socket.silent();
  });

  it("a user leaving while the INIT_ACK is settled: ack, USER_LEFT, then DISCONNECT", async () => {
    const id = uid(5);
    await monitored(id);
    const version = (await snapshotOf(id)).version + 1;
    const socket = await connected("", { hub: "hub-5" });
    await initThenDeliver("hub-5", { op: 2, d: { user_id: id } }, [
      { user_id: id, kind: "left", version, snapshot: null },
    ]);
    expect(await socket.next()).toMatchObject({ t: "INIT_ACK", d: { metadata: { id } } });
    expect(await socket.next()).toEqual({ t: "USER_LEFT", op: 7, d: { user_id: id } });
    expect(await socket.next()).toMatchObject({ t: "DISCONNECT", op: 9 });
    expect((await socket.closed).code).toBe(4000);
    await eventually(() => watchers(id), []);
  });

  it("of two deliveries crossing, the older is dropped", async () => {
    const id = uid(6);
    await monitored(id);
    const socket = await connected("", { hub: "hub-6" });
    socket.send({ op: 2, d: { user_id: id } });
    expect(await socket.next()).toMatchObject({ t: "INIT_ACK" });
    const older = await applyQuietly(status(id, "idle"));
    const newer = await applyQuietly(status(id, "dnd"));
    await hub("hub-6").deliver([{ change: newer.change!, watched: true }], false);
    await hub("hub-6").deliver([{ change: older.change!, watched: true }], false);
    expect(await socket.next()).toMatchObject({ t: "PRESENCE_UPDATE", d: { status: "dnd" } });
    await socket.silent();
  });

  it("ingests racing a large INIT: the ack comes first, nothing older follows a newer state", async () => {
    // Over 50 ids: the hub fetches them in two rounds, so the ack takes a while to settle.
    const ids = Array.from({ length: 60 }, (_, n) => uid(100 + n));
    await monitored(...ids);
    const target = ids[59]!;
    const sockets: TestSocket[] = [];
    for (const name of ["hub-0", "hub-7"]) sockets.push(await connected("", { hub: name }));
    // Distinct states, so each frame says where in the sequence it is; the ack may show any of them.
    const sequence = ["online", "idle", "dnd", "offline"] as const;
    for (const socket of sockets) socket.send({ op: 2, d: { user_ids: ids } });
    for (const value of sequence.slice(1)) await ingest([status(target, value)]);

    for (const socket of sockets) {
      const ack = await socket.next();
      expect(ack.t).toBe("INIT_ACK");
      const acked = (ack.d as { metadata: { id: string }; status: string }[]).find(
        (user) => user.metadata.id === target,
      )!;
      // Read until the newest state shows; every step must move forward through the sequence.
      let position = sequence.indexOf(acked.status as (typeof sequence)[number]);
      expect(position).toBeGreaterThanOrEqual(0);
      let seen = acked.status;
      while (position < sequence.length - 1) {
        const frame = await socket.next();
        expect(frame).toMatchObject({ t: "PRESENCE_UPDATE", d: { metadata: { id: target } } });
        seen = (frame.d as { status: string }).status;
        const found = sequence.indexOf(seen as (typeof sequence)[number], position + 1);
        expect(found, `status ${seen} after position ${position}`).toBeGreaterThan(position);
        position = found;
      }
      expect(seen).toBe("offline");
    }
    for (const socket of sockets) await socket.silent(100);
  });
});

describe("socket hub ordering: interest calls", () => {
  it("a stale watch dropped during a delivery does not undo a socket subscribing meanwhile", async () => {
    const [stale, leaving] = [uid(20), uid(21)];
    await monitored(stale, leaving);
    const name = "hub-6";
    // The hub is registered with `stale` but has no socket for them (an eviction lost track).
    await env.USER_PRESENCE.getByName(stale).watch(name);
    const applied = await applyQuietly(status(stale, "idle"));
    // A compressed Lantern socket whose only user leaves: closing it waits for its last frames.
    const closing = await connected("?compression=zlib_json", { hub: name });
    closing.send({ op: 2, d: { user_id: leaving } });
    expect(await closing.next()).toMatchObject({ t: "INIT_ACK" });
    const version = (await snapshotOf(leaving)).version + 1;
    const subscriber = await connected("", { hub: name });

    await runInDurableObject(hub(name), async (instance: SocketHub, state) => {
      const [ws] = state
        .getWebSockets()
        .filter((ws) => (ws.deserializeAttachment() as SocketSession).dialect === null);
      const delivering = instance.deliver(
        [
          { change: applied.change!, watched: true },
          { change: { user_id: leaving, kind: "left", version, snapshot: null }, watched: true },
        ],
        false,
      );
      // While the delivery waits on the closing socket, a socket subscribes to the stale user.
      const receiving = instance.webSocketMessage(ws!, JSON.stringify({ op: 2, d: { user_id: stale } }));
      await Promise.all([delivering, receiving]);
    });
    expect(await subscriber.next()).toMatchObject({ t: "INIT_ACK", d: { metadata: { id: stale } } });
    expect((await closing.closed).code).toBe(4000);

    await ingest([status(stale, "dnd")]);
    expect(await subscriber.next()).toMatchObject({ t: "PRESENCE_UPDATE", d: { status: "dnd" } });
    expect(await watchers(stale)).toEqual([name]);
  });

  it("a socket leaving and another arriving for the same user leave the hub watching", async () => {
    const id = uid(10);
    await monitored(id);
    const name = "hub-2";
    const before = (await hub(name).stats()).sockets;
    const leaving = await connected("", { hub: name });
    leaving.send({ op: 2, d: { user_id: id } });
    expect(await leaving.next()).toMatchObject({ t: "INIT_ACK" });
    const arriving = await connected("", { hub: name });
    leaving.ws.close(1000);
    arriving.send({ op: 2, d: { subscribe_to_id: id } });
    expect(await arriving.next()).toMatchObject({ t: "INIT_STATE" });
    await eventually(async () => (await hub(name).stats()).sockets, before + 1);
    await ingest([status(id, "dnd")]);
    expect(await arriving.next()).toMatchObject({ t: "PRESENCE_UPDATE", d: { discord_status: "dnd" } });
    expect(await watchers(id)).toEqual([name]);
  });

  it("unsubscribe then subscribe back to back: still watched; subscribe then unsubscribe: not", async () => {
    const id = uid(11);
    await monitored(id);
    const socket = await connected("", { hub: "hub-3" });
    socket.send({ op: 2, d: { subscribe_to_id: id } });
    expect(await socket.next()).toMatchObject({ t: "INIT_STATE" });
    for (let round = 0; round < 3; round++) {
      socket.send({ op: 4, d: { unsubscribe_from_id: id } });
      socket.send({ op: 2, d: { subscribe_to_id: id } });
      expect(await socket.next()).toMatchObject({ t: "INIT_STATE", d: { discord_user: { id } } });
    }
    await ingest([status(id, "idle")]);
    expect(await socket.next()).toMatchObject({ t: "PRESENCE_UPDATE", d: { discord_status: "idle" } });
    expect(await watchers(id)).toEqual(["hub-3"]);

    socket.send({ op: 4, d: { unsubscribe_from_id: id } });
    socket.send({ op: 2, d: { subscribe_to_id: id } });
    socket.send({ op: 4, d: { unsubscribe_from_id: id } });
    expect(await socket.next()).toMatchObject({ t: "INIT_STATE" });
    await eventually(() => watchers(id), []);
    await ingest([status(id, "dnd")]);
    await socket.silent();
  });
});

describe("socket hub ordering: a client's frames and its pending ack", () => {
  it("answers frames sent right after INIT only after the INIT_ACK, in the order they came", async () => {
    const [a, b] = [uid(901), uid(902)];
    await monitored(a, b);
    const socket = await connected("", { hub: "ordering-inbox" });
    socket.send({ op: 2, d: { user_ids: [a, b] } });
    socket.send({ op: 14, d: { user_id: a } });
    socket.send({ op: 4, d: null });
    const frames = [await socket.next(), await socket.next(), await socket.next()];
    expect(frames.map((frame) => frame.t)).toEqual(["INIT_ACK", "UNSUBSCRIBE_ACK", "HEARTBEAT_ACK"]);
    expect((frames[0]!.d as { metadata: { id: string } }[]).map((user) => user.metadata.id)).toEqual([a, b]);
    await eventually(async () => (await watchers(a)).includes("ordering-inbox"), false);
    expect(await watchers(b)).toContain("ordering-inbox");
  });

  it("keeps Lanyard's repeated INITs answered one INIT_STATE each, in order", async () => {
    const [a, b] = [uid(903), uid(904)];
    await monitored(a, b);
    const socket = await connected("", { hub: "ordering-inbox" });
    socket.send({ op: 2, d: { subscribe_to_id: a } });
    socket.send({ op: 2, d: { subscribe_to_id: b } });
    const first = await socket.next();
    const second = await socket.next();
    expect([first.t, second.t]).toEqual(["INIT_STATE", "INIT_STATE"]);
    expect([
      (first.d as { discord_user: { id: string } }).discord_user.id,
      (second.d as { discord_user: { id: string } }).discord_user.id,
    ]).toEqual([a, b]);
  });
});
