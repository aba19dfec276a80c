import { generateToken, hashToken } from "../durable-objects/user-presence/tokens.ts";
import type { Env } from "./env.ts";

/**
 * Issuing and revoking a user's write token (the bot's /storage token create and revoke). The
 * directory learns a new hash before the user's object does and forgets the old one after, so
 * an interruption leaves at worst a directory row that the object refuses, never a valid token
 * that cannot be found.
 */

export type IssueResult = { ok: true; token: string } | { ok: false; code: "user_not_monitored" };

export async function issueToken(env: Env, userId: string): Promise<IssueResult> {
  const token = generateToken();
  const hash = await hashToken(token);
  const directory = env.TOKEN_DIRECTORY.getByName("tokens");
  await directory.bind(hash, userId);
  const stored = await env.USER_PRESENCE.getByName(userId).setTokenHash(hash);
  if (!stored.ok) {
    await directory.unbind(hash);
    return { ok: false, code: stored.code };
  }
  if (stored.previous) await directory.unbind(stored.previous);
  return { ok: true, token };
}

/** Returns whether there was a token to revoke. */
export async function revokeToken(env: Env, userId: string): Promise<boolean> {
  const previous = await env.USER_PRESENCE.getByName(userId).clearToken();
  if (previous) await env.TOKEN_DIRECTORY.getByName("tokens").unbind(previous);
  return previous !== null;
}
