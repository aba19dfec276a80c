import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSocket, type SocketClient } from "../../../bench/lib/socket-client.ts";
import { type InProcessStack, startInProcessStack } from "../../../bench/lib/stack.ts";
import { SEED_MEMBERS } from "../../../emulator/seed.ts";
import { HttpSessionStore } from "../../../gateway-runner/http-session-store.ts";
import { waitFor } from "../runner/helpers/wait.ts";

/**
 * A member removed while the runner is down and its session is gone: the restarted runner cannot
 * RESUME, so Discord never replays the GUILD_MEMBER_REMOVE, and its new registry never had them.
 * Only reconciling its complete member list with the Worker's own record can make them leave. Real
 * processes: the emulator in this process, the runner and the Worker (wrangler dev) each their own.
 */

let stack: InProcessStack;
let socket: SocketClient | undefined;
const linus = SEED_MEMBERS[2]!.id;

beforeAll(async () => {
  stack = await startInProcessStack({ users: 20, seed: 5, heartbeatIntervalMs: 2_000 });
}, 150_000);

afterAll(async () => {
  await socket?.close();
  await stack?.stop();
});

const monitoredCount = async () =>
  ((await (await fetch(`${stack.worker.url}/`)).json()) as { data: { currently_monitoring_users: number } })
    .data.currently_monitoring_users;

describe("a member who left while the runner was down without a session", () => {
  it("leaves after the restarted runner's complete member list: 404, uncounted, USER_LEFT", async () => {
    expect((await fetch(`${stack.worker.url}/api/v1/users/${linus}`)).status).toBe(200);
    const before = await monitoredCount();
    expect(before).toBe(stack.emulator.world.requireGuild(stack.guildId).members.size);
    socket = await openSocket(stack.worker.url);
    expect(await socket.next()).toMatchObject({ op: 1 });
    socket.send({ op: 2, d: { user_id: linus } });
    expect(await socket.next()).toMatchObject({ op: 3, d: { metadata: { id: linus } } });

    await stack.runner.stop("SIGKILL");
    stack.emulator.world.removeMember(stack.guildId, linus);
    // The session is gone from the store, so the next runner identifies and gets no replay.
    await new HttpSessionStore(`${stack.worker.url}/ingest`, stack.secret, 10_000, { shardIds: [0] }).save(
      [],
    );
    const identifies = stack.emulator.gateway.counters().identifies;
    await stack.startRunner();

    // Its member request may wait out Discord's 30 s cooldown of the previous process's.
    await waitFor(
      "linus to be gone",
      async () => (await fetch(`${stack.worker.url}/api/v1/users/${linus}`)).status === 404,
      { timeoutMs: 60_000 },
    );
    expect(stack.emulator.gateway.counters().identifies).toBe(identifies + 1);
    expect(await monitoredCount()).toBe(before - 1);
    expect(await socket.next((frame) => frame.op === 7)).toMatchObject({
      t: "USER_LEFT",
      d: { user_id: linus },
    });
  }, 120_000);
});
