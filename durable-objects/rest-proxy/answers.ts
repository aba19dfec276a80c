import type { UpstreamAnswer } from "../../schemas/proxy.ts";

/**
 * What one of Discord's answers teaches the limiter (Discord's rate-limit docs; reference.md §3).
 * Pure, so every header combination is tested without a runtime.
 */

export type LimitScope = "global" | "user" | "shared";

export interface LearnedAnswer {
  status: number;
  /**
   * X-RateLimit-Bucket and friends, when the route has a bucket. `discordNow` is Discord's clock
   * when it answered (X-RateLimit-Reset less Reset-After, ms since the epoch), when both came.
   */
  bucket: {
    hash: string;
    limit: number;
    remaining: number;
    resetAfterMs: number;
    discordNow: number | null;
  } | null;
  /** Set on a 429 Discord's limiter sent. */
  limited: { scope: LimitScope; retryAfterMs: number } | null;
  /** A 429 from Cloudflare in front of Discord: no rate-limit headers, no Via, not Discord's JSON. */
  cloudflareBan: { retryAfterMs: number } | null;
  /** Counts toward Discord's 10,000-per-10-minutes invalid-request ban. */
  invalid: boolean;
}

/** When a ban names no duration: Cloudflare's bans last about an hour (discord-api-docs #5810). */
export const DEFAULT_BAN_MS = 60 * 60_000;

/** The headers the limiter reads, lower-cased; the Worker copies only these into UpstreamAnswer. */
export const LEARNED_HEADERS = [
  "x-ratelimit-bucket",
  "x-ratelimit-limit",
  "x-ratelimit-remaining",
  "x-ratelimit-reset",
  "x-ratelimit-reset-after",
  "x-ratelimit-global",
  "x-ratelimit-scope",
  "retry-after",
  "via",
] as const;

export function learn(answer: UpstreamAnswer): LearnedAnswer {
  const h = answer.headers;
  const bucket = bucketOf(h);
  let limited: LearnedAnswer["limited"] = null;
  let cloudflareBan: LearnedAnswer["cloudflareBan"] = null;
  if (answer.status === 429) {
    // discord.py's rule, which py-cord and the proxy share: Discord's own 429s come through its
    // Google front (Via) with a JSON retry_after; anything else is Cloudflare refusing the address.
    const fromDiscord = h.via !== undefined && typeof answer.body?.retry_after === "number";
    const anyLimitHeader =
      bucket !== null || h["x-ratelimit-scope"] !== undefined || h["x-ratelimit-global"] !== undefined;
    if (!fromDiscord && !anyLimitHeader) {
      cloudflareBan = { retryAfterMs: secondsHeader(h["retry-after"]) ?? DEFAULT_BAN_MS };
    } else {
      const global = h["x-ratelimit-global"] !== undefined || answer.body?.global === true;
      const scope: LimitScope = global ? "global" : h["x-ratelimit-scope"] === "shared" ? "shared" : "user";
      limited = { scope, retryAfterMs: retryAfterMs(answer, bucket) };
    }
  }
  const invalid =
    answer.status === 401 || answer.status === 403 || (answer.status === 429 && limited?.scope !== "shared");
  return { status: answer.status, bucket, limited, cloudflareBan, invalid };
}

function bucketOf(h: Record<string, string>): LearnedAnswer["bucket"] {
  const hash = h["x-ratelimit-bucket"];
  const limit = Number(h["x-ratelimit-limit"]);
  const remaining = Number(h["x-ratelimit-remaining"]);
  const resetAfter = Number(h["x-ratelimit-reset-after"]);
  if (!hash || !Number.isFinite(limit) || !Number.isFinite(remaining) || !Number.isFinite(resetAfter))
    return null;
  if (limit < 1 || remaining < 0 || resetAfter < 0) return null;
  const resetAfterMs = Math.ceil(resetAfter * 1000);
  // Reset is epoch seconds with millisecond decimals; a missing or odd one teaches no clock.
  const reset = Number(h["x-ratelimit-reset"]);
  const discordNow =
    h["x-ratelimit-reset"] && Number.isFinite(reset) && reset > 0
      ? Math.round(reset * 1000) - resetAfterMs
      : null;
  return { hash, limit, remaining, resetAfterMs, discordNow };
}

/**
 * The body's float retry_after is the precise one; the header is whole seconds. For a shared limit
 * Retry-After can be far longer than Reset-After, and Retry-After is the one to obey.
 */
function retryAfterMs(answer: UpstreamAnswer, bucket: LearnedAnswer["bucket"]): number {
  const body = answer.body?.retry_after;
  if (typeof body === "number" && Number.isFinite(body) && body >= 0) return Math.ceil(body * 1000);
  return secondsHeader(answer.headers["retry-after"]) ?? bucket?.resetAfterMs ?? 1_000;
}

function secondsHeader(value: string | undefined): number | null {
  if (value === undefined) return null;
  const seconds = Number(value);
  return Number.isFinite(seconds) && seconds >= 0 ? Math.ceil(seconds * 1000) : null;
}
