import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SEED } from "../../emulator/seed.ts";
import { type Emulator, type EmulatorOptions, startEmulator } from "../../emulator/server.ts";
import {
  newIngestSecret,
  type QueueConsumerOptions,
  type RunnerProcess,
  runnerEnvFor,
  startRunnerProcess,
  startWorkerProcess,
  type WorkerProcess,
  workerVarsFor,
} from "../../scripts/lib/local-stack.ts";
import { freePort } from "../../scripts/lib/processes.ts";
import { type CpuSnapshot, commandLine, cpuSnapshot, groupPids } from "./cpu.ts";
import { waitConverged } from "./presence-state.ts";
import { sample, scrape } from "./prometheus.ts";

/**
 * The local stacks tests and benchmarks run against, all on loopback: the emulator in this process
 * (so the caller can drive Discord and read its state directly) and the Worker under wrangler dev
 * with a fresh --persist-to (startWorkerStack); or those two with the gateway runner between them
 * (startInProcessStack).
 */

export interface WorkerStack {
  emulator: Emulator;
  /** The Worker running now; startWorker() replaces it. */
  readonly worker: WorkerProcess;
  /** The ingest secret the Worker holds (signs POST /ingest and GET /ingest/sockets). */
  secret: string;
  guildId: string;
  /** wrangler dev's --persist-to: the objects' SQLite files are under it. */
  persistTo: string;
  /**
   * Starts the Worker again after `worker.stop()`: on the same port, so the URL the runner was given
   * still holds, and on the same storage, so nothing is lost but what was in memory. `vars` replace
   * some of its settings for this start only (a configuration being fixed).
   */
  startWorker(vars?: Record<string, string>): Promise<WorkerProcess>;
  stop(): Promise<void>;
}

/** Something that serves the emulator's images to the Worker in its place (a counting pass-through). */
export interface ImageServer {
  url: string;
  close(): Promise<void>;
}

export async function startWorkerStack(
  options: {
    emulator?: EmulatorOptions;
    /** Given the emulator's base URL; the Worker's image bases point at what it returns. */
    images?: (emulatorHttp: string) => Promise<ImageServer>;
    /** The Worker's settings beyond the defaults; a function gets the running emulator (its URL and token). */
    workerVars?: Record<string, string> | ((emulator: Emulator) => Record<string, string>);
    /** Also run examples/queue-consumer on the Worker's GATEWAY_EVENTS queue (forwarding to `forwardTo`). */
    queueConsumer?: QueueConsumerOptions;
    /** Print the Worker's output (for debugging a run). */
    echo?: boolean;
  } = {},
): Promise<WorkerStack> {
  const port = await freePort();
  const persistTo = mkdtempSync(join(tmpdir(), "porchlight-stack-"));
  const secret = newIngestSecret();
  let emulator: Emulator | undefined;
  let images: ImageServer | undefined;
  let worker: WorkerProcess | undefined;
  const startWorker = async (vars: Record<string, string> = {}) => {
    worker = await startWorkerProcess({
      port,
      vars: {
        ...workerVarsFor(images?.url ?? emulator!.urls.http, secret),
        ...(typeof options.workerVars === "function" ? options.workerVars(emulator!) : options.workerVars),
        ...vars,
      },
      persistTo,
      queueConsumer: options.queueConsumer,
      echo: options.echo,
    });
    return worker;
  };
  const stop = async () => {
    await worker?.stop();
    await images?.close();
    await emulator?.close();
    rmSync(persistTo, { recursive: true, force: true });
  };
  await startOrStop(stop, async () => {
    emulator = await startEmulator({ port: 0, ...options.emulator });
    images = await options.images?.(emulator.urls.http);
    await startWorker();
  });
  return {
    emulator: emulator!,
    get worker() {
      return worker!;
    },
    secret,
    guildId: SEED.guildId,
    persistTo,
    startWorker,
    stop,
  };
}

export interface InProcessStack extends WorkerStack {
  /** The runner running now; startRunner() replaces it. */
  readonly runner: RunnerProcess;
  /** Starts the runner again after `runner.stop()`, with the same settings. */
  startRunner(): Promise<RunnerProcess>;
}

