import { ConfigError, loadConfig, type RunnerConfig } from "./config.ts";
import { createLogger, describeError } from "./log.ts";
import { startRunner } from "./runner.ts";

/**
 * `node gateway-runner/main.ts [--config runner.toml]`. Exit codes: 0 after SIGTERM/SIGINT (sessions
 * left resumable), 1 when Discord refuses the runner for good or it cannot start, 2 for a bad
 * configuration. A second signal exits at once.
 */

let config: RunnerConfig;
try {
  config = await loadConfig(process.argv.slice(2), process.env);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`gateway-runner: invalid configuration\n${error.message}\n`);
  process.exit(2);
}

const log = createLogger(config.logLevel);
let runner: Awaited<ReturnType<typeof startRunner>>;
try {
  runner = await startRunner(config, { log });
} catch (error) {
  log.error("gateway runner could not start", { error: describeError(error) });
  process.exit(1);
}

let stopping = false;
async function stop(code: number, why: string): Promise<never> {
  if (stopping) process.exit(code || 1);
  stopping = true;
  log.info("stopping", { why });
  await runner
    .shutdown()
    .catch((error: unknown) => log.error("shutdown failed", { error: describeError(error) }));
  process.exit(code);
}

process.on("SIGTERM", () => void stop(0, "SIGTERM"));
process.on("SIGINT", () => void stop(0, "SIGINT"));
runner.connected.catch((error: unknown) => {
  log.error("could not connect to Discord", { error: describeError(error) });
  void stop(1, "connect failed");
});
void runner.failed.then((error) => {
  log.error("a shard failed for good", { error: error.message });
  void stop(1, "shard failed");
});
