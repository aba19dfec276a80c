import type { GatewaySessions } from "../durable-objects/gateway-sessions.ts";
import type { MonitoredUsers } from "../durable-objects/monitored-users.ts";
import type { UserPresence } from "../durable-objects/user-presence/index.ts";
import { DEFAULT_SHAPING_OPTIONS, type ShapingOptions } from "../schemas/user-state.ts";

/** Bindings and settings the Worker receives (wrangler.toml; secrets with `wrangler secret put`). */
export interface Env {
  USER_PRESENCE: DurableObjectNamespace<UserPresence>;
  MONITORED_USERS: DurableObjectNamespace<MonitoredUsers>;
  GATEWAY_SESSIONS: DurableObjectNamespace<GatewaySessions>;
  /** Shared with the gateway runner; signs /ingest. A secret: never in wrangler.toml. */
  INGEST_SECRET?: string;
  /** How long a REST read may be served from the edge cache, in seconds. */
  CACHE_TTL_SECONDS?: string;
  DISCORD_CDN_BASE?: string;
  SPOTIFY_CDN_BASE?: string;
  MEDIA_PROXY_BASE?: string;
}

export const DEFAULT_CACHE_TTL_SECONDS = 5;
/** The Worker refuses to start ingest with a weaker secret than this. */
export const MIN_INGEST_SECRET_LENGTH = 32;

export function cacheTtlSeconds(env: Env): number {
  const ttl = Number(env.CACHE_TTL_SECONDS ?? DEFAULT_CACHE_TTL_SECONDS);
  return Number.isInteger(ttl) && ttl >= 0 && ttl <= 3600 ? ttl : DEFAULT_CACHE_TTL_SECONDS;
}

export function shapingOptions(env: Env): ShapingOptions {
  return {
    cdnBase: env.DISCORD_CDN_BASE ?? DEFAULT_SHAPING_OPTIONS.cdnBase,
    spotifyCdnBase: env.SPOTIFY_CDN_BASE ?? DEFAULT_SHAPING_OPTIONS.spotifyCdnBase,
    mediaProxyBase: env.MEDIA_PROXY_BASE ?? DEFAULT_SHAPING_OPTIONS.mediaProxyBase,
  };
}
