import { setTimeout as sleep } from "node:timers/promises";
import type { LeaseAnswer, LeaseRelease, LeaseRequest } from "../schemas/gateway-sessions.ts";
import { describeError, type Logger } from "./log.ts";

/**
 * This runner's hold on its shards (SESSION_STORE=worker), so that several runners can be started
 * for the same shards: one runs them, the others wait as standbys and take over within about a
 * lease's length when it dies, resuming its sessions from the Worker's store.
 *
 * The rule that keeps two runners off one shard: the lease runs, on the Worker, from when it
 * decided; here it is counted from when the request was *sent*, which is earlier, less a margin.
 * So this runner always believes its lease ended before the Worker does and stops its shards
 * first (`lost`), whether the renewal was refused or never answered, and waits as a standby again
 * (a Worker that was only unreachable gives the lease back, and the shards resume). Its session
 * saves carry its id and are refused once another runner holds a shard (durable-objects/shard-leases.ts).
 */

export interface LeaseClient {
  take(request: LeaseRequest): Promise<LeaseAnswer>;
  release(release: LeaseRelease): Promise<void>;
}

export interface ShardLeaseOptions {
  client: LeaseClient;
  runnerId: string;
  shardIds: number[];
  ttlMs: number;
  log: Logger;
}

export class ShardLease {
  readonly #options: ShardLeaseOptions;
  #lost: Promise<string> = new Promise(() => {});
  #onLost: (why: string) => void = () => {};
  #closed = false;
  #held = false;
  #problem: string | null = null;
  #validUntil = 0;
  #renewTimer: ReturnType<typeof setTimeout> | null = null;
  #expiryTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(options: ShardLeaseOptions) {
    this.#options = options;
  }

  /** Resolves with why, once this runner may no longer run its shards (until it acquires them again). */
  get lost(): Promise<string> {
    return this.#lost;
  }

  get held(): boolean {
    return this.#held;
  }

  /** While not held: why (another runner holds the shards, the Worker could not be asked, the lease was lost). */
  get problem(): string | null {
    return this.#problem;
  }

  /** Renewed this often; a standby asks this often too. */
  get #everyMs(): number {
    return Math.floor(this.#options.ttlMs / 3);
  }

  /**
   * Waits as a standby until every one of the shards is this runner's, then keeps them renewed.
   * Resolves false instead if release() is called meanwhile (the runner is shutting down).
   */
  async acquire(): Promise<boolean> {
    const { log, shardIds } = this.#options;
    let lastHolders = "";
    for (;;) {
      if (this.#closed) return false;
      const sentAt = Date.now();
      let waitMs = this.#everyMs;
      try {
        const answer = await this.#options.client.take(this.#request());
        if (answer.granted) {
          this.#problem = null;
          this.#hold(sentAt);
          log.info("shard lease taken", { shards: shardIds.join(","), ttl_ms: this.#options.ttlMs });
          return true;
        }
        const holders = holdersOf(answer);
        if (holders !== lastHolders)
          log.info("standby: another runner holds the shards", { held_by: holders });
        lastHolders = holders;
        // Ask again just after the first of them can run out, or at the usual pace if sooner.
        waitMs = Math.min(waitMs, Math.max(50, Math.min(...answer.held.map((h) => h.expires_in_ms)) + 50));
      } catch (error) {
        this.#problem = `could not ask for the shard lease: ${describeError(error)}`;
        log.warn("could not ask for the shard lease", { error: describeError(error) });
      }
      await sleep(waitMs);
    }
  }

  /** Stops renewing and gives the shards up, so a standby takes them at once (a clean shutdown). */
  async release(): Promise<void> {
    this.#closed = true;
    if (!this.#held) return;
    this.#stop();
    try {
      await this.#options.client.release({
        runner_id: this.#options.runnerId,
        shard_ids: this.#options.shardIds,
      });
    } catch (error) {
      this.#options.log.warn("could not give up the shard lease; it runs out by itself", {
        error: describeError(error),
      });
    }
  }

  #request(): LeaseRequest {
    return {
      runner_id: this.#options.runnerId,
      shard_ids: this.#options.shardIds,
      ttl_ms: this.#options.ttlMs,
    };
  }

  #hold(sentAt: number): void {
    this.#held = true;
    this.#lost = new Promise((resolve) => {
      this.#onLost = resolve;
    });
    this.#extend(sentAt);
    this.#renewTimer = setTimeout(() => void this.#renew(), this.#everyMs);
  }

  #extend(sentAt: number): void {
    // The margin covers this process's timers firing late; the Worker's lease ends later still.
    const margin = Math.max(500, Math.floor(this.#options.ttlMs / 10));
    this.#validUntil = sentAt + this.#options.ttlMs - margin;
    if (this.#expiryTimer) clearTimeout(this.#expiryTimer);
    this.#expiryTimer = setTimeout(
      () => this.#lose("the shard lease ran out before the Worker renewed it"),
      Math.max(0, this.#validUntil - Date.now()),
    );
  }

  async #renew(): Promise<void> {
    if (!this.#held) return;
    const sentAt = Date.now();
    try {
      const answer = await this.#options.client.take(this.#request());
      if (!this.#held) return;
      if (!answer.granted) {
        this.#lose(`another runner holds the shards: ${holdersOf(answer)}`);
        return;
      }
      this.#extend(sentAt);
    } catch (error) {
      // Not lost yet: the expiry timer decides, if no renewal gets through before it.
      this.#options.log.warn("could not renew the shard lease", { error: describeError(error) });
    }
    if (this.#held) this.#renewTimer = setTimeout(() => void this.#renew(), this.#everyMs);
  }

  #lose(why: string): void {
    if (!this.#held) return;
    this.#stop();
    this.#problem = why;
    this.#onLost(why);
  }

  #stop(): void {
    this.#held = false;
    if (this.#renewTimer) clearTimeout(this.#renewTimer);
    if (this.#expiryTimer) clearTimeout(this.#expiryTimer);
  }
}

/** The runners named in a refusal, each once. */
function holdersOf(answer: Extract<LeaseAnswer, { granted: false }>): string {
  return [...new Set(answer.held.map((h) => h.runner_id))].join(",");
}
