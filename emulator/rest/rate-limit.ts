/**
 * Fixed-window rate limiting as Discord's headers describe it: a window opens at the first
 * request after the previous window expired, admits `limit` requests, and resets `windowMs`
 * later (X-RateLimit-Reset). Pure: time comes from the clock given to the constructor, so
 * tests step through a window's boundaries exactly.
 */

export interface WindowRule {
  limit: number;
  windowMs: number;
}

export interface WindowDecision {
  allowed: boolean;
  limit: number;
  /** Requests this window still admits after this one. */
  remaining: number;
  /** When the window resets, in ms since the Unix epoch. */
  resetAt: number;
  /** ms from this request until the window resets. */
  resetAfterMs: number;
}

interface OpenWindow {
  count: number;
  resetAt: number;
}

/** Windows kept before expired ones are swept, so a long run with many channels stays small. */
const SWEEP_THRESHOLD = 10_000;

export class FixedWindowLimiter {
  readonly #windows = new Map<string, OpenWindow>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** Counts one request against `key`'s window and says whether it may proceed. */
  take(key: string, rule: WindowRule): WindowDecision {
    const now = this.#now();
    let window = this.#windows.get(key);
    if (!window || now >= window.resetAt) {
      if (this.#windows.size >= SWEEP_THRESHOLD) this.#sweep(now);
      window = { count: 0, resetAt: now + rule.windowMs };
      this.#windows.set(key, window);
    }
    // A refused request does not count: Discord's Remaining stays at 0 until the reset.
    const allowed = window.count < rule.limit;
    if (allowed) window.count += 1;
    return {
      allowed,
      limit: rule.limit,
      // Clamped: a limit lowered mid-window (restGlobalPerSecond is a live knob) leaves no negative count.
      remaining: Math.max(0, rule.limit - window.count),
      resetAt: window.resetAt,
      resetAfterMs: window.resetAt - now,
    };
  }

  /**
   * What `key`'s window looks like now, without counting a request: a window not yet open (or
   * expired) shows its full limit and the reset it would have if it opened now.
   */
  peek(key: string, rule: WindowRule): WindowDecision {
    const now = this.#now();
    const window = this.#windows.get(key);
    const open = window && now < window.resetAt ? window : { count: 0, resetAt: now + rule.windowMs };
    return {
      allowed: open.count < rule.limit,
      limit: rule.limit,
      remaining: Math.max(0, rule.limit - open.count),
      resetAt: open.resetAt,
      resetAfterMs: open.resetAt - now,
    };
  }

  /** How many windows are held (open or expired but not yet swept). */
  get size(): number {
    return this.#windows.size;
  }

  clear(): void {
    this.#windows.clear();
  }

  #sweep(now: number): void {
    for (const [key, window] of this.#windows) {
      if (now >= window.resetAt) this.#windows.delete(key);
    }
  }
}
