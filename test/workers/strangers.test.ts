import { listDurableObjectIds } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { MonitoredUsers } from "../../durable-objects/monitored-users.ts";
import { get, ingest, joined, monitored, nextVersion } from "./helpers.ts";
import { command, group, reply, sub, text } from "./interactions-helpers.ts";
import { connect, type TestSocket } from "./socket-client.ts";

/**
 * Reads and subscriptions for users Porchlight does not monitor stop at the monitored-users
 * directory: addressing a user object, even to read nothing, creates its storage, so a stranger
 * with made-up ids could otherwise fill the disk and stall the Worker. Only ingest creates a user
 * object. Each test counts the user objects before and after an attacker's requests.
 */

let next = 0;
/** Well-formed ids that no test ingests. */
const strangers = (count: number) =>
  Array.from({ length: count }, () => `77${String(Date.now()).slice(-6)}${String(++next).padStart(10, "0")}`);

const userObjects = async () => (await listDurableObjectIds(env.USER_PRESENCE)).length;

async function drain(socket: TestSocket, until: (frame: Record<string, unknown>) => boolean) {
  for (;;) {
    const frame = await socket.next(10_000);
    if (until(frame)) return frame;
  }
}

describe("unknown ids create no user object", () => {
  it("over REST: both dialects, cards, storage reads, bulk reads", async () => {
    const control = "780000000000000001";
    await monitored(control);
    const before = await userObjects();
    for (const id of strangers(40)) {
      for (const path of [
        `/api/v1/users/${id}`,
        `/v1/users/${id}`,
        `/api/v1/users/${id}?svg=1`,
        `/api/v1/users/${id}/storage`,
      ]) {
        const res = await get(path);
        expect(res.status, path).toBe(404);
        await res.arrayBuffer();
      }
    }
    for (let n = 0; n < 4; n++) {
      const ids = strangers(49);
      const none = await get(`/api/v1/users?${ids.map((id) => `user_ids=${id}`).join("&")}`);
      expect(none.status).toBe(404);
      await none.arrayBuffer();
      // A bulk read with one monitored user among strangers still answers that user.
      const mixed = await get(`/api/v1/users?${[control, ...ids].map((id) => `user_ids=${id}`).join("&")}`);
      expect(mixed.status).toBe(200);
      expect(
        ((await mixed.json()) as { metadata: { id: string } }[]).map((user) => user.metadata.id),
      ).toEqual([control]);
    }
    expect(await userObjects()).toBe(before);
  });

  it("over sockets: Lantern INIT and SUBSCRIBE, Lanyard INITs, closes before and after the ack", async () => {
    const control = "780000000000000002";
    await monitored(control);
    const before = await userObjects();

    const lantern = await connect();
    await lantern.next(); // HELLO
    lantern.send({ op: 2, d: { user_ids: [control, ...strangers(99)] } });
    const errorOrAck = await lantern.next();
    expect(errorOrAck).toMatchObject({ op: 11 });
    expect(await lantern.next()).toMatchObject({ op: 3 });
    lantern.send({ op: 12, d: { user_ids: strangers(50) } });
    expect(await lantern.next()).toMatchObject({ op: 11 });

    const lanyard = await connect();
    await lanyard.next();
    for (let n = 0; n < 5; n++) {
      lanyard.send({ op: 2, d: { subscribe_to_ids: strangers(100) } });
      expect(await lanyard.next()).toMatchObject({ op: 0, t: "INIT_STATE", d: {} });
    }
    // Closed while its ack is still being fetched: the release must not reach the strangers either.
    for (let n = 0; n < 5; n++) {
      const quick = await connect();
      quick.send({ op: 2, d: { subscribe_to_ids: strangers(100) } });
      quick.ws.close(1000);
    }
    lanyard.ws.close(1000);
    lantern.ws.close(1000);
    // Let every close and release run before counting.
    const probe = await connect();
    probe.send({ op: 2, d: { user_id: control } });
    await drain(probe, (frame) => frame.op === 3);
    probe.ws.close(1000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await userObjects()).toBe(before);
  });

  it("a control socket gets every update in order while strangers flood the same hub", async () => {
    const control = "780000000000000003";
    await monitored(control);
    const before = await userObjects();
    const watcher = await connect("", { hub: "hub-0" });
    await watcher.next();
    watcher.send({ op: 2, d: { user_id: control } });
    await drain(watcher, (frame) => frame.op === 3);

    const flood = Array.from({ length: 6 }, async () => {
      const socket = await connect("", { hub: "hub-0" });
      await socket.next();
      for (let n = 0; n < 4; n++) {
        socket.send({ op: 2, d: { subscribe_to_ids: strangers(100) } });
        await socket.next();
      }
      socket.ws.close(1000);
    });
    const names: string[] = [];
    for (let n = 0; n < 10; n++) {
      const name = `control${n}`;
      names.push(name);
      const delta = { ...joined(control, name), version: nextVersion() };
      expect((await ingest([delta])).status).toBe(200);
    }
    await Promise.all(flood);
    const seen: string[] = [];
    while (seen.length < names.length) {
      const frame = await drain(watcher, (f) => f.op === 6);
      seen.push((frame.d as { metadata: { username: string } }).metadata.username);
    }
    expect(seen).toEqual(names);
    watcher.ws.close(1000);
    expect(await userObjects()).toBe(before);
  });

  it("through the bot: every /storage command run by someone who is not a member", async () => {
    const before = await userObjects();
    for (const id of strangers(5)) {
      const commands = [
        [group("token", [sub("create")])],
        [group("token", [sub("revoke")])],
        [sub("set", [text("key", "k"), text("value", "v")])],
        [sub("get", [text("key", "k")])],
        [sub("list")],
        [sub("delete", [text("key", "k")])],
      ];
      for (const options of commands) {
        const answer = await reply(command(id, "storage", options));
        expect(answer.type).toBe(4);
      }
    }
    expect(await userObjects()).toBe(before);
  });
});

describe("the gate asks the directory once per member per isolate", () => {
  it("a member's cache misses after the first reach their object without the directory", async () => {
    const id = "780000000000000009";
    await monitored(id);
    const asked = vi.spyOn(MonitoredUsers.prototype, "monitoredAmong");
    try {
      for (let n = 0; n < 3; n++) {
        // Each change purges the entry, so each read after it is a miss.
        expect((await ingest([{ ...joined(id, `again${n}`), version: nextVersion() }])).status).toBe(200);
        const res = await get(`/api/v1/users/${id}`);
        expect(res.headers.get("x-porchlight-cache")).toBe("miss");
        expect(((await res.json()) as { metadata: { username: string } }).metadata.username).toBe(
          `again${n}`,
        );
      }
      expect(asked.mock.calls.filter(([ids]) => ids.includes(id)).length).toBeLessThanOrEqual(1);
      // One who leaves is still answered 404 by their own object.
      expect((await ingest([{ user_id: id, version: nextVersion(), membership: null }])).status).toBe(200);
      expect((await get(`/api/v1/users/${id}`)).status).toBe(404);
    } finally {
      asked.mockRestore();
    }
  });
});
