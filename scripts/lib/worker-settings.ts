/**
 * Every setting the Worker reads: the string members of settings/env.ts's Env and wrangler.toml's
 * [vars] (test/node/start/worker-settings.test.ts fails when either names one this list lacks).
 * `npm start` hands each one set in its environment to the Worker, over the local stack's own
 * values and wrangler.toml's, so the local Worker can be tried with any setting a deployment has.
 */
export const WORKER_SETTINGS = [
  "INGEST_SECRET",
  "CACHE_TTL_SECONDS",
  "PUBLIC_ORIGIN",
  "DISCORD_CDN_BASE",
  "SPOTIFY_CDN_BASE",
  "MEDIA_PROXY_BASE",
  "SOCKET_HUBS",
  "SOCKET_ALL_PER_HUB",
  "SOCKET_MAX_IDS",
  "DISCORD_PUBLIC_KEY",
  "LANDING_USER_ID",
  "DISCORD_TOKEN",
  "DISCORD_API_BASE",
  "PROXY_KEYS",
  "PROXY_BOTS",
  "PROXY_GLOBAL_PER_SECOND",
  "PROXY_TIMEOUT_MS",
  "PROXY_MAX_TIMEOUT_MS",
  "PROXY_CACHE_TTLS",
  "PROXY_INVALID_BUDGET",
  "PROXY_ADMIN_KEYS",
  "PROXY_GATEWAY_USERS",
] as const;

/**
 * Families of settings, named by their prefix: the gateway runner's container takes each of its
 * settings from the Worker's RUNNER_<NAME> (wrangler.toml, settings/gateway-runner.ts).
 */
export const WORKER_SETTING_PREFIXES = ["RUNNER_"] as const;

export function isWorkerSetting(name: string): boolean {
  return (
    (WORKER_SETTINGS as readonly string[]).includes(name) ||
    WORKER_SETTING_PREFIXES.some((prefix) => name.startsWith(prefix) && name.length > prefix.length)
  );
}

/**
 * The settings `env` sets among those `accept` names. An empty value counts as unset, as the Worker
 * and the runner read most of them (and as a shell's `NAME= npm start` is usually meant).
 */
export function settingsIn(
  env: NodeJS.ProcessEnv,
  accept: (name: string) => boolean,
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).flatMap(([name, value]) => (value && accept(name) ? [[name, value]] : [])),
  );
}

export function workerSettingsIn(env: NodeJS.ProcessEnv): Record<string, string> {
  return settingsIn(env, isWorkerSetting);
}
