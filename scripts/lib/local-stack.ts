import { createHash, randomBytes } from "node:crypto";
import { SEED_MEMBERS } from "../../emulator/seed.ts";
import { registerCommands } from "../register-commands.ts";
import { writePrivateEnvFile } from "./private-env-file.ts";
import { type Child, freePort, OFFLINE_WRANGLER_ENV, spawnChild, spawnNode } from "./processes.ts";

/**
 * The whole local stack: the Discord emulator, the Worker in workerd (wrangler dev) and the
 * gateway runner between them, each in its own process and wired to the others. `npm start` runs
 * it; the end-to-end tests and benchmarks start and stop its pieces one by one.
 */

export interface EmulatorProcess extends Child {
  http: string;
  token: string;
}

export async function startEmulatorProcess(options: {
  port?: number;
  simulate?: { users: number; rate: number };
  /** Seconds between two changes of the seeded members (the demo's life); unset or 0, still. */
  paceSeconds?: number;
  heartbeatIntervalMs?: number;
  echo?: boolean;
}): Promise<EmulatorProcess> {
  const args = ["--port", String(options.port ?? 0)];
  if (options.simulate)
    args.push("--simulate", String(options.simulate.users), "--rate", String(options.simulate.rate));
  if (options.paceSeconds) args.push("--pace", String(options.paceSeconds));
  if (options.heartbeatIntervalMs) args.push("--heartbeat-interval", String(options.heartbeatIntervalMs));
  const child = await spawnNode("emulator/cli.ts", args, {
    label: "emulator",
    ready: /emulator ready: (\S+) .* token=(\S+)/,
    echo: options.echo,
  });
  return { ...child, http: child.match![1]!, token: child.match![2]! };
}

export interface WorkerProcess extends Child {
  url: string;
  /** wrangler dev's DevTools port: a CPU profile of the Worker and its objects (bench/lib/inspector.ts). */
  inspectorPort: number;
}

/**
 * wrangler dev with `vars` as the Worker's settings. They reach wrangler through a private file
 * (--env-file), never its arguments, which any local user can read: INGEST_SECRET is among them, and
 * a setting named innocently may be secret too. The file is deleted once wrangler exits.
 */
export async function startWorkerProcess(options: {
  port: number;
  vars: Record<string, string>;
  persistTo: string;
  echo?: boolean;
}): Promise<WorkerProcess> {
  const inspectorPort = await freePort();
  const envFile = writePrivateEnvFile(options.vars);
  const args = [
    "wrangler",
    "dev",
    "--ip",
    "127.0.0.1",
    "--port",
    String(options.port),
    "--persist-to",
    options.persistTo,
    "--env-file",
    envFile.path,
    "--inspector-port",
    String(inspectorPort),
    "--show-interactive-dev-session=false",
    "--log-level",
    "warn",
  ];
  const url = `http://127.0.0.1:${options.port}`;
  // Also if this process exits first: spawnChild kills the group then, and the file must go with it.
  process.once("exit", envFile.remove);
  try {
    const child = await spawnChild("npx", args, {
      label: "worker",
      // The file, and only the file, is the Worker's settings: a user's CLOUDFLARE_INCLUDE_PROCESS_ENV
      // would add this environment to them and have wrangler read the file's values a second time
      // through its own, undoing escapes (`\$`) once more; CLOUDFLARE_LOAD_DEV_VARS_FROM_DOT_ENV=false
      // would ignore the file.
      env: {
        ...OFFLINE_WRANGLER_ENV,
        // wrangler dev's local observability streams a tail of every invocation (each request, each
        // object call) to a collector for its local dashboard: about an eighth of workerd's CPU per
        // presence change (bench:profile, perf). Porchlight's local stacks do not use it, and a
        // deployment has no such tail; X_LOCAL_OBSERVABILITY=true in the environment turns it back on.
        X_LOCAL_OBSERVABILITY: process.env.X_LOCAL_OBSERVABILITY ?? "false",
        CLOUDFLARE_INCLUDE_PROCESS_ENV: "false",
        CLOUDFLARE_LOAD_DEV_VARS_FROM_DOT_ENV: "true",
      },
      readyUrl: `${url}/`,
      timeoutMs: 90_000,
      echo: options.echo,
    });
    child.child.once("exit", () => {
      envFile.remove();
      process.off("exit", envFile.remove);
    });
    return { ...child, url, inspectorPort };
  } catch (error) {
    envFile.remove();
    process.off("exit", envFile.remove);
    throw error;
  }
}

export interface RunnerProcess extends Child {
  metrics: string;
}

