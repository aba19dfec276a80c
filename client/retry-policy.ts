import type { OnLimit } from "../schemas/proxy.ts";
import { backoffDelay } from "./backoff.ts";
import { PorchlightHttpError, type PorchlightNetworkError } from "./errors.ts";

/**
 * Which failed calls may be sent again, and after how long. A request is repeated only when
 * repeating it cannot do anything twice, and only for failures that waiting can cure.
 */

export interface RetryOptions {
  /** Retries after the first attempt (0 turns retrying off). */
  retries: number;
  /** Backoff's first step, in ms; each retry doubles it, with full jitter. */
  baseMs: number;
  /** Longest wait between attempts, unless the server's Retry-After asks for more. */
  maxMs: number;
}

export const DEFAULT_RETRY: RetryOptions = { retries: 3, baseMs: 250, maxMs: 5_000 };

/**
 * Whether sending the request twice does what sending it once does: GET and HEAD read, PUT sets a
 * whole value and DELETE removes one (RFC 9110 §9.2.2), and a POST carrying an Idempotency-Key is
 * answered with the first send's result. PATCH and a bare POST are never repeated: the first
 * attempt may have reached Discord before its answer was lost.
 */
export function isReplaySafe(method: string, headers: Headers): boolean {
  switch (method) {
    case "GET":
    case "HEAD":
    case "PUT":
    case "DELETE":
      return true;
    case "POST":
      return headers.has("idempotency-key");
    default:
      return false;
  }
}

/** 429 and the gateway statuses say "not now"; every other 4xx says "not like this" and will not change. */
const RETRYABLE_STATUSES = new Set([429, 502, 503, 504]);

/** Refusals that clear only when an operator acts, not with time. */
const PERMANENT_CODES = new Set<unknown>(["locked", "not_configured"]);

/** Ms to wait before retrying after `failure`, or undefined when it must not be retried. */
export function retryDelay(
  failure: PorchlightHttpError | PorchlightNetworkError,
  attempt: number,
  options: RetryOptions,
  onLimit: OnLimit | undefined,
  random = Math.random,
): number | undefined {
  const backoff = backoffDelay(attempt, options, random);
  if (!(failure instanceof PorchlightHttpError)) return backoff;
  // A 409 that names a wait is an idempotent send still in flight, whose answer a retry will get;
  // one without (the key was used for another request) never changes.
  const inFlight = failure.status === 409 && failure.retryAfter !== undefined;
  if (!(RETRYABLE_STATUSES.has(failure.status) || inFlight) || PERMANENT_CODES.has(failure.code)) {
    return undefined;
  }
  // The caller asked to be told of a limit at once rather than wait for it.
  if (failure.status === 429 && onLimit === "reject") return undefined;
  if (failure.retryAfter === undefined) return backoff;
  // The server said when; a little jitter keeps clients it told the same thing from arriving together.
  return Math.ceil(failure.retryAfter * 1000) + Math.round(random() * options.baseMs);
}
