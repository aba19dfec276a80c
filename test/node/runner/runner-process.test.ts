import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SEED, SEED_MEMBERS } from "../../../emulator/seed.ts";
import { type Emulator, startEmulator } from "../../../emulator/server.ts";
import type { GatewaySession } from "../../../schemas/gateway-sessions.ts";
import { differences, expectedUsers } from "./helpers/expected.ts";
import { EMULATOR_DEFAULTS, runnerEnv, TEST_SECRET } from "./helpers/harness.ts";
import { metric } from "./helpers/metrics.ts";
import { IngestReceiver } from "./helpers/receiver.ts";
import { RunnerProcess } from "./helpers/runner-process.ts";
import { waitFor } from "./helpers/wait.ts";

// The runner as a real process, killed and restarted: it must RESUME its Discord session (not
// identify again) and replay whatever it had not delivered when it died. The all-members cooldown
// stays at Discord's 30 s, so the restarted runner's member request is rate limited for the whole
// test: convergence can only come from the resumed session's replay, not from a fresh member list.

const [ada, grace, , margaret, dennis] = SEED_MEMBERS as unknown as { id: string }[] as [
  { id: string },
  { id: string },
  { id: string },
  { id: string },
  { id: string },
];

let emulator: Emulator;
let receiver: IngestReceiver;
let dir: string;
let env: Record<string, string>;
const processes: RunnerProcess[] = [];

function startRunnerProcess(): RunnerProcess {
  const runner = new RunnerProcess(env);
  processes.push(runner);
  return runner;
}

async function storedSessions(): Promise<GatewaySession[]> {
  try {
    return JSON.parse(await readFile(join(dir, "sessions.json"), "utf8")).sessions;
  } catch {
    return [];
  }
}

let counter = 0;
function play(userId: string): void {
  counter += 1;
  emulator.world.setPresence(SEED.guildId, {
    user: { id: userId },
    status: counter % 2 ? "online" : "idle",
    activities: [{ name: `update ${counter}`, type: 0 } as never],
  });
}

async function converged(what: string): Promise<void> {
  const want = () => expectedUsers(emulator.world, [SEED.guildId]);
  await waitFor(what, () => differences(receiver.users, want()).length === 0, {
    describe: () => differences(receiver.users, want()),
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "porchlight-process-"));
  emulator = await startEmulator({ ...EMULATOR_DEFAULTS, memberRequestCooldownMs: 30_000 });
  receiver = await IngestReceiver.start(TEST_SECRET);
  env = runnerEnv(emulator, receiver, {
    SESSION_STORE: join(dir, "sessions.json"),
    CHECKPOINT_INTERVAL_MS: "100",
  });
});
afterAll(async () => {
  for (const runner of processes) runner.kill("SIGKILL");
  await Promise.all(processes.map((runner) => runner.exited));
  await emulator?.close();
  await receiver?.close();
  await rm(dir, { recursive: true, force: true });
});

describe("gateway runner process", () => {
  it("resumes after SIGKILL and replays what it had not delivered", { timeout: 50_000 }, async () => {
    const first = startRunnerProcess();
    await first.waitToSay("all shards connected");
    await converged("the initial state");
    await waitFor("a checkpoint", async () => (await storedSessions()).length === 1);

    // The Worker starts failing: the runner keeps what follows buffered, unacknowledged.
    receiver.override = () => 503;
    const seqBefore = emulator.gateway.shards()[0]!.seq;
    for (let i = 0; i < 20; i++) {
      play(i % 2 ? ada.id : grace.id);
      await sleep(5);
    }
    await waitFor("the runner to handle them", async () => {
      const handled = await metric(first.opsPort, 'porchlight_runner_events_total{type="PRESENCE_UPDATE"}');
      return handled >= 20 && first.said("ingest failed; retrying");
    });
    // Several checkpoint intervals: a checkpoint that wrongly advanced past them would be on disk now.
    await sleep(500);
    expect((await storedSessions())[0]!.sequence).toBeLessThanOrEqual(seqBefore);
    const expectedAda = emulator.world.guilds.get(SEED.guildId)!.presences.get(ada.id)!;

    // Killed mid-stream: other users keep changing before, during and after the kill.
    const injector = setInterval(() => play(counter % 2 ? margaret.id : dennis.id), 10);
    try {
      await sleep(50);
      first.kill("SIGKILL");
      expect((await first.exited).signal).toBe("SIGKILL");
      await sleep(50);
    } finally {
      clearInterval(injector);
    }
    receiver.override = null;

    const second = startRunnerProcess();
    await second.waitToSay("all shards connected");
    await converged("the world, after the restart");
    const counters = emulator.gateway.counters();
    expect(counters.identifies).toBe(1);
    expect(counters.resumed).toBe(1);
    expect(counters.replayed).toBeGreaterThanOrEqual(20);
    // The replacement's own member request was refused (cooldown): the replay alone converged.
    expect(counters.member_requests_rate_limited).toBe(1);
    expect(receiver.users.get(ada.id)?.presence?.activities).toEqual(expectedAda.activities);
  });

  it("leaves the session resumable on SIGTERM, after delivering what it buffered", {
    timeout: 40_000,
  }, async () => {
    const running = processes.at(-1)!;
    const received = () => metric(running.opsPort, 'porchlight_runner_events_total{type="PRESENCE_UPDATE"}');
    const before = await received();
    play(ada.id);
    const last = `update ${counter}`;
    const closesBefore = emulator.gateway.counters().closes;
    // Once the runner has the dispatch (a moment after the emulator sent it),
    // SIGTERM must deliver it before the process exits.
    await waitFor("the runner to receive the update", async () => (await received()) > before);
    running.kill("SIGTERM");
    expect(await running.exited).toEqual({ code: 0, signal: null });
    expect(receiver.users.get(ada.id)?.presence?.activities[0]?.name).toBe(last);

    const closes = emulator.gateway.counters().closes;
    expect((closes["client:4200"] ?? 0) - (closesBefore["client:4200"] ?? 0)).toBe(1);
    expect(closes["client:1000"]).toBeUndefined();
    const [session] = emulator.gateway.shards();
    expect(session?.status).toBe("disconnected");
    expect((await storedSessions())[0]?.session_id).toBe(session?.session_id);

    // And the next process resumes it.
    const identifies = emulator.gateway.counters().identifies;
    const next = startRunnerProcess();
    await next.waitToSay("all shards connected");
    expect(next.said("shard resumed")).toBe(true);
    expect(emulator.gateway.counters().identifies).toBe(identifies);
    next.kill("SIGTERM");
    expect((await next.exited).code).toBe(0);
    expect(next.stderr).not.toContain(env.DISCORD_TOKEN);
    expect(next.stderr).not.toContain(env.INGEST_SECRET);
  });

  it("exits 1 when Discord refuses the token, without printing it", { timeout: 30_000 }, async () => {
    const wrongToken = "MTE5MTE2ODkxNDIyNzIwMDAwMQ.Wrong0.not-the-emulators-token-at-all";
    const runner = new RunnerProcess({
      ...env,
      DISCORD_TOKEN: wrongToken,
      SESSION_STORE: join(dir, "other.json"),
    });
    processes.push(runner);
    expect((await runner.exited).code).toBe(1);
    expect(runner.said("could not connect to Discord")).toBe(true);
    expect(runner.stderr).not.toContain(wrongToken);
  });
});
