import { MAX_SIGNATURE_AGE_SECONDS } from "./signature.ts";

/**
 * Replay protection for signed interactions: a captured delivery verifies again for as long as its
 * timestamp is inside the signature window, so each interaction id is accepted once and
 * remembered until its timestamp can no longer pass. Which object holds an id, and for how long,
 * is decided here; the InteractionIds objects (durable-objects/interaction-ids.ts) store the ids
 * by the rules of durable-objects/interaction-claims.ts.
 */

/** Fixed, so every delivery of one id reaches the same object. */
export const INTERACTION_ID_SHARDS = 16;

/**
 * Kept past the window by this much: the Worker that checked the timestamp and the object that
 * forgets the id read different clocks.
 */
export const CLOCK_MARGIN_MS = 60_000;

/** The object for an interaction id, by the first hex digit of the id's SHA-256. */
export async function interactionIdShard(id: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(id)));
  return `interaction-ids-${(digest[0]! >> 4) % INTERACTION_ID_SHARDS}`;
}

/**
 * Until when (epoch ms) an id signed at `timestampSeconds` must be remembered: the last moment the
 * signature check would still take its timestamp, plus the clock margin.
 */
export function rememberUntil(timestampSeconds: number): number {
  return (timestampSeconds + MAX_SIGNATURE_AGE_SECONDS) * 1000 + CLOCK_MARGIN_MS;
}
