/**
 * How the runner signs an ingest request and the Worker checks it: HMAC-SHA256 over
 * `${timestamp}.${METHOD} ${path}.${body}` with a shared secret, the timestamp in milliseconds and
 * the path with its query (`/ingest/guilds/1/members?after=2`). Binding the timestamp into the MAC
 * and refusing old ones stops a captured request from being replayed later; binding the method and
 * path stops it from being replayed, inside the window, against another route or page (a signed
 * GET of /ingest/sockets read as /ingest/sessions, say). A proxy that rewrites paths between the
 * runner and the Worker therefore breaks signatures: INGEST_URL must be the Worker's own URL.
 * WebCrypto only, so the same code runs in Node (the runner) and in workerd (the Worker).
 */

import { hexBytes, type SignatureVerdict } from "./signatures.ts";

export const SIGNATURE_HEADER = "x-porchlight-signature";
export const TIMESTAMP_HEADER = "x-porchlight-timestamp";
/** A request signed further from the Worker's clock than this is refused. */
export const DEFAULT_REPLAY_WINDOW_MS = 5 * 60_000;

const encoder = new TextEncoder();

/**
 * The imported key of the last secret used: a process signs or verifies with one secret (two while
 * it is being rotated), and importing it again for every request cost ingest more than the HMAC.
 * Both sides of the comparison are our own settings, never a caller's input.
 */
let lastKey: { secret: string; key: Promise<CryptoKey> } | null = null;

function hmacKey(secret: string): Promise<CryptoKey> {
  if (lastKey?.secret !== secret) {
    const key = crypto.subtle.importKey(
      "raw",
      encoder.encode(secret),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign", "verify"],
    );
    lastKey = { secret, key };
    // A failed import is not kept: the next call tries again.
    key.catch(() => {
      if (lastKey?.key === key) lastKey = null;
    });
  }
  return lastKey.key;
}

function toHex(bytes: ArrayBuffer): string {
  return [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** What a signature binds besides the timestamp and the body. */
export interface SignedRoute {
  method: string;
  /** The path with its query, as the request line carries it: `/ingest/sessions`. */
  path: string;
}

/** The route of a request to `url`. */
export function signedRoute(method: string, url: string | URL): SignedRoute {
  const { pathname, search } = new URL(url);
  return { method, path: pathname + search };
}

const signedText = (timestamp: number | string, route: SignedRoute, body: string) =>
  encoder.encode(`${timestamp}.${route.method.toUpperCase()} ${route.path}.${body}`);

export async function signIngest(
  secret: string,
  timestamp: number,
  route: SignedRoute,
  body: string,
): Promise<string> {
  const mac = await crypto.subtle.sign("HMAC", await hmacKey(secret), signedText(timestamp, route, body));
  return `sha256=${toHex(mac)}`;
}

/** The headers a signed ingest request carries. */
export async function ingestHeaders(
  secret: string,
  route: SignedRoute,
  body: string,
  now = Date.now(),
): Promise<Record<string, string>> {
  return {
    "content-type": "application/json",
    [TIMESTAMP_HEADER]: String(now),
    [SIGNATURE_HEADER]: await signIngest(secret, now, route, body),
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
  route: SignedRoute,
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
    signedText(timestamp, route, body),
  );
  return valid ? { ok: true } : { ok: false, reason: "bad_signature" };
}
