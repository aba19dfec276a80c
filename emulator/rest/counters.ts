/**
 * Per-token request counters, read from each finished response, so every path that answers
 * (handlers, error handler, rate limiters, faults, 404s) is counted the same way.
 */

/** One route's share of a token's requests: "<METHOD> <route template>" → these. */
export interface RouteCounters {
  requests: number;
  /** Every 429 on the route, whatever its scope (the Cloudflare ban's too). */
  rate_limited: number;
}

export interface TokenCounters {
  requests: number;
  rate_limited: { user: number; global: number; shared: number };
  /** 401, 403 and 429 (except shared): what Discord counts toward its invalid-request ban. */
  invalid: number;
  /** Requests answered by the Cloudflare ban (error 1015) instead of Discord's API. */
  cloudflare_banned: number;
  /** Keyed "<METHOD> <route template>", e.g. "POST /channels/:channel_id/messages"; known routes only. */
  by_route: Record<string, RouteCounters>;
}

/** The first and the latest answer to one key, in ms since the epoch. */
export interface AnsweredSpan {
  first: number;
  last: number;
}

export type RateLimitScope = keyof TokenCounters["rate_limited"];

/** What a finished response tells the counters. */
export interface CountedResponse {
  status: number;
  /** Its X-RateLimit-Scope header, if any. */
  scope: string | null;
  /** "<METHOD> <route template>" of the registered route the request matched, if any. */
  route?: string;
  /** The request's path, e.g. "/api/v10/guilds/1/members/2". */
  path?: string;
  /** Answered by the Cloudflare ban: a 429 that is neither a rate limit nor an invalid request. */
  cloudflareBanned?: boolean;
}

function isScope(value: string | null): value is RateLimitScope {
  return value === "user" || value === "global" || value === "shared";
}

/** Spans remembered (per key, and per key and path) between two zeroings. */
const MAX_SPANS = 10_000;

export class RequestCounters {
  readonly #byToken = new Map<string, TokenCounters>();
  /** When each key's first and latest counted requests were answered, and each key and path's. */
  readonly #answered = new Map<string, AnsweredSpan>();

  /**
   * When Discord (the emulator) first and last answered `tokenKey` since the counters were zeroed
   * (on `path` alone when given, e.g. one guild's members: one bucket's traffic), or null.
   */
  answeredBetween(tokenKey: string, path?: string): AnsweredSpan | null {
    const span = this.#answered.get(path === undefined ? tokenKey : `${tokenKey} ${path}`);
    return span ? { ...span } : null;
  }

  record(tokenKey: string, response: CountedResponse): void {
    const now = Date.now();
    this.#stretch(tokenKey, now);
    // Bounded so a long run over many paths stays small; a benchmark zeroes the counters first.
    if (response.path !== undefined && this.#answered.size < MAX_SPANS)
      this.#stretch(`${tokenKey} ${response.path}`, now);
    const counters = this.#for(tokenKey);
    counters.requests += 1;
    if (response.route) {
      const route = counters.by_route[response.route] ?? { requests: 0, rate_limited: 0 };
      counters.by_route[response.route] = route;
      route.requests += 1;
      if (response.status === 429) route.rate_limited += 1;
    }
    if (response.cloudflareBanned) {
      counters.cloudflare_banned += 1;
      return;
    }
    const { status } = response;
    const limitedScope: RateLimitScope = isScope(response.scope) ? response.scope : "user";
    if (status === 429) counters.rate_limited[limitedScope] += 1;
    // Discord exempts shared-scope 429s from the invalid-request limit: the client could not avoid them.
    const invalid = status === 401 || status === 403 || (status === 429 && limitedScope !== "shared");
    if (invalid) counters.invalid += 1;
  }

  snapshot(): Record<string, TokenCounters> {
    return Object.fromEntries(
      [...this.#byToken].map(([key, c]) => [
        key,
        {
          ...c,
          rate_limited: { ...c.rate_limited },
          by_route: Object.fromEntries(Object.entries(c.by_route).map(([route, r]) => [route, { ...r }])),
        },
      ]),
    );
  }

  /** Forgets every count, as if no request had been made. */
  #stretch(key: string, now: number): void {
    const span = this.#answered.get(key);
    if (span) span.last = now;
    else this.#answered.set(key, { first: now, last: now });
  }

  clear(): void {
    this.#byToken.clear();
    this.#answered.clear();
  }

  #for(tokenKey: string): TokenCounters {
    let counters = this.#byToken.get(tokenKey);
    if (!counters) {
      counters = {
        requests: 0,
        rate_limited: { user: 0, global: 0, shared: 0 },
        invalid: 0,
        cloudflare_banned: 0,
        by_route: {},
      };
      this.#byToken.set(tokenKey, counters);
    }
    return counters;
  }
}
