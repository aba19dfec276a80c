/**
 * Secrets as Porchlight keeps them: random, shown once, stored only as their SHA-256, and compared
 * in constant time so a timing difference never tells an attacker how much of a guess was right.
 * Write tokens (durable-objects/user-presence/tokens.ts) and proxy keys (workers/proxy/keys.ts)
 * both use these.
 */

/** `prefix` and 43 base64url characters: 256 random bits, unpadded. */
export function randomSecret(prefix: string): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return prefix + base64url(bytes);
}

/** Hex SHA-256 of a secret: what is stored and looked up. */
export async function sha256Hex(secret: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(secret));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Constant-time comparison of two hex hashes of equal length. */
export function hashesEqual(a: string, b: string): boolean {
  const encoder = new TextEncoder();
  const left = encoder.encode(a);
  const right = encoder.encode(b);
  if (left.byteLength !== right.byteLength) return false;
  return crypto.subtle.timingSafeEqual(left, right);
}

function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
