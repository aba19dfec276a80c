import { isKnown, isMonitored } from "../durable-objects/monitored-users.ts";
import { generateToken, hashToken } from "../durable-objects/user-presence/tokens.ts";
import type { Env } from "../settings/env.ts";

/**
 * Issuing and revoking a user's write token (the bot's /storage token create and revoke). The
 * directory learns a new hash before the user's object does and forgets the old one after, so
 * an interruption leaves at worst a directory row that the object refuses, never a valid token
 * that cannot be found.
 */

/**
 * The directory shard that holds a token hash: 256 objects by the hash's first byte, so lookups
 * of made-up tokens (which no per-user limit can catch before they are looked up) spread out
 * instead of queueing on one object.
 */
export function tokenDirectory(env: Env, hash: string) {
  return env.TOKEN_DIRECTORY.getByName(`tokens-${hash.slice(0, 2)}`);
}

export type IssueResult = { ok: true; token: string } | { ok: false; code: "user_not_monitored" };

export async function issueToken(env: Env, userId: string): Promise<IssueResult> {
  // Anyone may run the bot's command; only a member's object may be addressed (monitored.ts).
  if (!(await isMonitored(env, userId))) return { ok: false, code: "user_not_monitored" };
  const token = generateToken();
  const hash = await hashToken(token);
  await tokenDirectory(env, hash).bind(hash, userId);
  const stored = await env.USER_PRESENCE.getByName(userId).setTokenHash(hash);
  if (!stored.ok) {
    await tokenDirectory(env, hash).unbind(hash);
    return { ok: false, code: stored.code };
  }
  if (stored.previous) await tokenDirectory(env, stored.previous).unbind(stored.previous);
  return { ok: true, token };
}

/** Returns whether there was a token to revoke. */
export async function revokeToken(env: Env, userId: string): Promise<boolean> {
  // A stranger has no object and so no token; a member who left keeps theirs until revoked.
  if (!(await isKnown(env, userId))) return false;
  const previous = await env.USER_PRESENCE.getByName(userId).clearToken();
  if (previous) await tokenDirectory(env, previous).unbind(previous);
  return previous !== null;
}
