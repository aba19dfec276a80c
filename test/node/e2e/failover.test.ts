import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { markedPresence, startWorkerStack, type WorkerStack } from "../../../bench/lib/stack.ts";
import { SEED_MEMBERS } from "../../../emulator/seed.ts";
import { runnerEnvFor } from "../../../scripts/lib/local-stack.ts";
import { RunnerProcess } from "../runner/helpers/runner-process.ts";
import { waitFor } from "../runner/helpers/wait.ts";

/**
 * Two runners for the same shard, real processes through the Worker's shard leases: the second
 * waits as a standby while the first runs, and when the first is SIGKILLed it takes over within
 * about a lease, resuming the first one's session, never running beside it.
 */

const LEASE_TTL_MS = 6_000;
const ada = SEED_MEMBERS[0]!.id;
let stack: WorkerStack;
const runners: RunnerProcess[] = [];

beforeAll(async () => {
  stack = await startWorkerStack({ emulator: { heartbeatIntervalMs: 2_000, identifyIntervalMs: 100 } });
}, 120_000);

afterAll(async () => {
  for (const runner of runners) runner.kill("SIGKILL");
  await Promise.all(runners.map((runner) => runner.exited));
  await stack?.stop();
});

function startRunner(id: string): RunnerProcess {
  const discord = { http: stack.emulator.urls.http, token: stack.emulator.world.application.botToken };
  const runner = new RunnerProcess({
    ...runnerEnvFor(discord, stack.worker.url, stack.secret, [stack.guildId]),
    RUNNER_ID: id,
    LEASE_TTL_MS: String(LEASE_TTL_MS),
    METRICS_PORT: "0",
    CHECKPOINT_INTERVAL_MS: "200",
  });
  runners.push(runner);
  return runner;
}

/** Sets ada's custom status on Discord and waits for the Worker to serve it. */
async function changeAndSee(text: string): Promise<void> {
  stack.emulator.world.setPresence(stack.guildId, markedPresence(ada, text));
  let last = "";
  await waitFor(
    `the Worker to serve "${text}"`,
    async () => {
      last = await (await fetch(`${stack.worker.url}/api/v1/users/${ada}`)).text();
      return last.includes(text);
    },
    { describe: () => last.slice(0, 300) },
  );
}

describe("a standby runner", () => {
  it("waits while the first runs, then takes over its shard after a SIGKILL, resuming its session", async () => {
    const first = startRunner("runner-a");
    await first.waitToSay("all shards connected", 60_000);
    await changeAndSee("through a");

    const second = startRunner("runner-b");
    await second.waitToSay("standby: another runner holds the shards");
    // Several renewals go by: the standby never connects beside the first.
    await new Promise((resolve) => setTimeout(resolve, 2 * LEASE_TTL_MS));
    expect(second.said("shard lease taken")).toBe(false);
    expect(stack.emulator.gateway.counters().identifies).toBe(1);
    await changeAndSee("still through a");

    const { resumed } = stack.emulator.gateway.counters();
    first.kill("SIGKILL");
    const killedAt = Date.now();
    await second.waitToSay("all shards connected", 30_000);
    // Within a lease and a standby's poll (a third of one), with room for a loaded machine.
    expect(Date.now() - killedAt).toBeLessThan(3 * LEASE_TTL_MS);
    const after = stack.emulator.gateway.counters();
    expect(after.identifies).toBe(1);
    expect(after.resumed).toBe(resumed + 1);
    await changeAndSee("through b");
  }, 120_000);
});
