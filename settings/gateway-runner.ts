/**
 * What the gateway runner's Cloudflare Container is started with, read from the Worker's own
 * settings, so one `wrangler secret put` serves both ends and nothing is configured twice.
 *
 * No imports: the Node tests check this list against the runner's own (gateway-runner/config.ts),
 * and the Worker's Env type cannot be read there.
 */

/**
 * The runner's settings a deployment may choose, each read from the Worker's `RUNNER_<NAME>`
 * (`RUNNER_MONITORED_GUILD_IDS`): the prefix keeps them apart from the Worker's own settings.
 */
export const RUNNER_SETTINGS = [
  "MONITORED_GUILD_IDS",
  "SHARD_COUNT",
  "SHARD_IDS",
  "FLUSH_WINDOW_MS",
  "RETRY_BASE_MS",
  "RETRY_CAP_MS",
  "INGEST_TIMEOUT_MS",
  "CHECKPOINT_INTERVAL_MS",
  "SHUTDOWN_TIMEOUT_MS",
  "LOG_LEVEL",
] as const;

/** Settings both ends read under the same name and meaning: passed on as they are. */
export const SHARED_SETTINGS = ["DISCORD_TOKEN", "INGEST_SECRET", "DISCORD_API_BASE"] as const;

/** The port the runner's /metrics and /health listen on: what the Container class waits for. */
export const RUNNER_PORT = 9464;

/**
 * Fixed in the container, never the deployment's choice: a container's disk is gone when it
 * stops, so the sessions must live in the Worker; and the platform reaches /health from outside.
 */
export const FIXED_SETTINGS = {
  SESSION_STORE: "worker",
  METRICS_HOST: "0.0.0.0",
  METRICS_PORT: String(RUNNER_PORT),
} as const;

/** The runner settings the container is started with, or the Worker settings that are missing. */
export type RunnerEnvironment = { ok: true; env: Record<string, string> } | { ok: false; missing: string[] };

type WorkerSettings = Readonly<Record<string, unknown>>;

/**
 * The container's environment from the Worker's. INGEST_URL is `RUNNER_INGEST_URL`, or the
 * Worker's PUBLIC_ORIGIN with /ingest: a Worker cannot learn its own public URL, and the runner
 * signs the exact URL it posts to. Missing names are listed, never values: two are secrets.
 */
export function runnerEnvironment(worker: WorkerSettings): RunnerEnvironment {
  const text = (name: string): string | undefined => {
    const value = worker[name];
    return typeof value === "string" && value.trim() !== "" ? value : undefined;
  };
  const env: Record<string, string> = {};
  for (const name of SHARED_SETTINGS) {
    const value = text(name);
    if (value !== undefined) env[name] = value;
  }
  for (const name of RUNNER_SETTINGS) {
    const value = text(`RUNNER_${name}`);
    if (value !== undefined) env[name] = value;
  }
  const ingestUrl = text("RUNNER_INGEST_URL") ?? ingestUrlOf(text("PUBLIC_ORIGIN"));
  if (ingestUrl !== undefined) env.INGEST_URL = ingestUrl;
  Object.assign(env, FIXED_SETTINGS);

  const missing = [
    ...(env.DISCORD_TOKEN === undefined ? ["DISCORD_TOKEN"] : []),
    ...(env.INGEST_SECRET === undefined ? ["INGEST_SECRET"] : []),
    ...(env.MONITORED_GUILD_IDS === undefined ? ["RUNNER_MONITORED_GUILD_IDS"] : []),
    ...(env.INGEST_URL === undefined ? ["RUNNER_INGEST_URL (or PUBLIC_ORIGIN)"] : []),
  ];
  return missing.length === 0 ? { ok: true, env } : { ok: false, missing };
}

/** PUBLIC_ORIGIN's /ingest; a value that is no URL is left to the Worker's own check of it. */
function ingestUrlOf(publicOrigin: string | undefined): string | undefined {
  if (publicOrigin === undefined || !URL.canParse(publicOrigin)) return undefined;
  return new URL("/ingest", publicOrigin).href;
}
