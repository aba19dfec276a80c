import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { PorchlightClient } from "porchlight/client";
import { afterEach, describe, expect, it } from "vitest";
import { type WebSocket, WebSocketServer } from "ws";
import { freePort } from "../../../scripts/lib/processes.ts";

/**
 * The subscription's own rules, against a stand-in /socket (the `ws` server) that each test makes
 * misbehave in one way: what the client sends, when it reconnects and when it gives up for good.
 * The real hub and a real Worker restart are in presence.test.ts.
 */

interface StandIn {
  url: string;
  /** Every connection so far, with the frames its client sent. */
  connections: { socket: WebSocket; frames: unknown[] }[];
  /** Resolves with the next connection. */
  nextConnection(): Promise<{ socket: WebSocket; frames: unknown[] }>;
  close(): Promise<void>;
}

const standIns: StandIn[] = [];
const subscriptions: { close(): void }[] = [];

afterEach(async () => {
  for (const subscription of subscriptions.splice(0)) subscription.close();
  await Promise.all(standIns.splice(0).map((standIn) => standIn.close()));
});

/** A /socket that says HELLO (`heartbeatMs`) and hands each connection to `onConnection`. */
async function standIn(
  heartbeatMs: number,
  onConnection: (socket: WebSocket, frames: unknown[]) => void = () => {},
): Promise<StandIn> {
  const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await once(server, "listening");
  const connections: StandIn["connections"] = [];
  const waiting: ((connection: StandIn["connections"][number]) => void)[] = [];
  server.on("connection", (socket) => {
    const connection = { socket, frames: [] as unknown[] };
    connections.push(connection);
    socket.on("message", (data) => connection.frames.push(JSON.parse(String(data))));
    socket.send(JSON.stringify({ t: "HELLO", op: 1, d: { heartbeat_interval: heartbeatMs } }));
    onConnection(socket, connection.frames);
    for (const wake of waiting.splice(0)) wake(connection);
  });
  const made: StandIn = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connections,
    nextConnection: () => new Promise((resolve) => waiting.push(resolve)),
    close: async () => {
      for (const client of server.clients) client.terminate();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  standIns.push(made);
  return made;
}

/** Answers each INIT as the hub does, with the users it named (minimal user objects). */
function lanternAcks(socket: WebSocket, frames: unknown[]) {
  socket.on("message", (data) => {
    const frame = JSON.parse(String(data)) as { op: number; d?: { user_ids?: string[] } };
    if (frame.op === 2) {
      const users = (frame.d?.user_ids ?? []).map((id) => ({ metadata: { id } }));
      socket.send(JSON.stringify({ t: "INIT_ACK", op: 3, d: users }));
    }
    if (frame.op === 4) socket.send(JSON.stringify({ t: "HEARTBEAT_ACK", op: 5 }));
  });
  return frames;
}

const FAST = { baseMs: 20, maxMs: 50 };

/** A subscription the test cleans up after. */
function track<T extends { close(): void }>(subscription: T): T {
  subscriptions.push(subscription);
  return subscription;
}

const clientOf = (url: string) => new PorchlightClient({ url });

const A = "1191168918421504000";
const B = "1191168922615808000";

describe("what the client sends", () => {
  it("INIT on open with a list, heartbeats in Lantern's auto-answered spelling, then SUBSCRIBE and UNSUBSCRIBE", async () => {
    const server = await standIn(100, lanternAcks);
    const subscription = track(clientOf(server.url).subscribe([A], { reconnect: FAST }));
    expect((await subscription.once("ready")).users).toEqual([{ metadata: { id: A } }]);
    const { frames } = server.connections[0]!;
    expect(frames[0]).toEqual({ op: 2, d: { user_ids: [A] } });
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(frames.filter((frame) => JSON.stringify(frame) === '{"op":4}').length).toBeGreaterThanOrEqual(2);

    subscription.subscribe([A, B]);
    subscription.unsubscribe(A);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const changes = frames.filter((frame) => [12, 14].includes((frame as { op: number }).op));
    expect(changes).toEqual([
      { op: 12, d: { user_ids: [B] } },
      { op: 14, d: { user_ids: [A] } },
    ]);
    expect(subscription.targets).toEqual([B]);
  });

  it("Lanyard: subscribe_to_ids, then op 3 heartbeats", async () => {
    const server = await standIn(100, (socket) =>
      socket.on("message", (data) => {
        if (JSON.parse(String(data)).op === 2)
          socket.send(JSON.stringify({ op: 0, t: "INIT_STATE", d: { [A]: { discord_status: "online" } } }));
      }),
    );
    const subscription = track(clientOf(server.url).subscribe([A], { dialect: "lanyard", reconnect: FAST }));
    expect((await subscription.once("ready")).presences).toEqual({ [A]: { discord_status: "online" } });
    await new Promise((resolve) => setTimeout(resolve, 250));
    const { frames } = server.connections[0]!;
    expect(frames[0]).toEqual({ op: 2, d: { subscribe_to_ids: [A] } });
    expect(frames).toContainEqual({ op: 3 });
  });

  it("All is INIT user_id All", async () => {
    const server = await standIn(1_000);
    track(clientOf(server.url).subscribe("all", { reconnect: FAST }));
    const connection = server.connections[0] ?? (await server.nextConnection());
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(connection.frames[0]).toEqual({ op: 2, d: { user_id: "All" } });
  });
  it("users the initial state leaves out (not monitored) are not asked for again", async () => {
    const server = await standIn(1_000, (socket) =>
      socket.on("message", (data) => {
        if (JSON.parse(String(data)).op !== 2) return;
        socket.send(JSON.stringify({ t: "ERROR", op: 11, d: `User ${B} is not being monitored.` }));
        socket.send(JSON.stringify({ t: "INIT_ACK", op: 3, d: [{ metadata: { id: A } }] }));
      }),
    );
    const subscription = track(clientOf(server.url).subscribe([A, B], { reconnect: FAST }));
    const error = subscription.once("error");
    await subscription.once("ready");
    expect(await error).toEqual({ message: `User ${B} is not being monitored.`, source: "server" });
    expect(subscription.targets).toEqual([A]);
    server.connections[0]!.socket.close(1012, "Service restart");
    await subscription.once("ready");
    expect(server.connections[1]!.frames[0]).toEqual({ op: 2, d: { user_ids: [A] } });
  });
});

describe("reconnecting", () => {
  it("a connection that stops answering heartbeats is dropped and made again, with INIT for the users followed now", async () => {
    let answering = true;
    const server = await standIn(100, (socket) =>
      socket.on("message", (data) => {
        const frame = JSON.parse(String(data)) as { op: number; d?: { user_ids?: string[] } };
        if (!answering) return;
        const users = (frame.d?.user_ids ?? []).map((id) => ({ metadata: { id } }));
        if (frame.op === 2) socket.send(JSON.stringify({ t: "INIT_ACK", op: 3, d: users }));
        if (frame.op === 4) socket.send(JSON.stringify({ t: "HEARTBEAT_ACK", op: 5 }));
      }),
    );
    const subscription = track(clientOf(server.url).subscribe([A], { reconnect: FAST }));
    await subscription.once("ready");
    subscription.subscribe(B);
    answering = false;
    const reconnecting = await subscription.once("reconnecting");
    expect(reconnecting).toMatchObject({ attempt: 1, reason: "no answer to heartbeats" });
    answering = true;
    const ready = await subscription.once("ready");
    expect(ready.reconnected).toBe(true);
    expect(server.connections.at(-1)!.frames[0]).toEqual({ op: 2, d: { user_ids: [A, B] } });
  });

  it("a close the server may think better of (4009) reconnects; one it means for good (4006) ends it", async () => {
    const server = await standIn(1_000, lanternAcks);
    const subscription = track(clientOf(server.url).subscribe([A], { reconnect: FAST }));
    await subscription.once("ready");
    server.connections[0]!.socket.close(4009, "Connection timed out.");
    expect(await subscription.once("reconnecting")).toMatchObject({ code: 4009 });
    await subscription.once("ready");
    let reconnects = 0;
    subscription.on("reconnecting", () => reconnects++);
    server.connections.at(-1)!.socket.close(4006, "Invalid payload.");
    expect(await subscription.closed).toEqual({ code: 4006, reason: "Invalid payload." });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(reconnects).toBe(0);
  });

  it("a server that is not there is retried with growing attempts, until maxAttempts", async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const subscription = track(
      clientOf(url).subscribe([A], { reconnect: { baseMs: 10, maxMs: 20, maxAttempts: 3 } }),
    );
    const attempts: number[] = [];
    subscription.on("reconnecting", ({ attempt }) => attempts.push(attempt));
    const closed = await subscription.closed;
    expect(attempts).toEqual([1, 2, 3]);
    expect(closed.code).toBe(1006);
  });

  it("close() while waiting to reconnect stops it for good", async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const subscription = track(clientOf(url).subscribe([A], { reconnect: { baseMs: 200, maxMs: 200 } }));
    await subscription.once("reconnecting");
    subscription.close();
    expect(await subscription.closed).toEqual({ code: 1000, reason: "closed by the client" });
    let more = 0;
    subscription.on("reconnecting", () => more++);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(more).toBe(0);
  });

  it("unsubscribing the last user while disconnected ends it: a Lantern INIT needs someone", async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const subscription = track(clientOf(url).subscribe([A], { reconnect: { baseMs: 200, maxMs: 200 } }));
    await subscription.once("reconnecting");
    subscription.unsubscribe(A);
    expect(await subscription.closed).toEqual({ code: 1000, reason: "nobody left to follow" });
  });

  it("a connection that never gives its initial state is retried after connectTimeoutMs", async () => {
    const server = await standIn(1_000);
    const subscription = track(
      clientOf(server.url).subscribe([A], { connectTimeoutMs: 150, reconnect: FAST }),
    );
    expect(await subscription.once("reconnecting")).toMatchObject({
      reason: "no initial state within 150 ms",
    });
  });
});
