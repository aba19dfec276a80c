import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Emulator, type EmulatorOptions, startEmulator } from "../../../../emulator/server.ts";
import { parseConfig, type RunnerConfig } from "../../../../gateway-runner/config.ts";
import { Forwarder, type ForwarderOptions } from "../../../../gateway-runner/forwarder.ts";
import { createLogger } from "../../../../gateway-runner/log.ts";
import type { RunnerMetrics } from "../../../../gateway-runner/metrics.ts";
import { type Runner, type RunnerOptions, startRunner } from "../../../../gateway-runner/runner.ts";
import { IngestReceiver } from "./receiver.ts";

/** A secret the right length; tests never use a real one. */
export const TEST_SECRET = "porchlight-test-secret-0123456789abcdef";

/** Emulator settings for runner tests: a fast heartbeat, IDENTIFY unspaced. */
/** A forwarder to a test receiver, quick to retry and silent; `overrides` for what a test varies. */
export function testForwarder(
  receiver: IngestReceiver,
  metrics: RunnerMetrics,
  overrides: Partial<ForwarderOptions> = {},
): Forwarder {
  return new Forwarder({
    ingestUrl: receiver.ingestUrl,
    secret: TEST_SECRET,
    flushWindowMs: 10,
    backoff: { baseMs: 20, capMs: 200 },
    timeoutMs: 5_000,
    release: () => {},
    metrics,
    log: createLogger("silent"),
    ...overrides,
  });
}

export const EMULATOR_DEFAULTS = { port: 0, heartbeatIntervalMs: 1_000, identifyIntervalMs: 0 } as const;

/** The environment a runner needs to talk to this emulator and receiver, as strings, like a container gets it. */
export function runnerEnv(
  emulator: Emulator,
  receiver: IngestReceiver,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    DISCORD_TOKEN: emulator.world.application.botToken,
    DISCORD_API_BASE: emulator.urls.api,
    MONITORED_GUILD_IDS: [...emulator.world.guilds.keys()][0]!,
    INGEST_URL: receiver.ingestUrl,
    INGEST_SECRET: TEST_SECRET,
    FLUSH_WINDOW_MS: "20",
    RETRY_BASE_MS: "50",
    RETRY_CAP_MS: "400",
    CHECKPOINT_INTERVAL_MS: "200",
    METRICS_PORT: "0",
    // RUNNER_TEST_LOG=debug shows what the runner did when a test fails.
    LOG_LEVEL: process.env.RUNNER_TEST_LOG ?? "error",
    ...extra,
  };
}

export interface Harness {
  emulator: Emulator;
  receiver: IngestReceiver;
  runner: Runner;
  config: RunnerConfig;
  dir: string;
  close(): Promise<void>;
}

/** An emulator, a receiver and an in-process runner between them, configured through parseConfig. */
export async function startHarness(
  options: {
    emulator?: EmulatorOptions;
    env?: Record<string, string>;
    runner?: RunnerOptions;
    /** The secret the receiver checks signatures with, when it is not the runner's. */
    receiverSecret?: string;
    /** Runs before the runner starts: what the Worker held already. */
    prepare?: (receiver: IngestReceiver) => void;
  } = {},
): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), "porchlight-runner-"));
  const emulator = await startEmulator({ ...EMULATOR_DEFAULTS, ...options.emulator });
  const receiver = await IngestReceiver.start(options.receiverSecret ?? TEST_SECRET);
  options.prepare?.(receiver);
  const config = parseConfig({
    env: runnerEnv(emulator, receiver, { SESSION_STORE: join(dir, "sessions.json"), ...options.env }),
  });
  const runner = await startRunner(config, { log: createLogger(config.logLevel), ...options.runner });
  return {
    emulator,
    receiver,
    runner,
    config,
    dir,
    async close() {
      await runner.shutdown();
      await emulator.close();
      await receiver.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
