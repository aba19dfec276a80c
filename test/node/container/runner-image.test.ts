import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { commandLine } from "../../../bench/lib/cpu.ts";
import { markedPresence, startWorkerStack, type WorkerStack } from "../../../bench/lib/stack.ts";
import { SEED_MEMBERS } from "../../../emulator/seed.ts";
import { runnerEnvFor } from "../../../scripts/lib/local-stack.ts";
import { freePort } from "../../../scripts/lib/processes.ts";
import { waitFor } from "../runner/helpers/wait.ts";

/**
 * The gateway runner's image (scripts/build-runner-image.sh builds it) as a container, between the
 * emulator and the Worker under wrangler dev: it forwards presence, keeps its secrets off every
 * command line, and on SIGTERM (`podman stop`, as Cloudflare and `docker stop` stop it) leaves its
 * Discord session for the next container to resume.
 *
 * Runs when PORCHLIGHT_RUNNER_IMAGE names the image (.ci/run sets it after building); skipped
 * otherwise, since it needs root, podman and the image.
 */
const IMAGE = process.env.PORCHLIGHT_RUNNER_IMAGE;
const run = promisify(execFile);

/**
 * podman as this machine allows it: runc, since crun refuses hybrid cgroups; limits lowered, since
 * raising them is refused here. Host networking: the emulator and the Worker listen on loopback.
 */
const podman = (...args: string[]) => run("podman", ["--runtime", "runc", ...args], { timeout: 60_000 });
const RUN_FLAGS = ["--network", "host", "--ulimit", "nofile=4096:4096", "--ulimit", "nproc=4096:4096"];

let stack: WorkerStack;
let envDir: string;
let envFile: string;
let secret: string;
const containers: string[] = [];

/** Settings for `--env-file`, in a private directory: docker's format takes each value literally. */
function writeDockerEnvFile(vars: Record<string, string>): void {
  envDir = mkdtempSync(join(tmpdir(), "porchlight-runner-env-"));
  envFile = join(envDir, "runner.env");
  for (const [name, value] of Object.entries(vars)) {
    if (/[\r\n]/.test(value)) throw new Error(`${name} has a line break, which --env-file cannot hold`);
  }
  const lines = Object.entries(vars).map(([name, value]) => `${name}=${value}\n`);
  writeFileSync(envFile, lines.join(""), { mode: 0o600, flag: "wx" });
}

async function startContainer(): Promise<string> {
  const name = `porchlight-runner-test-${process.pid}-${containers.length}`;
  await podman("run", "--detach", "--name", name, ...RUN_FLAGS, "--env-file", envFile, IMAGE!);
  containers.push(name);
  return name;
}

async function logsOf(name: string): Promise<string> {
  const { stdout, stderr } = await podman("logs", name);
  return stdout + stderr;
}

/** Runs `step`; if it fails, the container's log is added to the error, to say why. */
async function withLogs(name: string, step: () => Promise<void>): Promise<void> {
  try {
    await step();
  } catch (error) {
    const tail = (await logsOf(name)).split("\n").slice(-40).join("\n");
    throw new Error(`${(error as Error).message}\n${name}'s log, its end:\n${tail}`);
  }
}

async function statusOf(id: string): Promise<string | undefined> {
  const response = await fetch(`${stack.worker.url}/api/v1/users/${id}`);
  if (response.status !== 200) return undefined;
  const body = (await response.json()) as { status: string; activities: { text?: string }[] };
  return body.activities[0]?.text ?? body.status;
}

describe.skipIf(!IMAGE)("the gateway runner's image", () => {
  beforeAll(async () => {
    stack = await startWorkerStack({ emulator: { heartbeatIntervalMs: 2_000, identifyIntervalMs: 0 } });
    secret = stack.secret;
    const discord = { http: stack.emulator.urls.http, token: stack.emulator.world.application.botToken };
    writeDockerEnvFile({
      ...runnerEnvFor(discord, stack.worker.url, secret, [stack.guildId]),
      CHECKPOINT_INTERVAL_MS: "200",
      RETRY_CAP_MS: "1000",
      // Host networking: the image's 9464 may be taken on this machine.
      METRICS_PORT: String(await freePort()),
    });
  }, 120_000);

  afterAll(async () => {
    for (const name of containers) await podman("rm", "--force", "--time", "0", name).catch(() => {});
    await stack?.stop();
    if (envDir) rmSync(envDir, { recursive: true, force: true });
  });

  it("forwards a presence changed on Discord to the Worker", { timeout: 90_000 }, async () => {
    const name = await startContainer();
    const [ada] = SEED_MEMBERS;
    await waitFor(
      "the Worker to serve ada from the container's runner",
      async () => {
        return (await statusOf(ada!.id)) !== undefined;
      },
      { timeoutMs: 60_000 },
    );
    stack.emulator.world.setPresence(stack.guildId, markedPresence(ada!.id, "from the container"));
    await waitFor("ada's new custom status", async () => (await statusOf(ada!.id)) === "from the container", {
      timeoutMs: 20_000,
    });
    const { stdout: user } = await podman("exec", name, "id", "-u");
    expect(user.trim()).toBe("1000");
  });

  it("holds its secrets in no process's arguments", async () => {
    const secrets = [secret, stack.emulator.world.application.botToken];
    const leaking = readdirSync("/proc")
      .filter((entry) => /^\d+$/.test(entry))
      .map((pid) => commandLine(Number(pid)))
      .filter((line) => secrets.some((value) => line.includes(value)));
    expect(leaking).toEqual([]);
    const logs = await logsOf(containers.at(-1)!);
    for (const value of secrets) expect(logs).not.toContain(value);
  });

  it("stops on SIGTERM with its session resumable, and the next container resumes it", {
    timeout: 90_000,
  }, async () => {
    const before = stack.emulator.gateway.counters();
    // Let a checkpoint land in the Worker first (every 200 ms here).
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const first = containers.at(-1)!;
    await podman("stop", "--time", "20", first);
    const { stdout: exitCode } = await podman("inspect", "--format", "{{.State.ExitCode}}", first);
    expect(exitCode.trim(), await logsOf(first)).toBe("0");
    const closes = stack.emulator.gateway.counters().closes;
    expect((closes["client:4200"] ?? 0) - (before.closes["client:4200"] ?? 0)).toBe(1);
    expect(closes["client:1000"]).toBeUndefined();

    const second = await startContainer();
    await withLogs(second, () =>
      waitFor(
        "the second container to resume",
        () => stack.emulator.gateway.counters().resumed > before.resumed,
        {
          timeoutMs: 60_000,
        },
      ),
    );
    expect(stack.emulator.gateway.counters().identifies, await logsOf(second)).toBe(before.identifies);
    const [, grace] = SEED_MEMBERS;
    stack.emulator.world.setPresence(stack.guildId, markedPresence(grace!.id, "after the restart"));
    await waitFor(
      "grace's new custom status",
      async () => (await statusOf(grace!.id)) === "after the restart",
      {
        timeoutMs: 20_000,
      },
    );
  });
});
