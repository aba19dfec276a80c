import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ingest, monitored } from "./helpers.ts";
import { connected, status, type TestSocket, watchers } from "./socket-client.ts";

/** Hundreds of sockets: every one hears each update exactly once, whichever hub holds it. */

const uid = (n: number) => `76000000000000${String(n).padStart(4, "0")}`;
const HUBS = Array.from({ length: 8 }, (_, n) => `hub-${n}`);

/** Opens `count` sockets and initialises each, alternating dialects (and compression for Lanyard). */
async function crowd(count: number, ids: string[], hub?: (n: number) => string | undefined) {
  const sockets = await Promise.all(
    Array.from({ length: count }, async (_, n) => {
      const lanyard = n % 2 === 1;
      const socket = await connected(lanyard && n % 4 === 1 ? "?compression=zlib_json" : "", {
        hub: hub?.(n),
      });
      socket.send({ op: 2, d: lanyard ? { subscribe_to_ids: ids } : { user_ids: ids } });
      expect(await socket.next(10_000)).toMatchObject({ t: lanyard ? "INIT_STATE" : "INIT_ACK" });
      return socket;
    }),
  );
  return sockets;
}

/** Every socket's next frames are these users' updates, in any order, and nothing else follows. */
async function eachHears(sockets: TestSocket[], ids: string[]) {
  await Promise.all(
    sockets.map(async (socket) => {
      const heard: string[] = [];
      for (const _ of ids) {
        const frame = await socket.next(10_000);
        expect(frame.t).toBe("PRESENCE_UPDATE");
        const d = frame.d as { user_id?: string; metadata?: { id: string } };
        heard.push(d.user_id ?? d.metadata!.id);
      }
      expect(heard.sort()).toEqual([...ids].sort());
    }),
  );
  await new Promise((resolve) => setTimeout(resolve, 200));
  expect(sockets.filter((socket) => socket.pending() > 0)).toHaveLength(0);
}

describe("socket hub at scale", () => {
  it("300 sockets on one hub: one ingest, exactly one frame per socket per user", async () => {
    const [a, b] = [uid(1), uid(2)];
    await monitored(a, b);
    const sockets = await crowd(300, [a, b], () => "hub-0");
    expect(await env.SOCKET_HUB.getByName("hub-0").stats()).toMatchObject({ sockets: 300, watched_users: 2 });
    expect(await watchers(a)).toEqual(["hub-0"]);

    await ingest([status(a, "idle")]);
    await eachHears(sockets, [a]);
    await ingest([status(a, "dnd"), status(b, "dnd")]);
    await eachHears(sockets, [a, b]);
    for (const socket of sockets) socket.ws.close(1000);
  });

  it("sockets on every hub, pinned and through the Worker: each hub is told, each socket hears", async () => {
    const c = uid(3);
    await monitored(c);
    const pinned = await crowd(160, [c], (n) => HUBS[n % HUBS.length]);
    const routed = await crowd(80, [c]);
    expect(await watchers(c)).toEqual(HUBS);

    await ingest([status(c, "idle")]);
    await eachHears([...pinned, ...routed], [c]);
  });
});
