import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ingestHeaders } from "../../schemas/ingest-signature.ts";
import { get, ingest, joined, nextVersion, SECRET } from "./helpers.ts";
import { connect, connected, eventually } from "./socket-client.ts";

describe("/socket through the hub", () => {
  it("Lantern: HELLO, INIT, INIT_ACK, then a presence change as PRESENCE_UPDATE", async () => {
    const id = "700000000000000001";
    expect((await ingest([joined(id, "ada")])).status).toBe(200);
    const socket = await connect();
    expect(await socket.next()).toEqual({ t: "HELLO", op: 1, d: { heartbeat_interval: 30_000 } });
    socket.send({ op: 2, d: { user_id: id } });
    const ack = await socket.next();
    expect(ack).toMatchObject({ t: "INIT_ACK", op: 3, d: { metadata: { id }, status: "online" } });
    await ingest([{ user_id: id, version: nextVersion(), presence: { status: "dnd", client_status: {} } }]);
    expect(await socket.next()).toMatchObject({ t: "PRESENCE_UPDATE", op: 6, d: { status: "dnd" } });
    socket.send('{"op":4}');
    expect(await socket.next()).toEqual({ t: "HEARTBEAT_ACK", op: 5 });
  });

  it("GET /socket without an upgrade is 426 with a JSON error", async () => {
    for (const headers of [{}, { Upgrade: "h2c" }] as Record<string, string>[]) {
      const response = await get("/socket", headers);
      expect(response.status).toBe(426);
      expect(response.headers.get("Upgrade")).toBe("websocket");
      expect(await response.json()).toEqual({
        error: "This is a WebSocket endpoint: connect with a WebSocket client.",
      });
    }
    // A hub reached without an upgrade answers the same way.
    const direct = await env.SOCKET_HUB.getByName("hub-0").fetch("https://porchlight.test/socket");
    expect(direct.status).toBe(426);
    expect(await direct.json()).toEqual({ error: "Expected a WebSocket upgrade." });
  });

  it("the upgrade header is matched in any case", async () => {
    const response = await get("/socket", { Upgrade: "WebSocket" });
    expect(response.status).toBe(101);
    response.webSocket?.accept();
    response.webSocket?.close(1000);
  });
});

describe("GET /ingest/sockets", () => {
  const stats = async () => {
    const response = await get(
      "/ingest/sockets",
      await ingestHeaders(SECRET, { method: "GET", path: "/ingest/sockets" }, ""),
    );
    expect(response.status).toBe(200);
    return (await response.json()) as { hubs: ({ hub: string } & Record<string, unknown>)[] };
  };

  it("is refused without a signature", async () => {
    expect((await get("/ingest/sockets")).status).toBe(401);
  });

  it("lists every hub with its sockets, All sockets, watched users and events", async () => {
    const id = "700000000000000002";
    await ingest([joined(id, "grace")]);
    const before = await stats();
    expect(before.hubs.map((hub) => hub.hub)).toEqual(Array.from({ length: 8 }, (_, n) => `hub-${n}`));
    const base = before.hubs.find((hub) => hub.hub === "hub-3")!;

    const byId = await connected("", { hub: "hub-3" });
    byId.send({ op: 2, d: { subscribe_to_id: id } });
    expect(await byId.next()).toMatchObject({ t: "INIT_STATE" });
    const all = await connected("", { hub: "hub-3" });
    all.send({ op: 2, d: { user_id: "All" } });
    expect(await all.next()).toMatchObject({ t: "INIT_ACK" });
    const idle = await connected("", { hub: "hub-3" });

    const after = (await stats()).hubs.find((hub) => hub.hub === "hub-3")!;
    expect(after).toMatchObject({
      sockets: (base.sockets as number) + 3,
      all_sockets: 1,
      watched_users: (base.watched_users as number) + 1,
      events: {
        since: expect.any(Number),
        opens: expect.any(Number),
        messages: expect.any(Number),
        closes: expect.any(Number),
        alarms: expect.any(Number),
        deliveries: expect.any(Number),
      },
    });
    const events = after.events as Record<string, number>;
    expect(events.opens).toBeGreaterThanOrEqual(3);
    expect(events.messages).toBeGreaterThanOrEqual(2);

    for (const socket of [byId, all, idle]) socket.ws.close(1000);
    await eventually(
      async () => (await stats()).hubs.find((hub) => hub.hub === "hub-3")!.sockets,
      base.sockets,
    );
  });
});
