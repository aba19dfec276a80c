import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SEED, SEED_MEMBERS } from "../../../emulator/seed.ts";
import { type Emulator, startEmulator } from "../../../emulator/server.ts";
import { ingestHeaders } from "../../../schemas/ingest-signature.ts";
import {
  newIngestSecret,
  type RunnerProcess,
  runnerEnvFor,
  startRunnerProcess,
  startWorkerProcess,
  type WorkerProcess,
  workerVarsFor,
} from "../../../scripts/lib/local-stack.ts";
import { freePort } from "../../../scripts/lib/processes.ts";

/**
 * The presence pipeline end to end over real sockets: the emulator (in this process, so the test
 * can drive Discord), the gateway runner and the Worker under wrangler dev (each its own process).
 */

let emulator: Emulator;
let worker: WorkerProcess;
let runner: RunnerProcess;
let workerPort: number;
let persistTo: string;
const secret = newIngestSecret();

async function startWorker() {
  worker = await startWorkerProcess({
    port: workerPort,
    vars: workerVarsFor(emulator.urls.http, secret),
    persistTo,
  });
}

async function startRunner() {
  runner = await startRunnerProcess({
    env: {
      ...runnerEnvFor(
        { http: emulator.urls.http, token: emulator.world.application.botToken },
        worker.url,
        secret,
        [SEED.guildId],
      ),
      CHECKPOINT_INTERVAL_MS: "200",
      RETRY_CAP_MS: "1000",
    },
  });
}

beforeAll(async () => {
  persistTo = mkdtempSync(join(tmpdir(), "porchlight-e2e-"));
  workerPort = await freePort();
  emulator = await startEmulator({ port: 0, heartbeatIntervalMs: 2_000, identifyIntervalMs: 100 });
  emulator.simulator.start({ users: 30, rate: 0, seed: 7 });
  await startWorker();
  await startRunner();
}, 120_000);

afterAll(async () => {
  await runner?.stop();
  await worker?.stop();
  await emulator?.close();
  rmSync(persistTo, { recursive: true, force: true });
});

const PLATFORMS = ["desktop", "mobile", "web"] as const;

/** Status and per-platform status, as one comparable string. */
function summary(status: string, platforms: Partial<Record<string, string>>): string {
  return [status, ...PLATFORMS.map((p) => platforms[p] ?? "offline")].join("/");
}

/** What Discord (the emulator) says about each member, and what the Worker serves. */
function emulatorStatuses(): Map<string, string> {
  const guild = emulator.world.requireGuild(SEED.guildId);
  return new Map(
    [...guild.members.keys()].map((id) => {
      const presence = guild.presences.get(id);
      return [id, summary(presence?.status ?? "offline", presence?.client_status ?? {})];
    }),
  );
}

async function workerStatuses(ids: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (let i = 0; i < ids.length; i += 50) {
    const query = ids
      .slice(i, i + 50)
      .map((id) => `user_ids=${id}`)
      .join("&");
    const res = await fetch(`${worker.url}/api/v1/users?${query}`);
    if (res.status !== 200) continue;
    const users = (await res.json()) as {
      metadata: { id: string };
      status: string;
      active_platforms: Record<string, string>;
    }[];
    for (const user of users) out.set(user.metadata.id, summary(user.status, user.active_platforms));
  }
  return out;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 45_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${last}` : ""}`);
}

/** Waits until the Worker serves exactly the emulator's statuses for every member. */
async function converged(): Promise<void> {
  await until("the Worker to converge on the emulator's state", async () => {
    const expected = emulatorStatuses();
    const actual = await workerStatuses([...expected.keys()]);
    const diff = [...expected].filter(([id, status]) => actual.get(id) !== status);
    return diff.length === 0 ? true : undefined;
  });
}

describe("emulator → runner → Worker → REST", () => {
  it("shows every member, then a presence change made on Discord", async () => {
    await converged();
    const ada = SEED_MEMBERS[0]!.id;
    emulator.world.setPresence(SEED.guildId, {
      user: { id: ada },
      status: "dnd",
      client_status: { web: "dnd" },
      activities: [{ name: "Custom Status", type: 4, state: "in a meeting" } as never],
    });
    const user = await until("ada's change", async () => {
      const body = (await (await fetch(`${worker.url}/api/v1/users/${ada}`)).json()) as {
        status: string;
        active_platforms: { web: string };
        activities: { text?: string }[];
      };
      return body.status === "dnd" ? body : undefined;
    });
    expect(user.active_platforms.web).toBe("dnd");
    expect(user.activities[0]?.text).toBe("in a meeting");
  });

  it("a leave makes the user 404, a join brings a new user in", async () => {
    const linus = SEED_MEMBERS[2]!.id;
    emulator.world.removeMember(SEED.guildId, linus);
    await until("linus to be gone", async () =>
      (await fetch(`${worker.url}/api/v1/users/${linus}`)).status === 404 ? true : undefined,
    );
    const newcomer = emulator.world.createUser({ username: "newcomer" });
    emulator.world.addMember(SEED.guildId, newcomer.id);
    const lanyard = await until("the newcomer", async () => {
      const res = await fetch(`${worker.url}/v1/users/${newcomer.id}`);
      return res.status === 200
        ? ((await res.json()) as { data: { discord_user: { username: string } } })
        : undefined;
    });
    expect(lanyard.data.discord_user.username).toBe("newcomer");
  });

  it("refuses an ingest with a bad signature or an old timestamp", async () => {
    const body = JSON.stringify({
      batch_id: "forged",
      deltas: [
        { user_id: SEED_MEMBERS[0]!.id, version: Number.MAX_SAFE_INTEGER, presence: { status: "offline" } },
      ],
    });
    const forged = await fetch(`${worker.url}/ingest`, {
      method: "POST",
      headers: await ingestHeaders("x".repeat(64), body),
      body,
    });
    expect(forged.status).toBe(401);
    const old = await fetch(`${worker.url}/ingest`, {
      method: "POST",
      headers: await ingestHeaders(secret, body, Date.now() - 3_600_000),
      body,
    });
    expect(old.status).toBe(401);
    expect(
      (
        (await (await fetch(`${worker.url}/api/v1/users/${SEED_MEMBERS[0]!.id}`)).json()) as {
          status: string;
        }
      ).status,
    ).not.toBe("offline");
  });
});

describe("failures", () => {
  it("a runner killed with SIGKILL mid-stream resumes its session and loses no update", async () => {
    const before = emulator.gateway.counters();
    emulator.simulator.stop();
    emulator.simulator.start({ users: 30, rate: 40, seed: 7 });
    await new Promise((r) => setTimeout(r, 1_500));
    await runner.stop("SIGKILL");
    // Discord keeps changing while the runner is dead.
    await new Promise((r) => setTimeout(r, 1_000));
    await startRunner();
    await new Promise((r) => setTimeout(r, 1_500));
    emulator.simulator.stop();
    await converged();
    const after = emulator.gateway.counters();
    expect(after.resumes).toBeGreaterThan(before.resumes);
    expect(after.identifies).toBe(before.identifies);
  }, 90_000);

  it("while the Worker is down for 10 s the runner buffers, then converges", async () => {
    emulator.simulator.start({ users: 30, rate: 20, seed: 7 });
    await worker.stop();
    await new Promise((r) => setTimeout(r, 10_000));
    emulator.simulator.stop();
    const health = await fetch(`${runner.metrics}/health`);
    expect(health.status).toBe(503);
    await startWorker();
    await converged();
    await until("the runner to report healthy", async () =>
      (await fetch(`${runner.metrics}/health`)).ok ? true : undefined,
    );
  }, 120_000);
});
