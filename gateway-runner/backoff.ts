/**
 * How long to wait before retrying a batch the Worker did not take: exponential from `baseMs`,
 * capped at `capMs`, with "equal jitter" (half the delay fixed, half random) so that a fleet of
 * retries spreads out without ever retrying at once.
 */
export interface BackoffPolicy {
  baseMs: number;
  capMs: number;
}

/** The delay before retry number `attempt` (1 for the first retry). */
export function backoffDelay(
  attempt: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  // 2 ** 30 already exceeds any cap the config allows; stopping there keeps the number finite.
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(Math.max(attempt, 1) - 1, 30));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/**
 * The Worker (or a proxy in front of it) may say how long to wait with Retry-After, in seconds or
 * as an HTTP date; honour it, within the cap. Returns null when there is none or it cannot be read.
 */
export function retryAfterMs(header: string | null, capMs: number, now = Date.now()): number | null {
  if (header === null || header.trim() === "") return null;
  const seconds = Number(header);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - now;
  if (!Number.isFinite(ms)) return null;
  return Math.min(Math.max(ms, 0), capMs);
}
