/**
 * What the gateway runner's Cloudflare Container is started with, read from the Worker's own
 * settings, so one `wrangler secret put` serves both ends and nothing is configured twice.
 *
 * No imports: the Node tests feed what this makes to the runner's own configuration
 * (gateway-runner/config.ts), and the Worker's Env type cannot be read there.
 */

/**
 * The Worker's `RUNNER_<NAME>` is the runner's NAME (`RUNNER_MONITORED_GUILD_IDS`, `RUNNER_SHARD_COUNT`):
 * the prefix keeps them apart from the Worker's own settings, and any setting the runner has, now or
 * later, can be given without a list here to keep in step with gateway-runner/config.ts.
 */
export const RUNNER_PREFIX = "RUNNER_";

/** Settings both ends read under the same name and meaning: passed on as they are, unless a RUNNER_ one is set. */
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
 * Only strings are read: bindings are objects.
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
  const publicIngestUrl = ingestUrlOf(text("PUBLIC_ORIGIN"));
  if (publicIngestUrl !== undefined) env.INGEST_URL = publicIngestUrl;
  for (const name of Object.keys(worker)) {
    const value = text(name);
    if (name.startsWith(RUNNER_PREFIX) && name.length > RUNNER_PREFIX.length && value !== undefined) {
      env[name.slice(RUNNER_PREFIX.length)] = value;
    }
  }
  Object.assign(env, FIXED_SETTINGS);

  const missing = [
    ...(env.DISCORD_TOKEN === undefined ? ["DISCORD_TOKEN"] : []),
    ...(env.INGEST_SECRET === undefined ? ["INGEST_SECRET"] : []),
    // A runner that only forwards events (RUNNER_FORWARD_EVENTS) watches no guilds.
    ...(env.MONITORED_GUILD_IDS === undefined && env.FORWARD_EVENTS === undefined
      ? ["RUNNER_MONITORED_GUILD_IDS (or RUNNER_FORWARD_EVENTS)"]
      : []),
    ...(env.INGEST_URL === undefined ? ["RUNNER_INGEST_URL (or PUBLIC_ORIGIN)"] : []),
  ];
  return missing.length === 0 ? { ok: true, env } : { ok: false, missing };
}

/** PUBLIC_ORIGIN's /ingest; a value that is no URL is left to the Worker's own check of it. */
function ingestUrlOf(publicOrigin: string | undefined): string | undefined {
  if (publicOrigin === undefined || !URL.canParse(publicOrigin)) return undefined;
  return new URL("/ingest", publicOrigin).href;
}