export async function startRunnerProcess(options: {
  env: Record<string, string>;
  echo?: boolean;
  /** Ready once /health answers 200 (the default), or as soon as /metrics listens: for a runner expected to be unhealthy. */
  readyWhen?: "healthy" | "listening";
}): Promise<RunnerProcess> {
  const metricsPort = options.env.METRICS_PORT ?? String(await freePort());
  const metrics = `http://127.0.0.1:${metricsPort}`;
  const child = await spawnNode("gateway-runner/main.ts", [], {
    label: "runner",
    env: { ...options.env, METRICS_PORT: metricsPort, METRICS_HOST: "127.0.0.1" },
    readyUrl: `${metrics}/${options.readyWhen === "listening" ? "metrics" : "health"}`,
    echo: options.echo,
  });
  return { ...child, metrics };
}

/** A fresh ingest secret per stack: both ends get it, and it never leaves the machine. */
export function newIngestSecret(): string {
  return randomBytes(32).toString("hex");
}

/** The runner's settings for talking to a local emulator and Worker. */
export function runnerEnvFor(
  emulator: { http: string; token: string },
  workerUrl: string,
  secret: string,
  guildIds: string[],
) {
  return {
    DISCORD_TOKEN: emulator.token,
    DISCORD_API_BASE: `${emulator.http}/api`,
    MONITORED_GUILD_IDS: guildIds.join(","),
    INGEST_URL: `${workerUrl}/ingest`,
    INGEST_SECRET: secret,
    SESSION_STORE: "worker",
    // One runner per local stack: restarted after a kill under the same id, it gets its lease back
    // at once rather than waiting it out as a standby (shard-lease.ts). The lease is the default
    // 30 s: a renewal must be answered within two thirds of it, and a Worker busy with a burst of
    // 500,000 updates (bench:pipeline) took longer than a 10 s lease allowed, so the runner gave up
    // its shards mid-burst.
    RUNNER_ID: "local",
  };
}

/**
 * Every image base at the emulator's CDN: the Worker's cards and the runner's copies into R2 read
 * the same ones, since an image's key in R2 is derived from its URL (schemas/card-images.ts).
 */
export function imageBasesFor(emulatorHttp: string): Record<string, string> {
  return { DISCORD_CDN_BASE: emulatorHttp, SPOTIFY_CDN_BASE: emulatorHttp, MEDIA_PROXY_BASE: emulatorHttp };
}

/**
 * The Worker's settings for a local stack: images come from the emulator's CDN and the landing
 * page opens on ada, the seeded member listening to Spotify; with the application's public key,
 * /interactions (the bot) is on.
 */
export function workerVarsFor(
  emulatorHttp: string | null,
  secret: string,
  discordPublicKey?: string,
): Record<string, string> {
  const vars: Record<string, string> = { INGEST_SECRET: secret };
  // Every image base points at the emulator, so no card or payload reaches for Discord's hosts.
  if (emulatorHttp) {
    Object.assign(vars, {
      ...imageBasesFor(emulatorHttp),
      // Without it the page would open on whoever sorts first: a simulated user, not the seeded one.
      LANDING_USER_ID: SEED_MEMBERS[0]!.id,
    });
  }
  if (discordPublicKey) vars.DISCORD_PUBLIC_KEY = discordPublicKey;
  return vars;
}

export { LOCAL_PROXY_KEY } from "../../settings/local.ts";

/**
 * The Worker's REST proxy settings for a local stack: the emulator's bot behind `proxyKey`. The
 * Worker holds only the key's SHA-256, as a deployment does.
 */
export function proxyVarsFor(
  emulator: { http: string; token: string },
  proxyKey: string,
): Record<string, string> {
  return {
    DISCORD_TOKEN: emulator.token,
    DISCORD_API_BASE: `${emulator.http}/api`,
    PROXY_KEYS: createHash("sha256").update(proxyKey).digest("hex"),
  };
}

/** What the bot needs to know of the emulator's application, from GET /_emulator/state. */
export interface EmulatorApplication {
  applicationId: string;
  publicKey: string;
  botToken: string;
}

export async function emulatorApplication(emulatorHttp: string): Promise<EmulatorApplication> {
  const response = await fetch(`${emulatorHttp}/_emulator/state`);
  if (!response.ok) throw new Error(`GET /_emulator/state answered ${response.status}`);
  const state = (await response.json()) as { application_id: string; public_key: string; bot_token: string };
  return { applicationId: state.application_id, publicKey: state.public_key, botToken: state.bot_token };
}

/**
 * Wires the bot into the emulator as a developer does on Discord: the application's interactions
 * endpoint URL set to the Worker's /interactions, and the slash commands registered (globally).
 */
export async function wireBot(
  emulatorHttp: string,
  workerUrl: string,
  app: EmulatorApplication,
): Promise<void> {
  const response = await fetch(`${emulatorHttp}/_emulator/application`, {
    method: "PATCH",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ interactions_endpoint_url: `${workerUrl}/interactions` }),
  });
  if (!response.ok) throw new Error(`PATCH /_emulator/application answered ${response.status}`);
  await registerCommands({
    token: app.botToken,
    apiBase: `${emulatorHttp}/api`,
    applicationId: app.applicationId,
    guildId: null,
  });
}
