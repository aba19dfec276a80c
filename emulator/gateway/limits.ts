/**
 * The gateway's rate limits as plain state machines. Each takes `now` so tests can drive time;
 * the gateway passes Date.now().
 */

/** Client frames per connection: `limit` per fixed window that opens with the first frame. */
export class SendWindow {
  readonly #limit: number;
  readonly #windowMs: number;
  #windowStart = -Infinity;
  #sent = 0;

  constructor(limit: number, windowMs: number) {
    this.#limit = limit;
    this.#windowMs = windowMs;
  }

  /** Counts one frame; false once the window's allowance is spent (Discord then closes with 4008). */
  tryConsume(now: number): boolean {
    if (now - this.#windowStart >= this.#windowMs) {
      this.#windowStart = now;
      this.#sent = 0;
    }
    this.#sent += 1;
    return this.#sent <= this.#limit;
  }
}

/**
 * IDENTIFY spacing: one per rate-limit key (shard_id % max_concurrency) per interval. Discord answers
 * an IDENTIFY that comes too soon with op 9 (invalid session, not resumable).
 */
export class IdentifyBuckets {
  readonly #maxConcurrency: number;
  readonly #intervalMs: number;
  readonly #lastIdentifyAt = new Map<number, number>();

  constructor(maxConcurrency: number, intervalMs: number) {
    this.#maxConcurrency = Math.max(1, maxConcurrency);
    this.#intervalMs = intervalMs;
  }

  /** Records an IDENTIFY for the shard's bucket, or returns false if that bucket is still cooling down. */
  tryIdentify(shardId: number, now: number): boolean {
    const key = shardId % this.#maxConcurrency;
    const last = this.#lastIdentifyAt.get(key);
    if (last !== undefined && now - last < this.#intervalMs) return false;
    this.#lastIdentifyAt.set(key, now);
    return true;
  }
}

export const SESSION_START_WINDOW_MS = 24 * 60 * 60 * 1000;

export interface SessionStartLimit {
  total: number;
  remaining: number;
  reset_after: number;
  max_concurrency: number;
}

/** session_start_limit: `total` new sessions per 24 h window, which opens with the first IDENTIFY. */
export class SessionStartBudget {
  readonly #total: number;
  readonly #maxConcurrency: number;
  #windowStart: number | null = null;
  #used = 0;

  constructor(total: number, maxConcurrency: number) {
    this.#total = total;
    this.#maxConcurrency = maxConcurrency;
  }

  snapshot(now: number): SessionStartLimit {
    this.#expire(now);
    return {
      total: this.#total,
      remaining: this.#total - this.#used,
      reset_after:
        this.#windowStart === null
          ? SESSION_START_WINDOW_MS
          : this.#windowStart + SESSION_START_WINDOW_MS - now,
      max_concurrency: this.#maxConcurrency,
    };
  }

  tryStart(now: number): boolean {
    this.#expire(now);
    if (this.#used >= this.#total) return false;
    this.#windowStart ??= now;
    this.#used += 1;
    return true;
  }

  #expire(now: number): void {
    if (this.#windowStart !== null && now >= this.#windowStart + SESSION_START_WINDOW_MS) {
      this.#windowStart = null;
      this.#used = 0;
    }
  }
}

/**
 * Requests for all members of a guild: one per guild per cooldown for the whole application, across
 * every session (Discord, since 2025-10-01). Answers how long the caller must still wait, in ms.
 */
export class MemberRequestCooldown {
  readonly #cooldownMs: number;
  readonly #lastRequestAt = new Map<string, number>();

  constructor(cooldownMs: number) {
    this.#cooldownMs = cooldownMs;
  }

  /** 0 when the request may go ahead (and is recorded); otherwise the milliseconds left to wait. */
  tryRequest(guildId: string, now: number): number {
    const last = this.#lastRequestAt.get(guildId);
    if (last !== undefined && now - last < this.#cooldownMs) return last + this.#cooldownMs - now;
    this.#lastRequestAt.set(guildId, now);
    return 0;
  }
}
