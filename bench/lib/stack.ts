import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SEED } from "../../emulator/seed.ts";
import { type Emulator, startEmulator } from "../../emulator/server.ts";
import {
  newIngestSecret,
  type RunnerProcess,
  runnerEnvFor,
  startRunnerProcess,
  startWorkerProcess,
  type WorkerProcess,
  workerVarsFor,
} from "../../scripts/lib/local-stack.ts";
import { freePort } from "../../scripts/lib/processes.ts";
import { waitConverged } from "./presence-state.ts";

/**
 * The local stack for a test or benchmark that drives Discord directly: the emulator in this
 * process, with a crowd of simulated members and no churn; the Worker under wrangler dev with a
 * fresh --persist-to; the gateway runner between them. Resolves once the Worker serves every
 * member as the emulator has them, so a socket can subscribe to any of them.
 */

export interface InProcessStack {
  emulator: Emulator;
  worker: WorkerProcess;
  runner: RunnerProcess;
  /** The ingest secret both ends share (signs GET /ingest/sockets). */
  secret: string;
  guildId: string;
  stop(): Promise<void>;
}

export async function startInProcessStack(options: {
  users: number;
  seed: number;
  /** The emulator's gateway heartbeat interval. */
  heartbeatIntervalMs: number;
  workerVars?: Record<string, string>;
  runnerEnv?: Record<string, string>;
  convergeTimeoutMs?: number;
  /** Print the Worker's and the runner's output (for debugging a run). */
  echo?: boolean;
}): Promise<InProcessStack> {
  const persistTo = mkdtempSync(join(tmpdir(), "porchlight-stack-"));
  const secret = newIngestSecret();
  const guildId = SEED.guildId;
  let emulator: Emulator | undefined;
  let worker: WorkerProcess | undefined;
  let runner: RunnerProcess | undefined;
  const stop = async () => {
    await runner?.stop();
    await worker?.stop();
    await emulator?.close();
    rmSync(persistTo, { recursive: true, force: true });
  };
  try {
    emulator = await startEmulator({
      port: 0,
      heartbeatIntervalMs: options.heartbeatIntervalMs,
      identifyIntervalMs: 100,
    });
    emulator.simulator.start({ users: options.users, rate: 0, seed: options.seed });
    worker = await startWorkerProcess({
      port: await freePort(),
      vars: { ...workerVarsFor(emulator.urls.http, secret), ...options.workerVars },
      persistTo,
      echo: options.echo,
    });
    const discord = { http: emulator.urls.http, token: emulator.world.application.botToken };
    const runnerEnv = { ...runnerEnvFor(discord, worker.url, secret, [guildId]), ...options.runnerEnv };
    runner = await startRunnerProcess({ env: runnerEnv, echo: options.echo });
    const converged = await waitConverged(emulator, guildId, worker.url, options.convergeTimeoutMs ?? 90_000);
    if (converged.at === null)
      throw new Error(`the Worker never converged (${converged.remaining.length} members differ)`);
    return { emulator, worker, runner, secret, guildId, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** A presence for `id` whose custom status carries `marker`, to recognise the frames it causes. */
export function markedPresence(id: string, marker: string, status: "online" | "idle" | "dnd" = "online") {
  const customStatus = { name: "Custom Status", type: 4, state: marker } as never;
  return { user: { id }, status, client_status: { desktop: status }, activities: [customStatus] };
}
