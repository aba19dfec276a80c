import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitConverged } from "../../../bench/lib/presence-state.ts";
import { startWorkerStack, type WorkerStack } from "../../../bench/lib/stack.ts";
import {
  newIngestSecret,
  type RunnerProcess,
  runnerEnvFor,
  startRunnerProcess,
} from "../../../scripts/lib/local-stack.ts";
import { metric } from "../runner/helpers/metrics.ts";
import { waitFor } from "../runner/helpers/wait.ts";

/**
 * A misconfiguration fixed without loss, with real processes: the Worker (wrangler dev) starts with
 * an INGEST_SECRET that is not the runner's, so it refuses the runner's shard lease (and would
 * refuse every batch); the runner must wait without connecting, say it is unhealthy and why, and
 * deliver everything once the Worker is restarted with the right secret. (Batches refused after a
 * lease was granted are kept and retried: test/node/runner/runner-ingest-faults.test.ts.)
 */

let stack: WorkerStack;
let runner: RunnerProcess;
const USERS = 20;

beforeAll(async () => {
  stack = await startWorkerStack({
    emulator: {
      heartbeatIntervalMs: 2_000,
      identifyIntervalMs: 100,
      simulate: { users: USERS, rate: 0, seed: 3 },
    },
    workerVars: { INGEST_SECRET: newIngestSecret() },
  });
  const discord = { http: stack.emulator.urls.http, token: stack.emulator.world.application.botToken };
  runner = await startRunnerProcess({
    env: { ...runnerEnvFor(discord, stack.worker.url, stack.secret, [stack.guildId]), RETRY_CAP_MS: "1000" },
    readyWhen: "listening",
  });
}, 120_000);

afterAll(async () => {
  await runner?.stop();
  await stack?.stop();
});

const opsPort = () => Number(new URL(runner.metrics).port);

describe("a Worker with the wrong INGEST_SECRET", () => {
  it("gets every presence once restarted with the right one; the runner says what is wrong meanwhile", async () => {
    let problems: string[] = [];
    await waitFor(
      "/health to name the refused secret",
      async () => {
        const response = await fetch(`${runner.metrics}/health`);
        problems = ((await response.json()) as { problems: string[] }).problems;
        return response.status === 503 && problems.some((p) => p.includes("INGEST_SECRET"));
      },
      { timeoutMs: 60_000, describe: () => problems },
    );
    expect(problems.join("\n")).toContain("HTTP 401");
    // Refused its shard lease too, it never connects to Discord (a standby does not run shards).
    expect(stack.emulator.gateway.counters().identifies).toBe(0);
    expect(await metric(opsPort(), "porchlight_runner_deltas_dropped_total")).toBe(0);

    // Discord changes while the Worker refuses: those changes must arrive too.
    const guild = stack.emulator.world.requireGuild(stack.guildId);
    const members = [...guild.members.keys()].slice(0, 5);
    for (const [i, id] of members.entries()) {
      stack.emulator.world.setPresence(stack.guildId, {
        user: { id },
        status: i % 2 ? "idle" : "dnd",
        client_status: { web: i % 2 ? "idle" : "dnd" },
      });
    }
    expect((await fetch(`${stack.worker.url}/api/v1/users/${members[0]}`)).status).toBe(404);

    await stack.worker.stop();
    await stack.startWorker({ INGEST_SECRET: stack.secret });
    const converged = await waitConverged(stack.emulator, stack.guildId, stack.worker.url, 60_000);
    expect(converged.at === null ? converged.remaining : []).toEqual([]);
    await waitFor("/health to recover", async () => (await fetch(`${runner.metrics}/health`)).ok, {
      timeoutMs: 30_000,
    });
    expect(await metric(opsPort(), 'porchlight_runner_ingest_blocked{reason="unauthorized"}')).toBe(0);
    expect(await metric(opsPort(), "porchlight_runner_deltas_dropped_total")).toBe(0);
  }, 180_000);
});
