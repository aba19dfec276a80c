import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parse as parseToml, stringify as stringifyToml } from "smol-toml";
import { SEED_MEMBERS } from "../../emulator/seed.ts";
import { registerCommands } from "../register-commands.ts";
import { writePrivateEnvFile } from "./private-env-file.ts";
import {
  type Child,
  freePort,
  OFFLINE_WRANGLER_ENV,
  type SpawnOptions,
  spawnChild,
  spawnNode,
} from "./processes.ts";

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

/** The example consumer of the gateway-events queue, run beside the Worker (examples/queue-consumer). */
export interface QueueConsumerOptions {
  /** Where it POSTs each batch's events; unset, it logs one line per event (`TYPE id`). */
  forwardTo?: string;
  /** Without forwardTo: hears each line the consumer logs, without wrangler's prefix. */
  onLog?: (line: string) => void;
}

export const QUEUE_CONSUMER_DIR = "examples/queue-consumer";

/**
 * The example consumer's wrangler.toml for a local stack, in a private temporary directory: the
 * example's own, with `main` made absolute (the file is not beside it), batches delivered at once
 * rather than after the example's 5 s, and FORWARD_TO as a var. A Worker that wrangler dev runs
 * beside the first takes its vars from its own config only (--env-file is the first Worker's), and
 * a file, unlike an argument, is not readable by every local user: a URL may carry a token.
 */
export function writeQueueConsumerConfig(options: QueueConsumerOptions): {
  path: string;
  name: string;
  remove(): void;
} {
  const example = parseToml(readFileSync(join(QUEUE_CONSUMER_DIR, "wrangler.toml"), "utf8")) as {
    name: string;
    main: string;
    queues: { consumers: Record<string, unknown>[] };
    vars?: Record<string, string>;
  };
  const config = {
    ...example,
    main: resolve(QUEUE_CONSUMER_DIR, example.main),
    queues: {
      ...example.queues,
      consumers: example.queues.consumers.map((consumer) => ({ ...consumer, max_batch_timeout: 0 })),
    },
    vars: options.forwardTo ? { ...example.vars, FORWARD_TO: options.forwardTo } : example.vars,
  };
  const dir = mkdtempSync(join(tmpdir(), "porchlight-consumer-"));
  const path = join(dir, "wrangler.toml");
  const remove = () => rmSync(dir, { recursive: true, force: true });
  try {
    writeFileSync(path, stringifyToml(config), { mode: 0o600, flag: "wx" });
  } catch (error) {
    remove();
    throw error;
  }
  return { path, name: example.name, remove };
}

/**
 * What running the example consumer beside the Worker adds to wrangler dev: its config after the
 * Worker's (`-c wrangler.toml -c <its config>`: the first is the one on the port), and, when it
 * logs, wrangler's log level raised to show a Worker's console.log. That level logs every request
 * too: those lines are not kept to explain an exit, and the consumer's own go to onLog.
 */
function queueConsumerSession(options: QueueConsumerOptions) {
  const config = writeQueueConsumerConfig(options);
  const prefix = `[${config.name}] `;
  const logs = !options.forwardTo;
  const spawn: Pick<SpawnOptions, "forget" | "onLine"> = logs
    ? {
        forget: (line) => line.startsWith("[wrangler:info] ") || line.startsWith(prefix),
        onLine: (line) => {
          if (line.startsWith(prefix)) options.onLog?.(line.slice(prefix.length));
        },
      }
    : {};
  return {
    args: ["-c", "wrangler.toml", "-c", config.path],
    logLevel: logs ? "log" : undefined,
    spawn,
    remove: config.remove,
  };
}

/**
 * wrangler dev with `vars` as the Worker's settings. They reach wrangler through a private file
 * (--env-file), never its arguments, which any local user can read: INGEST_SECRET is among them, and
 * a setting named innocently may be secret too. The file is deleted once wrangler exits. With
 * `queueConsumer`, the example consumer of the gateway-events queue runs in the same session as a
 * second Worker, so what POST /ingest/events queues is consumed locally.
 */
export async function startWorkerProcess(options: {
  port: number;
  vars: Record<string, string>;
  persistTo: string;
  queueConsumer?: QueueConsumerOptions;
  echo?: boolean;
}): Promise<WorkerProcess> {
  const inspectorPort = await freePort();
  const envFile = writePrivateEnvFile(options.vars);
  let consumer: ReturnType<typeof queueConsumerSession> | undefined;
  try {
    consumer = options.queueConsumer && queueConsumerSession(options.queueConsumer);
  } catch (error) {
    envFile.remove();
    throw error;
  }
  const removeFiles = () => {
    envFile.remove();
    consumer?.remove();
  };
  const args = [
    "wrangler",
    "dev",
    ...(consumer?.args ?? []),
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
    consumer?.logLevel ?? "warn",
  ];
  const url = `http://127.0.0.1:${options.port}`;
  // Also if this process exits first: spawnChild kills the group then, and the files must go with it.
  process.once("exit", removeFiles);
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
      ...consumer?.spawn,
    });
    child.child.once("exit", () => {
      removeFiles();
      process.off("exit", removeFiles);
    });
    return { ...child, url, inspectorPort };
  } catch (error) {
    removeFiles();
    process.off("exit", removeFiles);
    throw error;
  }
}

export interface RunnerProcess extends Child {
  metrics: string;
}

export async function startRunnerProcess(options: {
  env: Record<string, string>;
  echo?: boolean;
  /** Where its standard output (the stdout event sink) goes, unread here; read line by line otherwise. */
  stdout?: SpawnOptions["stdout"];
  onLine?: SpawnOptions["onLine"];
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
    stdout: options.stdout,
    onLine: options.onLine,
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
