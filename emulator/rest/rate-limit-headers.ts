import type { WindowDecision } from "./rate-limit.ts";

/**
 * Rate-limit headers and 429 bodies shaped as Discord sends them (reference §3, Discord's
 * rate-limits docs). Two details matter to clients: X-RateLimit-Global is sent only on a global
 * 429, since @discordjs/rest treats its mere presence as "global"; and Retry-After is whole
 * seconds rounded up, while the body's retry_after is a float.
 */

export interface RateLimitedBody {
  message: string;
  retry_after: number;
  global: boolean;
}

export interface RateLimitedResponse {
  headers: Record<string, string>;
  body: RateLimitedBody;
}

/** Seconds with millisecond precision, e.g. "4.998" or "1735689600.123". */
function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

/** Sent on every response of a bucketed route, 429s included. */
export function bucketHeaders(decision: WindowDecision, hash: string): Record<string, string> {
  return {
    "X-RateLimit-Limit": String(decision.limit),
    "X-RateLimit-Remaining": String(decision.remaining),
    "X-RateLimit-Reset": seconds(decision.resetAt),
    "X-RateLimit-Reset-After": seconds(decision.resetAfterMs),
    "X-RateLimit-Bucket": hash,
  };
}

function limitedBody(decision: WindowDecision, global: boolean): RateLimitedBody {
  return { message: "You are being rate limited.", retry_after: decision.resetAfterMs / 1000, global };
}

function retryAfter(decision: WindowDecision): string {
  return String(Math.ceil(decision.resetAfterMs / 1000));
}

/** A per-route 429: the bucket's headers plus Scope user. */
export function routeLimited(decision: WindowDecision, hash: string): RateLimitedResponse {
  return {
    headers: {
      ...bucketHeaders(decision, hash),
      "Retry-After": retryAfter(decision),
      "X-RateLimit-Scope": "user",
    },
    body: limitedBody(decision, false),
  };
}

/**
 * A shared-scope 429: the resource, not the client, is over its limit. The bucket's headers are
 * sent as they stand (Remaining may be above 0); Retry-After and retry_after say how long the
 * resource stays limited, which can be far longer than Reset-After.
 */
export function sharedLimited(
  decision: WindowDecision,
  hash: string,
  remainingMs: number,
): RateLimitedResponse {
  return {
    headers: {
      ...bucketHeaders(decision, hash),
      "Retry-After": String(Math.ceil(remainingMs / 1000)),
      "X-RateLimit-Scope": "shared",
    },
    body: { message: "The resource is being rate limited.", retry_after: remainingMs / 1000, global: false },
  };
}

/** A global 429: no bucket headers, only Global and Scope global. */
export function globalLimited(decision: WindowDecision): RateLimitedResponse {
  return {
    headers: {
      "Retry-After": retryAfter(decision),
      "X-RateLimit-Global": "true",
      "X-RateLimit-Scope": "global",
    },
    body: limitedBody(decision, true),
  };
}
