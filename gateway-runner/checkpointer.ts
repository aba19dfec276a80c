import type { GatewaySession } from "../schemas/gateway-sessions.ts";
import { describeError, type Logger } from "./log.ts";
import type { RunnerMetrics } from "./metrics.ts";
import type { SessionCache } from "./session-cache.ts";
import type { SessionStore } from "./session-store.ts";

/**
 * Persists the session checkpoints every `intervalMs`, when they changed, off the dispatch path. A
 * failed save is logged and retried on the next tick; the next successful one carries the latest
 * state, so nothing queues up.
 */
export class Checkpointer {
  readonly #cache: SessionCache;
  readonly #store: SessionStore;
  readonly #metrics: RunnerMetrics;
  readonly #log: Logger;
  readonly #timer: NodeJS.Timeout;
  #lastSaved = "";
  #saving: Promise<void> = Promise.resolve();
  #stopped = false;

  constructor(deps: {
    cache: SessionCache;
    store: SessionStore;
    metrics: RunnerMetrics;
    log: Logger;
    intervalMs: number;
  }) {
    this.#cache = deps.cache;
    this.#store = deps.store;
    this.#metrics = deps.metrics;
    this.#log = deps.log;
    this.#timer = setInterval(() => void this.save(), deps.intervalMs);
  }

  /** Saves now if the checkpoints changed; saves never overlap. */
  save(): Promise<void> {
    this.#saving = this.#saving.then(() => this.#saveIfChanged());
    return this.#saving;
  }

  /** One last save, then no more: the shards may be torn down next, and that must not be persisted. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.save();
    this.#stopped = true;
  }

  async #saveIfChanged(): Promise<void> {
    if (this.#stopped) return;
    const sessions: GatewaySession[] = this.#cache.checkpoints();
    const serialised = JSON.stringify(sessions);
    if (serialised === this.#lastSaved) return;
    try {
      await this.#store.save(sessions);
      this.#lastSaved = serialised;
      this.#metrics.checkpoints.inc({ outcome: "saved" });
      this.#log.debug("sessions checkpointed", { shards: sessions.length, store: this.#store.description });
    } catch (error) {
      this.#metrics.checkpoints.inc({ outcome: "failed" });
      this.#log.warn("session checkpoint failed; will retry", {
        store: this.#store.description,
        error: describeError(error),
      });
    }
  }
}
