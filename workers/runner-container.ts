import { Container, type StopParams } from "@cloudflare/containers";
import type { Env } from "../settings/env.ts";
import { RUNNER_PORT, runnerEnvironment } from "../settings/gateway-runner.ts";
import { type RunnerStep, runnerStep, settingsDigest } from "./runner-lifecycle.ts";

/**
 * The gateway runner (gateway-runner/) as a Cloudflare Container: one instance, named
 * GATEWAY_RUNNER_NAME, started with the Worker's own settings and secrets (settings/gateway-runner.ts).
 *
 * A container runs only while its Durable Object keeps it, and its host may restart at any time
 * (SIGTERM, then SIGKILL after 15 minutes): the Worker's cron trigger calls `keepRunning()` every
 * minute, which starts it again when it is not running.
 */
export class GatewayRunner extends Container<Env> {
  // /metrics and /health: startAndWaitForPorts waits until the runner listens there.
  override defaultPort = RUNNER_PORT;

  /**
   * The runner's work comes from Discord, not from requests to this object, so nothing would ever
   * renew its activity: it must never be stopped for being idle (see onActivityExpired).
   */
  override sleepAfter = "24h";

  /**
   * Starts the runner unless it is running, and restarts it when its settings have changed since
   * (runner-lifecycle.ts). The settings are read here, so secrets never travel in a call.
   */
  async keepRunning(): Promise<RunnerStep> {
    const settings = runnerEnvironment(this.env as unknown as Record<string, unknown>);
    if (!settings.ok) throw new Error(`gateway runner settings missing: ${settings.missing.join(", ")}`);
    const current = await settingsDigest(settings.env);
    const step = runnerStep({
      running: this.ctx.container?.running === true,
      startedWith: await this.ctx.storage.get<string>(STARTED_WITH),
      stoppingFor: await this.ctx.storage.get<string>(STOPPING_FOR),
      current,
    });
    if (step === "start") {
      // The container gets them as its environment: never an argument, never a log line.
      await this.startAndWaitForPorts({ startOptions: { envVars: settings.env } });
      await this.ctx.storage.put(STARTED_WITH, current);
    } else if (step === "stop") {
      await this.ctx.storage.put(STOPPING_FOR, current);
      await this.stop("SIGTERM");
    }
    return step;
  }

  /**
   * The default stops the container with SIGTERM once `sleepAfter` passes without a request.
   * Returning without stopping renews the timer, so the runner keeps its Discord sessions.
   */
  override async onActivityExpired(): Promise<void> {}

  override onStop({ exitCode, reason }: StopParams): void {
    // 0 is a SIGTERM the runner answered by checkpointing; any other code is listed in
    // gateway-runner/main.ts, and its own log says why. The next cron run starts it again either way.
    console.log(JSON.stringify({ msg: "gateway runner stopped", exitCode, reason }));
  }
}

/** The one instance: one runner per session store (gateway-runner/README.md, "Sessions"). */
export const GATEWAY_RUNNER_NAME = "gateway-runner";

// Storage keys of this object: digests of settings (runner-lifecycle.ts), never the settings.
const STARTED_WITH = "runner:started-with";
const STOPPING_FOR = "runner:stopping-for";

/**
 * The cron trigger's handler. A deployment that runs the runner elsewhere has no GATEWAY_RUNNER
 * binding, and one without the runner's settings gets a log line naming them, not a container
 * that would exit at once (nor the object, which costs a request a minute for nothing).
 */
export async function keepGatewayRunnerRunning(env: Env): Promise<void> {
  if (env.GATEWAY_RUNNER === undefined) return;
  const settings = runnerEnvironment(env as unknown as Record<string, unknown>);
  if (!settings.ok) {
    console.warn(
      JSON.stringify({ msg: "gateway runner not started: settings missing", missing: settings.missing }),
    );
    return;
  }
  const step = await env.GATEWAY_RUNNER.getByName(GATEWAY_RUNNER_NAME).keepRunning();
  if (step !== "keep") console.log(JSON.stringify({ msg: "gateway runner", step }));
}
