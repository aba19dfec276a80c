import type { z } from "zod";
import { PROXY_LIMITS, ProxyBotsSetting, ProxyCacheTtlsSetting } from "../schemas/proxy.ts";
import type { Env } from "./env.ts";

/**
 * The REST proxy's settings, read from the Worker's environment by both the routes and the
 * rate-limit objects. A bad value throws a RangeError naming the setting (the app answers 500 with
 * it), never a value: several of these are secrets.
 */

/** One bot the proxy holds a token for. The token stays in the environment; objects get the name. */
export interface ProxyBot {
  /** "default" for DISCORD_TOKEN; PROXY_BOTS's keys otherwise. Names the bot's rate-limit object. */
  name: string;
  token: string;
  /** SHA-256 hex of every key that may use this bot. */
  keyHashes: string[];
  globalPerSecond: number;
}

export const DEFAULT_BOT = "default";
/** Discord's documented global limit for a bot that has not asked for more. */
export const DEFAULT_GLOBAL_PER_SECOND = 50;
export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_TIMEOUT_MS = 120_000;
/** Discord bans at 10,000; the margin covers what other tenants of a shared egress address send. */
export const DEFAULT_INVALID_BUDGET = 9_000;
export const DISCORD_BAN_THRESHOLD = 10_000;
export const DEFAULT_DISCORD_API_BASE = "https://discord.com/api";

const HASH_LIST = /^[0-9a-f]{64}(,[0-9a-f]{64})*$/;

// Settings are parsed once per isolate; env objects are stable for an isolate's life.
const parsedBots = new WeakMap<Env, ProxyBot[]>();

/** Every bot the proxy serves, DISCORD_TOKEN's first. Empty when the proxy is off. */
export function proxyBots(env: Env): ProxyBot[] {
  let bots = parsedBots.get(env);
  if (bots) return bots;
  bots = [];
  if (env.DISCORD_TOKEN) {
    bots.push({
      name: DEFAULT_BOT,
      token: env.DISCORD_TOKEN,
      keyHashes: hashList("PROXY_KEYS", env.PROXY_KEYS),
      globalPerSecond: positiveInteger(
        "PROXY_GLOBAL_PER_SECOND",
        env.PROXY_GLOBAL_PER_SECOND,
        DEFAULT_GLOBAL_PER_SECOND,
      ),
    });
  }
  if (env.PROXY_BOTS) {
    const parsed = ProxyBotsSetting.safeParse(parseJson("PROXY_BOTS", env.PROXY_BOTS));
    if (!parsed.success) throw new RangeError(`PROXY_BOTS is invalid: ${describe(parsed.error)}`);
    for (const [name, bot] of Object.entries(parsed.data)) {
      if (name === DEFAULT_BOT) throw new RangeError(`PROXY_BOTS may not name a bot "${DEFAULT_BOT}"`);
      bots.push({
        name,
        token: bot.token,
        keyHashes: bot.keys,
        globalPerSecond: bot.global_per_second ?? DEFAULT_GLOBAL_PER_SECOND,
      });
    }
  }
  parsedBots.set(env, bots);
  return bots;
}

export function proxyBot(env: Env, name: string): ProxyBot | null {
  return proxyBots(env).find((bot) => bot.name === name) ?? null;
}

/** The deadline a call gets by default, and the longest one may ask for. */
export function proxyTimeouts(env: Env): { defaultMs: number; maxMs: number } {
  const maxMs = Math.min(
    positiveInteger("PROXY_MAX_TIMEOUT_MS", env.PROXY_MAX_TIMEOUT_MS, DEFAULT_MAX_TIMEOUT_MS),
    PROXY_LIMITS.hardMaxTimeoutMs,
  );
  const defaultMs = positiveInteger("PROXY_TIMEOUT_MS", env.PROXY_TIMEOUT_MS, DEFAULT_TIMEOUT_MS);
  return { defaultMs: Math.min(defaultMs, maxMs), maxMs };
}

const parsedTtls = new WeakMap<Env, Map<string, number>>();

/** Seconds a GET may be cached, by "GET <bucketRoute>"; empty (caching off) unless configured. */
export function proxyCacheTtls(env: Env): Map<string, number> {
  let ttls = parsedTtls.get(env);
  if (ttls) return ttls;
  ttls = new Map();
  if (env.PROXY_CACHE_TTLS) {
    const parsed = ProxyCacheTtlsSetting.safeParse(parseJson("PROXY_CACHE_TTLS", env.PROXY_CACHE_TTLS));
    if (!parsed.success) throw new RangeError(`PROXY_CACHE_TTLS is invalid: ${describe(parsed.error)}`);
    ttls = new Map(Object.entries(parsed.data));
  }
  parsedTtls.set(env, ttls);
  return ttls;
}

export function invalidRequestBudget(env: Env): number {
  const budget = positiveInteger("PROXY_INVALID_BUDGET", env.PROXY_INVALID_BUDGET, DEFAULT_INVALID_BUDGET);
  if (budget >= DISCORD_BAN_THRESHOLD)
    throw new RangeError(`PROXY_INVALID_BUDGET must be below Discord's ban at ${DISCORD_BAN_THRESHOLD}`);
  return budget;
}

/** Whether GET /users/:id of monitored users is answered from the gateway's data (off by default). */
export function gatewayUsersOn(env: Env): boolean {
  const value = env.PROXY_GATEWAY_USERS ?? "";
  if (value === "" || value === "false") return false;
  if (value === "true") return true;
  throw new RangeError("PROXY_GATEWAY_USERS must be true or false");
}

export function adminKeyHashes(env: Env): string[] {
  return hashList("PROXY_ADMIN_KEYS", env.PROXY_ADMIN_KEYS);
}

/** Discord's REST base, without a trailing slash or version. */
export function discordApiBase(env: Env): string {
  const value = env.DISCORD_API_BASE || DEFAULT_DISCORD_API_BASE;
  const url = URL.canParse(value) ? new URL(value) : null;
  if (!url || (url.protocol !== "https:" && url.protocol !== "http:") || url.search || url.hash)
    throw new RangeError(`DISCORD_API_BASE must be an http(s) URL such as ${DEFAULT_DISCORD_API_BASE}`);
  return url.href.replace(/\/+$/, "");
}

function hashList(name: string, value: string | undefined): string[] {
  const list = (value ?? "").replace(/\s+/g, "").toLowerCase();
  if (list === "") return [];
  if (!HASH_LIST.test(list))
    throw new RangeError(
      `${name} must list SHA-256 hex digests separated by commas (npm run proxy:key makes one)`,
    );
  return list.split(",");
}

function positiveInteger(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === "") return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new RangeError(`${name} must be a positive integer`);
  return number;
}

function parseJson(name: string, value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    throw new RangeError(`${name} must be JSON`);
  }
}

/** The first issue's path and message; never the value, which may hold a token. */
function describe(error: z.ZodError): string {
  const issue = error.issues[0];
  return issue ? `${issue.path.join(".") || "(root)"}: ${issue.message}` : "invalid";
}
