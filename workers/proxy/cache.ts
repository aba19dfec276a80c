import { routeTemplate } from "../../durable-objects/rest-proxy/routes.ts";
import { PROXY_HEADERS, type RateLimitedRoute } from "../../schemas/proxy.ts";
import { cacheOrigin, type Env } from "../../settings/env.ts";
import { proxyCacheTtls } from "../../settings/proxy.ts";
import { TtlCache } from "../ttl-cache.ts";

/**
 * Opt-in caching of Discord's GET answers (PROXY_CACHE_TTLS names routes and seconds; nothing is
 * cached otherwise). Entries are kept per bot, since two bots see different channels and guilds,
 * and only for the bot's own token: an answer to a user's OAuth token is that user's. Only 200s and
 * 404s are kept: any other error says something about this moment, not about the resource.
 */

const CACHEABLE = new Set([200, 404]);
/** Rate-limit headers describe the moment of the original answer; a cached copy must not teach a caller's limiter. */
const STALE_HEADERS = /^(x-ratelimit-|retry-after$|date$)/;

export interface ProxyCache {
  match(): Promise<Response | null>;
  /** Keeps a cacheable answer (in the background) and returns it marked as a miss. */
  store(response: Response, ctx: { waitUntil(promise: Promise<unknown>): void }): Promise<Response>;
}

export function proxyCacheFor(env: Env, bot: string, route: RateLimitedRoute, url: URL): ProxyCache | null {
  if (route.method !== "GET" || route.kind !== "bot") return null;
  const ttl = proxyCacheTtls(env).get(routeTemplate(route));
  if (!ttl) return null;
  const entries = new TtlCache(caches.default, cacheOrigin(env), `__proxy-cache/${bot}`, ttl);
  const key = `${url.pathname}${url.search}`.replace(/^\/+/, "");
  return {
    async match() {
      const hit = await entries.match(key);
      if (!hit) return null;
      const headers = new Headers(hit.headers);
      headers.delete("cache-control");
      headers.set(PROXY_HEADERS.cache, "hit");
      return new Response(hit.body, { status: hit.status, headers });
    },
    async store(response, ctx) {
      const headers = new Headers(response.headers);
      headers.set(PROXY_HEADERS.cache, "miss");
      if (!CACHEABLE.has(response.status))
        return new Response(response.body, { status: response.status, headers });
      const body = await response.text();
      const kept: Record<string, string> = {};
      for (const [name, value] of headers)
        if (!STALE_HEADERS.test(name) && name !== PROXY_HEADERS.cache) kept[name] = value;
      ctx.waitUntil(entries.put(key, body, { status: response.status, headers: kept }));
      return new Response(body, { status: response.status, headers });
    },
  };
}
