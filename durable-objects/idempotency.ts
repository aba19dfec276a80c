/**
 * Idempotent sends (the message API's Idempotency-Key): what a retried request gets. A key names
 * one send for a day; its first request claims it, and a retry with the same request gets the
 * first answer back instead of posting again. Pure: the MessageLedger object stores the rows.
 */

/** How long a key is remembered: a client retrying after a day is not retrying. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60_000;

export interface StoredSend {
  /** A hash of the method, route and body: the same key with another request is a mistake. */
  fingerprint: string;
  /** Set once the first request finished with a success; null while it is in flight. */
  answer: { status: number; body: string } | null;
  /** A pending claim whose Worker vanished stops blocking retries after this. */
  pendingUntil: number;
  expiresAt: number;
}

export type Claim =
  | { kind: "new" }
  | { kind: "replay"; status: number; body: string }
  /** The first request is still being sent: the retry should wait and ask again. */
  | { kind: "in_progress" }
  | { kind: "mismatch" };

export function decideClaim(stored: StoredSend | null, fingerprint: string, now: number): Claim {
  if (!stored || stored.expiresAt <= now) return { kind: "new" };
  if (stored.fingerprint !== fingerprint) return { kind: "mismatch" };
  if (stored.answer) return { kind: "replay", ...stored.answer };
  // The first attempt's Worker gave up without a word (or died): a new attempt may go. Discord's
  // nonce, which the message API sends with every keyed message, still stops a second post.
  return stored.pendingUntil <= now ? { kind: "new" } : { kind: "in_progress" };
}
