/**
 * The pure rules of an InteractionIds object (durable-objects/interaction-ids.ts): whether a stored
 * claim still stands, and when to sweep expired ones. How long an id is kept is the route's to say
 * (workers/bot/replay.ts), since it knows the signature window.
 */

/** Expired rows are swept together: an alarm this long after the earliest expiry takes them all. */
export const SWEEP_DELAY_MS = 60_000;

/**
 * Whether an id may act now, given when its stored claim (if any) expires. A row past its expiry
 * that the sweep has not removed yet counts as absent: its timestamp could no longer pass, so
 * whatever carries the id now was signed anew.
 */
export function mayClaim(storedExpiry: number | null, nowMs: number): boolean {
  return storedExpiry === null || storedExpiry <= nowMs;
}

/**
 * The alarm to have once an id expiring at `expiry` is stored: the current one if it comes soon
 * enough to take this row too, else a sweep shortly after this expiry.
 */
export function nextSweep(current: number | null, expiry: number): number {
  const wanted = expiry + SWEEP_DELAY_MS;
  return current !== null && current <= wanted ? current : wanted;
}
