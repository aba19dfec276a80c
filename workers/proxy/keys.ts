import { PROXY_HEADERS } from "../../schemas/proxy.ts";
import type { ProxyBot } from "../../settings/proxy.ts";
import { hashesEqual, sha256Hex } from "../../settings/secrets.ts";

/**
 * Who may use the proxy. Callers hold proxy keys, never the bot's token: @discordjs/rest sends its
 * "token" as `Authorization: Bot <key>`, so setting a key as the token is all a caller changes. A
 * caller that needs Discord to see a user's OAuth token sends it as `Authorization: Bearer …` and
 * the key in X-Porchlight-Key, which is also how requests @discordjs/rest sends without
 * Authorization (`auth: false`: interaction callbacks and webhooks) carry a key. Keys are configured as SHA-256 digests and compared in constant
 * time, so neither the settings nor a timing difference give one away.
 */

export interface Caller {
  bot: ProxyBot;
  /** The user's OAuth token for Discord, when the caller sent one (Bearer). */
  userToken: string | null;
}

/** The bot a request's key belongs to, or null: no key, an unknown key, or a key of another bot than X-Porchlight-Bot names. */
export async function callerOf(headers: Headers, bots: ProxyBot[]): Promise<Caller | null> {
  const authorization = headers.get("authorization")?.trim() ?? "";
  const explicitKey = headers.get(PROXY_HEADERS.key)?.trim();
  let key: string | null = null;
  let userToken: string | null = null;
  if (explicitKey) {
    key = explicitKey;
    // Beside a key header, Authorization is a user's OAuth token, or the same key as @discordjs/rest
    // sends it when given both (its `headers` option reaches `auth: false` interaction replies too).
    const bearer = /^Bearer\s+(\S+)$/i.exec(authorization);
    if (bearer) userToken = bearer[1]!;
    else if (authorization !== "" && authorization.replace(/^Bot\s+/i, "") !== explicitKey) return null;
  } else {
    key = /^Bot\s+(\S+)$/i.exec(authorization)?.[1] ?? null;
  }
  if (!key || key.length > 256) return null;
  const hash = await sha256Hex(key);
  const matched = bots.map((bot) => matchesAny(hash, bot.keyHashes));
  const found = bots[matched.lastIndexOf(true)] ?? null;
  if (!found) return null;
  const named = headers.get(PROXY_HEADERS.bot)?.trim();
  if (named && named !== found.name) return null;
  return { bot: found, userToken };
}

/** Whether `Authorization: Bearer <key>` carries one of `hashes` (the admin keys of /proxy/metrics). */
export async function holdsKey(headers: Headers, hashes: string[]): Promise<boolean> {
  const key = /^Bearer\s+(\S+)$/i.exec(headers.get("authorization")?.trim() ?? "")?.[1];
  if (!key || key.length > 256 || hashes.length === 0) return false;
  return matchesAny(await sha256Hex(key), hashes);
}

/**
 * Whether `hash` is among `candidates`, comparing every one with no early exit, so the time taken
 * says nothing about which (if any) matched.
 */
function matchesAny(hash: string, candidates: string[]): boolean {
  let matched = false;
  for (const candidate of candidates) if (hashesEqual(hash, candidate)) matched = true;
  return matched;
}
