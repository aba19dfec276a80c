/**
 * The proxy's counters for one bot, and their Prometheus text (GET /proxy/metrics). Labels are
 * route templates (`/channels/:id/messages`), never paths: ids would make the series unbounded and
 * a webhook path holds its token.
 */

export type LimitSource = "discord" | "proxy";

/** Upper bounds (seconds) of the queue-time histogram: from "did not wait" to a minute's wait. */
export const QUEUE_BUCKETS = [0.001, 0.01, 0.05, 0.25, 1, 5, 15, 60] as const;

export interface BotMetrics {
  /** `${method}\t${route}\t${status}` → count (route templates may hold spaces). */
  requests: Record<string, number>;
  /** `${scope}\t${source}` → count. */
  rateLimited: Record<string, number>;
  /** Cumulative counts per QUEUE_BUCKETS bound, then +Inf; and the sum in seconds. */
  queue: { buckets: number[]; count: number; sumSeconds: number };
  cache: { hit: number; miss: number };
  unauthorized: number;
  cloudflareBans: number;
  invalidBudget: { used: number; budget: number };
  locked: boolean;
  bannedForMs: number;
}

/** The most distinct (method, route, status) series one bot keeps; past it they count as "other". */
const MAX_REQUEST_SERIES = 2_000;

export class MetricsRecorder {
  readonly #requests = new Map<string, number>();
  readonly #rateLimited = new Map<string, number>();
  readonly #queue = { buckets: new Array<number>(QUEUE_BUCKETS.length + 1).fill(0), count: 0, sumSeconds: 0 };
  readonly cache = { hit: 0, miss: 0 };
  unauthorized = 0;
  cloudflareBans = 0;

  request(method: string, route: string, status: number): void {
    let key = `${method}\t${route}\t${status}`;
    if (!this.#requests.has(key) && this.#requests.size >= MAX_REQUEST_SERIES)
      key = `${method}\tother\t${status}`;
    this.#requests.set(key, (this.#requests.get(key) ?? 0) + 1);
  }

  rateLimited(scope: string, source: LimitSource): void {
    const key = `${scope}\t${source}`;
    this.#rateLimited.set(key, (this.#rateLimited.get(key) ?? 0) + 1);
  }

  queued(ms: number): void {
    const seconds = ms / 1000;
    const index = QUEUE_BUCKETS.findIndex((bound) => seconds <= bound);
    this.#queue.buckets[index === -1 ? QUEUE_BUCKETS.length : index]! += 1;
    this.#queue.count += 1;
    this.#queue.sumSeconds += seconds;
  }

  snapshot(state: Pick<BotMetrics, "invalidBudget" | "locked" | "bannedForMs">): BotMetrics {
    let running = 0;
    const cumulative = this.#queue.buckets.map((n) => (running += n));
    return {
      requests: Object.fromEntries(this.#requests),
      rateLimited: Object.fromEntries(this.#rateLimited),
      queue: { buckets: cumulative, count: this.#queue.count, sumSeconds: this.#queue.sumSeconds },
      cache: { ...this.cache },
      unauthorized: this.unauthorized,
      cloudflareBans: this.cloudflareBans,
      ...state,
    };
  }
}

/** Prometheus text exposition format 0.0.4 for every bot. */
export function renderPrometheus(bots: Array<{ bot: string; metrics: BotMetrics }>): string {
  const lines: string[] = [];
  const family = (name: string, type: string, help: string, samples: string[]) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...samples);
  };
  const each = <T>(pick: (bot: string, m: BotMetrics) => T[]) =>
    bots.flatMap(({ bot, metrics }) => pick(bot, metrics));

  family(
    "porchlight_proxy_requests_total",
    "counter",
    "Proxied requests by route template, method and the status the caller got.",
    each((bot, m) =>
      Object.entries(m.requests).map(([key, n]) => {
        const [method, route, status] = key.split("\t") as [string, string, string];
        return `porchlight_proxy_requests_total${labels({ bot, method, route, status })} ${n}`;
      }),
    ),
  );
  family(
    "porchlight_proxy_rate_limited_total",
    "counter",
    "429s by scope and source: discord (Discord sent it) or proxy (the proxy refused to protect the bot).",
    each((bot, m) =>
      Object.entries(m.rateLimited).map(([key, n]) => {
        const [scope, source] = key.split("\t") as [string, string];
        return `porchlight_proxy_rate_limited_total${labels({ bot, scope, source })} ${n}`;
      }),
    ),
  );
  family(
    "porchlight_proxy_queue_seconds",
    "histogram",
    "Time requests waited for Discord's limits before being sent.",
    each((bot, m) => [
      ...QUEUE_BUCKETS.map(
        (bound, i) =>
          `porchlight_proxy_queue_seconds_bucket${labels({ bot, le: String(bound) })} ${m.queue.buckets[i]}`,
      ),
      `porchlight_proxy_queue_seconds_bucket${labels({ bot, le: "+Inf" })} ${m.queue.count}`,
      `porchlight_proxy_queue_seconds_sum${labels({ bot })} ${m.queue.sumSeconds}`,
      `porchlight_proxy_queue_seconds_count${labels({ bot })} ${m.queue.count}`,
    ]),
  );
  const gauge = (name: string, type: string, help: string, value: (m: BotMetrics) => number) =>
    family(
      name,
      type,
      help,
      each((bot, m) => [`${name}${labels({ bot })} ${value(m)}`]),
    );
  gauge(
    "porchlight_proxy_invalid_requests",
    "gauge",
    "Invalid answers (401, 403, non-shared 429) in the last 10 minutes.",
    (m) => m.invalidBudget.used,
  );
  gauge(
    "porchlight_proxy_invalid_request_budget",
    "gauge",
    "Invalid answers per 10 minutes past which the proxy refuses.",
    (m) => m.invalidBudget.budget,
  );
  gauge(
    "porchlight_proxy_locked",
    "gauge",
    "1 while the bot is locked after Discord refused its token.",
    (m) => (m.locked ? 1 : 0),
  );
  gauge(
    "porchlight_proxy_banned_seconds",
    "gauge",
    "Seconds left of a Cloudflare ban of the egress address.",
    (m) => m.bannedForMs / 1000,
  );
  gauge(
    "porchlight_proxy_cloudflare_bans_total",
    "counter",
    "Cloudflare-ban 429s seen (no rate-limit headers).",
    (m) => m.cloudflareBans,
  );
  gauge(
    "porchlight_proxy_unauthorized_total",
    "counter",
    "Requests refused for a missing or wrong proxy key.",
    (m) => m.unauthorized,
  );
  family(
    "porchlight_proxy_cache_total",
    "counter",
    "Cacheable GETs answered from the cache (hit) or from Discord (miss).",
    each((bot, m) => [
      `porchlight_proxy_cache_total${labels({ bot, result: "hit" })} ${m.cache.hit}`,
      `porchlight_proxy_cache_total${labels({ bot, result: "miss" })} ${m.cache.miss}`,
    ]),
  );
  return `${lines.join("\n")}\n`;
}

function labels(values: Record<string, string>): string {
  const escaped = (v: string) => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
  return `{${Object.entries(values)
    .map(([k, v]) => `${k}="${escaped(v)}"`)
    .join(",")}}`;
}
