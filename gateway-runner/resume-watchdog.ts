import type { ShardState } from "./metrics.ts";

/**
 * Which shards have sent RESUME and heard nothing back for too long. @discordjs/ws waits for
 * RESUMED without a deadline, and a gateway that ignores RESUME (some emulators and proxies do)
 * keeps the socket alive with heartbeat ACKs, so the shard would stay "resuming" for good. Anything
 * the shard hears while resuming (the replay, then RESUMED) counts as an answer: a long replay is
 * not a silent gateway.
 */
export class ResumeWatchdog {
  readonly #timeoutMs: number;
  /** Shards seen resuming: since when, or since the last dispatch heard during the resume. */
  readonly #quietSince = new Map<number, number>();

  constructor(timeoutMs: number) {
    this.#timeoutMs = timeoutMs;
  }

  /** A dispatch arrived on the shard. */
  heard(shardId: number, now: number): void {
    if (this.#quietSince.has(shardId)) this.#quietSince.set(shardId, now);
  }

  /**
   * Given every shard's state now, the shards that have been resuming without a word for longer
   * than the timeout. Each is reported once; it is watched again if it goes back to resuming.
   */
  overdue(states: ReadonlyMap<number, ShardState>, now: number): number[] {
    const overdue: number[] = [];
    for (const [shardId, state] of states) {
      const since = this.#quietSince.get(shardId);
      if (state !== "resuming") this.#quietSince.delete(shardId);
      else if (since === undefined) this.#quietSince.set(shardId, now);
      else if (now - since >= this.#timeoutMs) {
        overdue.push(shardId);
        this.#quietSince.delete(shardId);
      }
    }
    return overdue;
  }
}
