/**
 * Write tokens for a user's key-value pairs. A token is 256 random bits, shown once to its owner
 * (the bot's ephemeral reply) and kept only as its SHA-256: a leaked database holds nothing that
 * writes. Lantern encrypted its tokens reversibly, put the user id inside and compared them with
 * `!==`; here nothing in the token names the user, and hashes are compared in constant time.
 */

export const TOKEN_PREFIX = "pl_";
const TOKEN_BYTES = 32;
/** `pl_` and 43 base64url characters (32 bytes, unpadded). */
export const TOKEN_PATTERN = /^pl_[A-Za-z0-9_-]{43}$/;

export function generateToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(TOKEN_BYTES));
  return TOKEN_PREFIX + base64url(bytes);
}

/** Hex SHA-256 of the token: what is stored and looked up. */
export async function hashToken(token: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * The token an Authorization header carries: the raw token, as Lantern's clients send it, or
 * `Bearer <token>`. Null when the header is missing, empty or not a Porchlight token, so a
 * malformed header is refused before any object is asked.
 */
export function tokenFromHeader(header: string | undefined | null): string | null {
  const value = header?.trim().replace(/^Bearer\s+/i, "") ?? "";
  return TOKEN_PATTERN.test(value) ? value : null;
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
