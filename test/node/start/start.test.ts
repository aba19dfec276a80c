import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { commandLine } from "../../../bench/lib/cpu.ts";
import { SEED_MEMBERS } from "../../../emulator/seed.ts";
import { freePort } from "../../../scripts/lib/processes.ts";
import { waitFor } from "../runner/helpers/wait.ts";

/**
 * `npm start` as a person runs it: scripts/start.ts as a child process, whose output is read the way
 * a person reads it. One full start (the emulator, wrangler dev and the runner) checks that the
 * environment's Worker settings reach the Worker, that --fresh empties the local state it names,
 * that the seeded members move, and that the example queue consumer runs beside the Worker; the busy
 * ports never get as far as starting anything.
 */

const [ada, grace] = SEED_MEMBERS.map((member) => member.id) as [string, string];
/** Nothing in the environment running the tests may turn the stack towards real Discord. */
const LOCAL = { DISCORD_TOKEN: "", MONITORED_GUILD_IDS: "", PROXY_KEYS: "", INGEST_SECRET: "" };

/** start.ts as a child process, every line it prints kept, in the order printed. */
function launch(env: Record<string, string>, args: string[] = []) {
  const child = spawn(process.execPath, ["scripts/start.ts", ...args], {
    env: { ...process.env, ...LOCAL, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  createInterface({ input: child.stdout }).on("line", (line) => stdout.push(line));
  createInterface({ input: child.stderr }).on("line", (line) => stderr.push(line));
  const exited = once(child, "exit").then(([code]) => code as number | null);
  return { child, stdout, stderr, exited };
}

/** start.ts up to its ready line, on free ports: the child and the Worker's URL. */
async function startReady(env: Record<string, string>, args: string[] = []) {
  const emulatorPort = await freePort();
  const start = launch({ PORT: String(await freePort()), EMULATOR_PORT: String(emulatorPort), ...env }, args);
  const ready = () => start.stdout.find((line) => line.startsWith("porchlight ready: "));
  await waitFor("porchlight ready", () => ready() !== undefined || start.child.exitCode !== null, {
    timeoutMs: 120_000,
  });
  if (!ready())
    throw new Error(
      `npm start exited before it was ready:\n${[...start.stdout, ...start.stderr].join("\n")}`,
    );
  return { start, workerUrl: ready()!.split(": ")[1]!, emulatorPort };
}

/** SIGTERM, never SIGKILL: start.ts stops its children (each in a process group of its own). */
async function stopStart(start: ReturnType<typeof launch> | undefined): Promise<void> {
  if (!start || start.child.exitCode !== null) return;
  start.child.kill("SIGTERM");
  await start.exited;
}

/** Runs start.ts to its end; for starts that must fail before anything is up. */
async function runToExit(env: Record<string, string>, args: string[] = []) {
  const run = launch(env, args);
  const code = await run.exited;
  return { code, stdout: run.stdout, stderr: run.stderr };
}

/** Resolves once `port` can be listened on: whoever held it is gone (a killed process lets go soon after). */
async function portFreed(port: number): Promise<void> {
  await waitFor(
    `port ${port} to be free`,
    async () => {
      try {
        (await listener(port)).close();
        return true;
      } catch {
        return false;
      }
    },
    { timeoutMs: 10_000 },
  );
}

async function listener(port: number): Promise<Server> {
  const server = createServer();
  server.listen(port, "127.0.0.1");
  await once(server, "listening");
  return server;
}

describe("a port already taken", () => {
  it.each([
    ["PORT", "EMULATOR_PORT"],
    ["EMULATOR_PORT", "PORT"],
  ])("by %s is one line naming the variable, and nothing starts", async (busyName, otherName) => {
    const busy = await freePort();
    const server = await listener(busy);
    try {
      const result = await runToExit({ [busyName]: String(busy), [otherName]: String(await freePort()) });
      expect(result.code).toBe(1);
      expect(result.stderr).toEqual([
        `npm start: port ${busy} is in use; set ${busyName} to a free port (${busyName}=${busy + 1} npm start)`,
      ]);
      // Refused before anything was started or printed.
      expect(result.stdout).toEqual([]);
    } finally {
      server.close();
    }
  });

  it("a port that is no port is named too", async () => {
    const result = await runToExit({ PORT: "80a" });
    expect(result).toMatchObject({
      code: 1,
      stderr: ['npm start: PORT must be a port number from 1 to 65535, not "80a"'],
    });
  });

  it("an unknown flag gets the usage", async () => {
    const result = await runToExit({}, ["--frsh"]);
    expect(result.code).toBe(2);
    expect(result.stderr.join("\n")).toMatch(/Unknown option '--frsh'[\s\S]*usage: npm start \[-- --fresh\]/);
  });
});

describe("npm start -- --fresh, with Worker settings in the environment", () => {
  let start: ReturnType<typeof launch>;
  let workerUrl: string;
  let stateDir: string;
  // Each one of a different kind: a wrangler.toml [vars] value (5 there), a value npm start sets
  // itself (the emulator's CDN), and one the Worker defaults on its own (100 ids).
  const settings = {
    CACHE_TTL_SECONDS: "7",
    DISCORD_CDN_BASE: "http://127.0.0.1:1/cdn-from-the-environment",
    SOCKET_MAX_IDS: "3",
  };

  beforeAll(async () => {
    stateDir = mkdtempSync(join(tmpdir(), "porchlight-start-"));
    // What an earlier run left: wrangler keeps its state under v3/.
    mkdirSync(join(stateDir, "v3"));
    writeFileSync(join(stateDir, "v3", "earlier-run"), "");
    ({ start, workerUrl } = await startReady(
      { ...settings, LOCAL_STATE_DIR: stateDir, EMULATOR_PACE: "0.2" },
      ["--fresh"],
    ));
  }, 150_000);

  afterAll(async () => {
    await stopStart(start);
    rmSync(stateDir, { recursive: true, force: true });
  });

  it("empties the local state it names, which the Worker then uses", () => {
    expect(start.stdout).toContain(`Local state: ${stateDir} (LOCAL_STATE_DIR; emptied by --fresh)`);
    expect(existsSync(join(stateDir, "v3", "earlier-run"))).toBe(false);
    // wrangler dev wrote its state there again.
    expect(existsSync(join(stateDir, "v3"))).toBe(true);
  });

  it("hands every Worker setting in its environment to the Worker, over its own values", async () => {
    expect(start.stdout).toContain(
      "Worker settings from the environment: CACHE_TTL_SECONDS, DISCORD_CDN_BASE, SOCKET_MAX_IDS",
    );
    const url = `${workerUrl}/api/v1/users/${ada}`;
    await waitFor("ada on the Worker", async () => (await fetch(url)).status === 200, { timeoutMs: 60_000 });
    const response = await fetch(url);
    expect(response.headers.get("cache-control")).toBe("public, max-age=7");
    const body = (await response.json()) as { metadata: { avatar_url: string } };
    expect(body.metadata.avatar_url.startsWith(`${settings.DISCORD_CDN_BASE}/avatars/${ada}/`)).toBe(true);
    // SOCKET_MAX_IDS: an INIT of four ids is over the limit of three.
    const socket = new WebSocket(`${workerUrl.replace(/^http/, "ws")}/socket`);
    const ids = SEED_MEMBERS.slice(0, 4).map((member) => member.id);
    socket.addEventListener("open", () => socket.send(JSON.stringify({ op: 2, d: { user_ids: ids } })));
    const [closed] = (await once(socket, "close")) as [CloseEvent];
    expect(closed.code).toBe(4007);
  });

  it("brings the seeded members to life: grace changes within seconds", async () => {
    const url = `${workerUrl}/api/v1/users/${grace}`;
    const read = async () => {
      const { status, active_platforms, activities } = (await (await fetch(url)).json()) as Record<
        string,
        unknown
      >;
      return JSON.stringify({ status, active_platforms, activities });
    };
    await waitFor("grace on the Worker", async () => (await fetch(url)).status === 200, {
      timeoutMs: 60_000,
    });
    const first = await read();
    await waitFor("grace to change", async () => (await read()) !== first, { timeoutMs: 20_000 });
  });

  it("stops everything on SIGTERM", async () => {
    const port = Number(new URL(workerUrl).port);
    start.child.kill("SIGTERM");
    expect(await start.exited).toBe(0);
    // The Worker's port is free again: wrangler and workerd are gone.
    await portFreed(port);
  });
});

describe("a piece of the stack that dies", () => {
  let run: Awaited<ReturnType<typeof startReady>>;
  let stateDir: string;
  beforeAll(async () => {
    stateDir = mkdtempSync(join(tmpdir(), "porchlight-start-"));
    run = await startReady({ LOCAL_STATE_DIR: stateDir, EMULATOR_PACE: "0" });
  }, 150_000);
  afterAll(async () => {
    await stopStart(run?.start);
    rmSync(stateDir, { recursive: true, force: true });
  });

  it("forwards a user's message through the runner and the queue to the example consumer's log", async () => {
    // ada writes to the bot: MESSAGE_CREATE, forwarded by the runner (FORWARD_EVENTS) to POST
    // /ingest/events, put on the local queue, and logged by examples/queue-consumer.
    const response = await fetch(`http://127.0.0.1:${run.emulatorPort}/_emulator/users/${ada}/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ content: "hello" }),
    });
    expect(response.status).toBe(201);
    const line = /queue consumer: MESSAGE_CREATE 0:[0-9a-f]+:\d+/;
    await waitFor("the consumer's line", () => run.start.stdout.some((text) => line.test(text)), {
      timeoutMs: 20_000,
    });
  });

  it("stops the rest and says which, with its last lines, rather than serving stale data", async () => {
    const emulator = readdirSync("/proc")
      .filter((name) => /^\d+$/.test(name))
      .map(Number)
      .find((pid) => commandLine(pid).includes(`emulator/cli.ts --port ${run.emulatorPort} `));
    expect(emulator).toBeDefined();
    process.kill(emulator!, "SIGKILL");
    expect(await run.start.exited).toBe(1);
    expect(run.start.stderr[0]).toBe(
      "npm start: the emulator exited (SIGKILL); stopping the rest. Its last lines:",
    );
    expect(run.start.stderr.some((line) => line.startsWith("  emulator ready: "))).toBe(true);
    // The Worker went with it.
    await portFreed(Number(new URL(run.workerUrl).port));
  });
});
