import { randomSecret, sha256Hex } from "../../settings/secrets.ts";

export { hashesEqual } from "../../settings/secrets.ts";

/**
 * Write tokens for a user's key-value pairs. A token is 256 random bits, shown once to its owner
 * (the bot's ephemeral reply) and kept only as its SHA-256: a leaked database holds nothing that
 * writes. Lantern encrypted its tokens reversibly, put the user id inside and compared them with
 * `!==`; here nothing in the token names the user, and hashes are compared in constant time.
 */

export const TOKEN_PREFIX = "pl_";
/** `pl_` and 43 base64url characters (32 bytes, unpadded). */
export const TOKEN_PATTERN = /^pl_[A-Za-z0-9_-]{43}$/;

export function generateToken(): string {
  return randomSecret(TOKEN_PREFIX);
}

/** Hex SHA-256 of the token: what is stored and looked up. */
export const hashToken = sha256Hex;

/**
 * The token an Authorization header carries: the raw token, as Lantern's clients send it, or
 * `Bearer <token>`. Null when the header is missing, empty or not a Porchlight token, so a
 * malformed header is refused before any object is asked.
 */
export function tokenFromHeader(header: string | undefined | null): string | null {
  const value = header?.trim().replace(/^Bearer\s+/i, "") ?? "";
  return TOKEN_PATTERN.test(value) ? value : null;
}
