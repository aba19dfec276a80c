import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSocket, sleep } from "../../../bench/lib/socket-client.ts";
import { type InProcessStack, markedPresence, startInProcessStack } from "../../../bench/lib/stack.ts";
import { flood, storageOf } from "../../../bench/lib/strangers.ts";
import { SEED_MEMBERS } from "../../../emulator/seed.ts";

/**
 * An attacker's script against the whole stack (emulator, runner, Worker under wrangler dev with
 * its state on disk): thousands of made-up ids over REST, bulk reads and Lanyard INITs. It must
 * leave the Durable Objects' files on disk exactly as they were, and a real subscriber must get
 * every update meanwhile, in order.
 */

let stack: InProcessStack;

beforeAll(async () => {
  stack = await startInProcessStack({ users: 10, seed: 17, heartbeatIntervalMs: 2_000 });
}, 150_000);

afterAll(async () => {
  await stack?.stop();
});

const withoutHubs = ({ SocketHub: _, ...rest }: Record<string, number>) => rest;

const plan = { restReads: 600, bulkReads: 12, sockets: 2, initsPerSocket: 10 };

describe("strangers' ids leave no storage", () => {
  it("a flood of unknown ids creates no object and writes no byte", async () => {
    const before = storageOf(stack.persistTo);
    expect(before.objects.UserPresence).toBeGreaterThan(0);
    const result = await flood(stack.worker.url, plan);
    expect(result.ids).toBeGreaterThanOrEqual(3_000);
    expect(result.statuses).toEqual({ "read 404": plan.restReads, "bulk 404": plan.bulkReads });
    expect(result.initStates).toBe(plan.sockets * plan.initsPerSocket);
    const after = storageOf(stack.persistTo);
    // Hubs are a fixed set (SOCKET_HUBS, 8 by default) that any socket may wake: not per id.
    expect(after.objects.SocketHub ?? 0).toBeLessThanOrEqual(8);
    expect(withoutHubs(after.objects)).toEqual(withoutHubs(before.objects));
    // Not equal: workerd checkpoints and truncates an idle object's WAL, so files may shrink, but a
    // stranger's object or watcher row would only ever add bytes.
    expect(after.bytes.UserPresence).toBeLessThanOrEqual(before.bytes.UserPresence!);
    expect(after.bytes.MonitoredUsers).toBeLessThanOrEqual(before.bytes.MonitoredUsers!);
  }, 120_000);

  it("a subscriber gets every update in order while the flood runs", async () => {
    const ada = SEED_MEMBERS[0]!.id;
    const control = await openSocket(stack.worker.url);
    await control.next((frame) => frame.op === 1);
    control.send({ op: 2, d: { user_id: ada } });
    await control.next((frame) => frame.op === 3);
    const before = withoutHubs(storageOf(stack.persistTo).objects);

    // The review's attack, 2,000 ids over Lanyard INITs and reads beside them, kept up until the
    // last change is seen. Each change waits for the one before to reach the socket: the runner
    // rightly merges a user's changes while a batch is in flight, so this asks what the review
    // found broken (updates starved by the flood), not how short a batch is on a busy machine.
    const markers = Array.from({ length: 20 }, (_, n) => `flood-marker-${n}`);
    let done = false;
    let floods = 0;
    const attack = (async () => {
      while (!done) {
        await flood(stack.worker.url, { ...plan, restReads: 200 }, 4);
        floods++;
      }
    })();
    await sleep(500);
    const seen: string[] = [];
    for (const marker of markers) {
      stack.emulator.world.setPresence(stack.guildId, markedPresence(ada, marker, "dnd"));
      const frame = await control.next((f) => f.op === 6, 10_000);
      seen.push(JSON.stringify(frame.d).match(/flood-marker-\d+/)?.[0] ?? "no marker");
    }
    done = true;
    await attack;
    expect(floods).toBeGreaterThan(0);
    expect(seen).toEqual(markers);
    await control.close();
    expect(withoutHubs(storageOf(stack.persistTo).objects)).toEqual(before);
  }, 120_000);
});
