/**
 * What the two signed request kinds share: ingest (HMAC, schemas/ingest-signature.ts) and Discord's
 * interactions (Ed25519, workers/bot/signature.ts) refuse a request for the same four reasons and
 * carry their signatures as hex.
 */

export type SignatureVerdict =
  | { ok: true }
  | { ok: false; reason: "missing_signature" | "malformed_signature" | "stale_timestamp" | "bad_signature" };

/** Raw bytes from hex (either case); null unless it is exactly `bytes` bytes of hex. */
export function hexBytes(hex: string, bytes: number): Uint8Array<ArrayBuffer> | null {
  if (hex.length !== bytes * 2 || !/^[0-9a-f]*$/i.test(hex)) return null;
  return Uint8Array.from({ length: bytes }, (_, i) => Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16));
}
