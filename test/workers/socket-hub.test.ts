import { describe, expect, it } from "vitest";
import { ingest, joined, nextVersion } from "./helpers.ts";
import { connect } from "./socket-client.ts";

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
});
