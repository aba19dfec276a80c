import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { differences } from "../../../bench/lib/presence-state.ts";
import { type InProcessStack, startInProcessStack } from "../../../bench/lib/stack.ts";
import { SEED_MEMBERS } from "../../../emulator/seed.ts";
import { ingestHeaders } from "../../../schemas/ingest-signature.ts";

/**
 * The presence pipeline end to end over real sockets: the emulator (in this process, so the test
 * can drive Discord), the gateway runner and the Worker under wrangler dev (each its own process).
 */

let stack: InProcessStack;

beforeAll(async () => {
  stack = await startInProcessStack({
    users: 30,
    seed: 7,
    heartbeatIntervalMs: 2_000,
    // Quick checkpoints and retries, so the kill and outage tests below recover within their timeouts.
    runnerEnv: { CHECKPOINT_INTERVAL_MS: "200", RETRY_CAP_MS: "1000" },
  });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

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
  await until("the Worker to converge on the emulator's state", async () =>
    (await differences(stack.emulator, stack.guildId, stack.worker.url)).length === 0 ? true : undefined,
  );
}

describe("emulator → runner → Worker → REST", () => {
  it("shows every member, then a presence change made on Discord", async () => {
    await converged();
    const ada = SEED_MEMBERS[0]!.id;
    stack.emulator.world.setPresence(stack.guildId, {
      user: { id: ada },
      status: "dnd",
      client_status: { web: "dnd" },
      activities: [{ name: "Custom Status", type: 4, state: "in a meeting" } as never],
    });
    const user = await until("ada's change", async () => {
      const body = (await (await fetch(`${stack.worker.url}/api/v1/users/${ada}`)).json()) as {
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
    stack.emulator.world.removeMember(stack.guildId, linus);
    await until("linus to be gone", async () =>
      (await fetch(`${stack.worker.url}/api/v1/users/${linus}`)).status === 404 ? true : undefined,
    );
    const newcomer = stack.emulator.world.createUser({ username: "newcomer" });
    stack.emulator.world.addMember(stack.guildId, newcomer.id);
    const lanyard = await until("the newcomer", async () => {
      const res = await fetch(`${stack.worker.url}/v1/users/${newcomer.id}`);
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
    const forged = await fetch(`${stack.worker.url}/ingest`, {
      method: "POST",
      headers: await ingestHeaders("x".repeat(64), { method: "POST", path: "/ingest" }, body),
      body,
    });
    expect(forged.status).toBe(401);
    const old = await fetch(`${stack.worker.url}/ingest`, {
      method: "POST",
      headers: await ingestHeaders(
        stack.secret,
        { method: "POST", path: "/ingest" },
        body,
        Date.now() - 3_600_000,
      ),
      body,
    });
    expect(old.status).toBe(401);
    expect(
      (
        (await (await fetch(`${stack.worker.url}/api/v1/users/${SEED_MEMBERS[0]!.id}`)).json()) as {
          status: string;
        }
      ).status,
    ).not.toBe("offline");
  });
});

describe("failures", () => {
  it("a runner killed with SIGKILL mid-stream resumes its session and loses no update", async () => {
    const before = stack.emulator.gateway.counters();
    stack.emulator.simulator.stop();
    stack.emulator.simulator.start({ users: 30, rate: 40, seed: 7 });
    await new Promise((r) => setTimeout(r, 1_500));
    await stack.runner.stop("SIGKILL");
    // Discord keeps changing while the runner is dead.
    await new Promise((r) => setTimeout(r, 1_000));
    await stack.startRunner();
    await new Promise((r) => setTimeout(r, 1_500));
    stack.emulator.simulator.stop();
    await converged();
    const after = stack.emulator.gateway.counters();
    expect(after.resumes).toBeGreaterThan(before.resumes);
    expect(after.identifies).toBe(before.identifies);
  }, 90_000);

  it("while the Worker is down for 10 s the runner buffers, then converges", async () => {
    stack.emulator.simulator.start({ users: 30, rate: 20, seed: 7 });
    await stack.worker.stop();
    await new Promise((r) => setTimeout(r, 10_000));
    stack.emulator.simulator.stop();
    const health = await fetch(`${stack.runner.metrics}/health`);
    expect(health.status).toBe(503);
    await stack.startWorker();
    await converged();
    await until("the runner to report healthy", async () =>
      (await fetch(`${stack.runner.metrics}/health`)).ok ? true : undefined,
    );
  }, 120_000);
});
