/**
 * Per-token request counters, read from each finished response, so every path that answers
 * (handlers, error handler, rate limiters, 404s) is counted the same way.
 */

export interface TokenCounters {
  requests: number;
  rate_limited: { user: number; global: number; shared: number };
  /** 401, 403 and 429 (except shared): what Discord counts toward its invalid-request ban. */
  invalid: number;
}

export type RateLimitScope = keyof TokenCounters["rate_limited"];

function isScope(value: string | null): value is RateLimitScope {
  return value === "user" || value === "global" || value === "shared";
}

export class RequestCounters {
  readonly #byToken = new Map<string, TokenCounters>();

  /** Counts one response; `scope` is its X-RateLimit-Scope header, if any. */
  record(tokenKey: string, status: number, scope: string | null): void {
    const counters = this.#for(tokenKey);
    counters.requests += 1;
    const limitedScope: RateLimitScope = isScope(scope) ? scope : "user";
    if (status === 429) counters.rate_limited[limitedScope] += 1;
    // Discord exempts shared-scope 429s from the invalid-request limit: the client could not avoid them.
    const invalid = status === 401 || status === 403 || (status === 429 && limitedScope !== "shared");
    if (invalid) counters.invalid += 1;
  }

  snapshot(): Record<string, TokenCounters> {
    return Object.fromEntries(
      [...this.#byToken].map(([key, c]) => [key, { ...c, rate_limited: { ...c.rate_limited } }]),
    );
  }

  #for(tokenKey: string): TokenCounters {
    let counters = this.#byToken.get(tokenKey);
    if (!counters) {
      counters = { requests: 0, rate_limited: { user: 0, global: 0, shared: 0 }, invalid: 0 };
      this.#byToken.set(tokenKey, counters);
    }
    return counters;
  }
}