/**
 * The whole pipeline for a test or benchmark that drives Discord directly: a crowd of simulated
 * members with no churn, the Worker, and the runner. Resolves once the Worker serves every member
 * as the emulator has them, so a socket can subscribe to any of them.
 */
export async function startInProcessStack(options: {
  users: number;
  seed: number;
  /** The emulator's gateway heartbeat interval. */
  heartbeatIntervalMs: number;
  workerVars?: Record<string, string>;
  runnerEnv?: Record<string, string>;
  convergeTimeoutMs?: number;
  /** Runs with the Worker up and no gateway session yet (the pipeline benchmark's ceiling). */
  beforeRunner?: (stack: WorkerStack) => Promise<void>;
  /** Print the Worker's and the runner's output (for debugging a run). */
  echo?: boolean;
}): Promise<InProcessStack> {
  const base = await startWorkerStack({
    emulator: {
      heartbeatIntervalMs: options.heartbeatIntervalMs,
      identifyIntervalMs: 100,
      simulate: { users: options.users, rate: 0, seed: options.seed },
    },
    workerVars: options.workerVars,
    echo: options.echo,
  });
  const { emulator, secret, guildId } = base;
  let runner: RunnerProcess | undefined;
  const startRunner = async () => {
    const discord = { http: emulator.urls.http, token: emulator.world.application.botToken };
    const env = { ...runnerEnvFor(discord, base.worker.url, secret, [guildId]), ...options.runnerEnv };
    runner = await startRunnerProcess({ env, echo: options.echo });
    return runner;
  };
  const stop = async () => {
    await runner?.stop();
    await base.stop();
  };
  await startOrStop(stop, async () => {
    await options.beforeRunner?.(base);
    await startRunner();
    const converged = await waitConverged(
      emulator,
      guildId,
      base.worker.url,
      options.convergeTimeoutMs ?? 90_000,
    );
    if (converged.at === null)
      throw new Error(`the Worker never converged (${converged.remaining.length} members differ)`);
    // REST can match before the runner is done: a batch leaves as soon as none is in flight, so the
    // member list that completes after GUILD_CREATE is often a batch of its own, still in flight.
    // A stack is ready once nothing is left unacknowledged, so that nothing writes behind a test.
    await waitQuiet(runner!.metrics, options.convergeTimeoutMs ?? 90_000);
  });
  return {
    emulator,
    get worker() {
      return base.worker;
    },
    get runner() {
      return runner!;
    },
    secret,
    guildId,
    persistTo: base.persistTo,
    startWorker: base.startWorker,
    startRunner,
    stop,
  };
}

/** Resolves once the runner holds no delta the Worker has not acknowledged. */
async function waitQuiet(metricsUrl: string, timeoutMs: number): Promise<void> {
  const until = performance.now() + timeoutMs;
  while (sample(await scrape(metricsUrl), "porchlight_runner_buffer_users") > 0) {
    if (performance.now() > until) throw new Error("the runner never delivered everything it buffered");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Runs the steps that start a stack; if one fails, stops what is already up before passing the error on. */
async function startOrStop(stop: () => Promise<void>, steps: () => Promise<void>): Promise<void> {
  try {
    await steps();
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

/** The Worker's workerd processes, as a string that changes when wrangler dev restarts workerd. */
export const workerdPids = (worker: WorkerProcess) => groupPids(worker.child.pid!, "workerd").join(",");

// A workerd's role never changes while it runs: its command line is read once per process.
const workerdRoles = new Map<number, string>();

/**
 * CPU time so far of the stack's processes, for a benchmark's table: wrangler dev's two workerd
 * told apart (`worker/workerd`, the Worker itself, and `worker/workerd-proxy`, the proxy wrangler
 * puts in front of it on the public port), wrangler's Node, the runner's and this process's.
 */
export function stackCpu(worker: WorkerProcess, runner?: RunnerProcess): CpuSnapshot {
  const publicPort = new URL(worker.url).port;
  return cpuSnapshot({ worker: worker.child.pid, runner: runner?.child.pid }, (pid, comm) => {
    if (comm !== "workerd") return undefined;
    let role = workerdRoles.get(pid);
    if (!role) {
      role = commandLine(pid).includes(`entry=127.0.0.1:${publicPort}`) ? "workerd-proxy" : "workerd";
      workerdRoles.set(pid, role);
    }
    return role;
  });
}
