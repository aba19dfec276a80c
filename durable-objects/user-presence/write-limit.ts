/**
 * Per-user write rate limit: a token bucket, so a burst (a page saving a few settings at once)
 * passes and a script hammering the store is slowed to the refill rate. It lives in the user's
 * object, the one place all of a user's writes meet; it is kept in memory, so an evicted object
 * starts with a full bucket, which only ever errs towards letting a write through.
 */

export interface WriteLimit {
  /** Writes allowed at once. */
  burst: number;
  /** Writes regained per second. */
  perSecond: number;
}

export const DEFAULT_WRITE_LIMIT: WriteLimit = { burst: 30, perSecond: 1 };

export interface Bucket {
  tokens: number;
  at: number;
}

export type WriteDecision =
  | { allowed: true; bucket: Bucket }
  | { allowed: false; bucket: Bucket; retryAfterSeconds: number };

export function takeWrite(
  bucket: Bucket | null,
  now: number,
  limit: WriteLimit = DEFAULT_WRITE_LIMIT,
): WriteDecision {
  const refilled = bucket
    ? Math.min(limit.burst, bucket.tokens + (Math.max(0, now - bucket.at) / 1000) * limit.perSecond)
    : limit.burst;
  if (refilled >= 1) return { allowed: true, bucket: { tokens: refilled - 1, at: now } };
  const retryAfterSeconds = Math.max(1, Math.ceil((1 - refilled) / limit.perSecond));
  return { allowed: false, bucket: { tokens: refilled, at: now }, retryAfterSeconds };
}
