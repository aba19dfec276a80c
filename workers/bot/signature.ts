/**
 * Discord signs every interaction it POSTs: Ed25519 over the timestamp header followed by the raw
 * body, with the application's key pair; the public key is shown in the developer portal
 * (developers/interactions/overview, "Setting Up an Endpoint"). Discord also sends deliberately
 * bad signatures to check that an endpoint refuses them. WebCrypto only, so this runs in workerd
 * and in Node alike.
 */

import { hexBytes, type SignatureVerdict } from "../../schemas/signatures.ts";

export { hexBytes, type SignatureVerdict };

export const SIGNATURE_HEADER = "x-signature-ed25519";
export const TIMESTAMP_HEADER = "x-signature-timestamp";
/** A request signed further than this from our clock is refused, so a captured one cannot be replayed later. */
export const MAX_SIGNATURE_AGE_SECONDS = 5 * 60;

/** Whether a configured public key is usable: 32 bytes as 64 hex digits, as the portal shows it. */
export const isPublicKey = (hex: string): boolean => hexBytes(hex, 32) !== null;

// Importing a key costs more than a verification; a deployment has one key, so keep the last one.
let cached: { hex: string; key: Promise<CryptoKey> } | null = null;

function publicKey(hex: string): Promise<CryptoKey> {
  if (cached?.hex !== hex) {
    const raw = hexBytes(hex, 32);
    if (!raw) throw new TypeError("the public key must be 64 hex digits");
    cached = { hex, key: crypto.subtle.importKey("raw", raw, { name: "Ed25519" }, false, ["verify"]) };
  }
  return cached.key;
}

export async function verifyInteraction(
  publicKeyHex: string,
  headers: { signature: string | null | undefined; timestamp: string | null | undefined },
  body: string,
  nowMs = Date.now(),
): Promise<SignatureVerdict> {
  const { signature, timestamp } = headers;
  if (!signature || !timestamp) return { ok: false, reason: "missing_signature" };
  const bytes = hexBytes(signature, 64);
  if (!bytes || !/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: "malformed_signature" };
  // Unix seconds. Refused both ways: a timestamp from the future is as suspicious as an old one.
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > MAX_SIGNATURE_AGE_SECONDS)
    return { ok: false, reason: "stale_timestamp" };
  const valid = await crypto.subtle.verify(
    "Ed25519",
    await publicKey(publicKeyHex),
    bytes,
    new TextEncoder().encode(timestamp + body),
  );
  return valid ? { ok: true } : { ok: false, reason: "bad_signature" };
}
