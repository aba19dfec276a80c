/**
 * What the cron trigger does to the gateway runner's container each minute, as a pure decision, so
 * the Node tests can check it without a container. A container keeps the environment it was
 * started with: a setting changed since (a secret put again, other guilds) reaches the runner only
 * through a restart, which SIGTERM starts (the runner checkpoints first) and the next run finishes.
 */
export type RunnerStep =
  /** Not running: start it with the current settings. */
  | "start"
  /** Running with the current settings: nothing to do. */
  | "keep"
  /** Running with older settings: SIGTERM it, once. */
  | "stop"
  /** Already told to stop for these settings: wait for it to exit (a second SIGTERM kills it at once). */
  | "wait";

export interface RunnerState {
  running: boolean;
  /** The digest of the settings it was last started with, if any. */
  startedWith: string | undefined;
  /** The digest of the settings it was last stopped for, if any. */
  stoppingFor: string | undefined;
  /** The digest of the settings it would be started with now. */
  current: string;
}

export function runnerStep({ running, startedWith, stoppingFor, current }: RunnerState): RunnerStep {
  if (!running) return "start";
  if (startedWith === current) return "keep";
  return stoppingFor === current ? "wait" : "stop";
}

/**
 * SHA-256 of the settings, in name order: compared, never shown. Only this is stored, never a value
 * (two are secrets).
 */
export async function settingsDigest(settings: Record<string, string>): Promise<string> {
  const canonical = JSON.stringify(Object.entries(settings).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(canonical));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join("");
}
