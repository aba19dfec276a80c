/**
 * How the runner signs an ingest request and the Worker checks it: HMAC-SHA256 over
 * `${timestamp}.${body}` with a shared secret, the timestamp in milliseconds. Binding the timestamp
 * into the MAC and refusing old ones stops a captured request from being replayed later.
 * WebCrypto only, so the same code runs in Node (the runner) and in workerd (the Worker).
 */

import { hexBytes, type SignatureVerdict } from "./signatures.ts";

export const SIGNATURE_HEADER = "x-porchlight-signature";
export const TIMESTAMP_HEADER = "x-porchlight-timestamp";
/** A request signed further from the Worker's clock than this is refused. */
export const DEFAULT_REPLAY_WINDOW_MS = 5 * 60_000;

const encoder = new TextEncoder();

function hmacKey(secret: string) {
  return crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
    "verify",
  ]);
}

function toHex(bytes: ArrayBuffer): string {
  return [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export async function signIngest(secret: string, timestamp: number, body: string): Promise<string> {
  const mac = await crypto.subtle.sign("HMAC", await hmacKey(secret), encoder.encode(`${timestamp}.${body}`));
  return `sha256=${toHex(mac)}`;
}

/** The headers a signed ingest request carries. */
export async function ingestHeaders(
  secret: string,
  body: string,
  now = Date.now(),
): Promise<Record<string, string>> {
  return {
    "content-type": "application/json",
    [TIMESTAMP_HEADER]: String(now),
    [SIGNATURE_HEADER]: await signIngest(secret, now, body),
  };
}

export type IngestVerdict = SignatureVerdict;

/**
 * Checks a request's signature. crypto.subtle.verify compares the MAC in constant time, so a
 * forger learns nothing from how long a refusal takes.
 */
export async function verifyIngest(
  secret: string,
  headers: { signature: string | null | undefined; timestamp: string | null | undefined },
  body: string,
  options: { now?: number; windowMs?: number } = {},
): Promise<IngestVerdict> {
  const { signature, timestamp } = headers;
  if (!signature || !timestamp) return { ok: false, reason: "missing_signature" };
  const mac = signature.startsWith("sha256=") ? hexBytes(signature.slice(7), 32) : null;
  if (!mac || !/^\d{1,16}$/.test(timestamp)) return { ok: false, reason: "malformed_signature" };
  const age = Math.abs((options.now ?? Date.now()) - Number(timestamp));
  if (age > (options.windowMs ?? DEFAULT_REPLAY_WINDOW_MS)) return { ok: false, reason: "stale_timestamp" };
  const valid = await crypto.subtle.verify(
    "HMAC",
    await hmacKey(secret),
    mac,
    encoder.encode(`${timestamp}.${body}`),
  );
  return valid ? { ok: true } : { ok: false, reason: "bad_signature" };
}
