import { MIN_PACE_MS } from "../../emulator/seed-life.ts";
import { MIN_SECRET_LENGTH } from "../../gateway-runner/config.ts";
import { DEFAULT_LOCAL_STATE_DIR } from "./local-state.ts";

/**
 * `npm start`'s own settings, read from its environment once, each checked with a message naming
 * the variable. The Worker's settings pass through on their own (worker-settings.ts).
 */

/** A message for a person: start.ts prints it alone, without a stack. */
export class StartError extends Error {}

export interface StartSettings {
  workerPort: number;
  emulatorPort: number;
  /** Seconds between two changes of the seeded members; 0 keeps them still. */
  paceSeconds: number;
  stateDir: string;
  /** INGEST_SECRET when set (the runner and the Worker share it); null: a fresh one per start. */
  ingestSecret: string | null;
  /** DISCORD_TOKEN set: the runner watches real Discord and no emulator starts. */
  realDiscord: boolean;
}

export const DEFAULT_WORKER_PORT = 8787;
export const DEFAULT_EMULATOR_PORT = 8790;
/** Each seeded member changes every five paces: ada within seconds of start-up, everyone within 15 s. */
export const DEFAULT_PACE_SECONDS = 3;

export function readStartSettings(env: NodeJS.ProcessEnv): StartSettings {
  const ingestSecret = env.INGEST_SECRET || null;
  // The runner refuses a shorter one, and the Worker's ingest answers 503 to it.
  if (ingestSecret !== null && ingestSecret.length < MIN_SECRET_LENGTH)
    throw new StartError(`INGEST_SECRET must be at least ${MIN_SECRET_LENGTH} characters, or unset`);
  return {
    workerPort: portSetting(env, "PORT", DEFAULT_WORKER_PORT),
    emulatorPort: portSetting(env, "EMULATOR_PORT", DEFAULT_EMULATOR_PORT),
    paceSeconds: paceSetting(env),
    stateDir: env.LOCAL_STATE_DIR || DEFAULT_LOCAL_STATE_DIR,
    ingestSecret,
    realDiscord: Boolean(env.DISCORD_TOKEN),
  };
}

/** The port `name` asks for, or `fallback` when unset; anything but 1–65535 is a StartError. */
export function portSetting(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const value = env[name];
  if (value === undefined || value === "") return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65_535)
    throw new StartError(`${name} must be a port number from 1 to 65535, not ${JSON.stringify(value)}`);
  return port;
}

function paceSetting(env: NodeJS.ProcessEnv): number {
  const value = env.EMULATOR_PACE;
  if (value === undefined || value === "") return DEFAULT_PACE_SECONDS;
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || (seconds !== 0 && seconds * 1000 < MIN_PACE_MS))
    throw new StartError(
      `EMULATOR_PACE must be 0 (still) or at least ${MIN_PACE_MS / 1000} seconds, not ${JSON.stringify(value)}`,
    );
  return seconds;
}
