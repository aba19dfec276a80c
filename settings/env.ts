import type { GatewaySessions } from "../durable-objects/gateway-sessions.ts";
import type { InteractionIds } from "../durable-objects/interaction-ids.ts";
import type { MessageLedger } from "../durable-objects/message-ledger.ts";
import type { MonitoredUsers } from "../durable-objects/monitored-users.ts";
import type { RestProxy } from "../durable-objects/rest-proxy/index.ts";
import type { SocketHub } from "../durable-objects/socket-hub/index.ts";
import {
  fullInitBytes,
  MAX_FRAME_BYTES,
  type SocketConfig,
  socketConfig,
} from "../durable-objects/socket-hub/limits.ts";
import type { TokenDirectory } from "../durable-objects/token-directory.ts";
import type { UserPresence } from "../durable-objects/user-presence/index.ts";
import type { ForwardedEvent } from "../schemas/gateway-events.ts";
import { Snowflake } from "../schemas/snowflake.ts";
import { DEFAULT_SHAPING_OPTIONS, type ShapingOptions } from "../schemas/user-state.ts";
import type { GatewayRunner } from "../workers/runner-container.ts";

/** Bindings and settings the Worker receives (wrangler.toml; secrets with `wrangler secret put`). */
export interface Env {
  USER_PRESENCE: DurableObjectNamespace<UserPresence>;
  MONITORED_USERS: DurableObjectNamespace<MonitoredUsers>;
  GATEWAY_SESSIONS: DurableObjectNamespace<GatewaySessions>;
  SOCKET_HUB: DurableObjectNamespace<SocketHub>;
  TOKEN_DIRECTORY: DurableObjectNamespace<TokenDirectory>;
  /** Interaction ids the bot has accepted, so a replayed delivery is refused. */
  INTERACTION_IDS: DurableObjectNamespace<InteractionIds>;
  /** Shared with the gateway runner; signs /ingest. A secret: never in wrangler.toml. */
  INGEST_SECRET?: string;
  /** How long a REST read may be served from the edge cache, in seconds. */
  CACHE_TTL_SECONDS?: string;
  /**
   * The deployment's public origin (its custom domain, https://porchlight.example.com). Edge-cache
   * keys live under it whatever Host a request came with; unset, under a fixed internal origin.
   */
  PUBLIC_ORIGIN?: string;
  DISCORD_CDN_BASE?: string;
  /**
   * Card images the gateway runner fetched and stored (PUT /ingest/images/:key), which cards read
   * before the CDN. Absent, cards fetch every image from the CDN.
   */
  CARD_IMAGES?: R2Bucket;
  /**
   * The queue POST /ingest/events puts the runner's forwarded gateway events on (FORWARD_EVENTS with
   * the queue sink). A queue producer is a Worker binding, so the runner sends through the Worker and
   * holds no Cloudflare API token; the deployment's own Worker consumes it. Absent, that route
   * answers 503, which the runner retries.
   */
  GATEWAY_EVENTS?: Queue<ForwardedEvent>;
  SPOTIFY_CDN_BASE?: string;
  MEDIA_PROXY_BASE?: string;
  /** How many hub objects /socket connections are spread over. */
  SOCKET_HUBS?: string;
  /** Sockets per hub that may subscribe to All at once (default 5, MAX_ALL_SUBSCRIBERS_PER_HUB); 0 turns All off. */
  SOCKET_ALL_PER_HUB?: string;
  /** Distinct user ids one socket may subscribe to. */
  SOCKET_MAX_IDS?: string;
  /**
   * The Discord application's public key (64 hex digits, from the developer portal): /interactions
   * refuses every request not signed with its private half. Unset, the bot is off (503).
   */
  DISCORD_PUBLIC_KEY?: string;
  /**
   * Whom the landing page (GET / in a browser) opens on: a Discord user id, or "none" for an empty
   * field. Unset, the first monitored user, so a fresh deployment's page is live at once.
   */
  LANDING_USER_ID?: string;

  // The REST proxy (/proxy/api/v10; settings/proxy.ts reads these, README "REST proxy" lists them).
  /** One rate-limit object per bot: every limit Discord applies to that bot, shared by every isolate. */
  REST_PROXY: DurableObjectNamespace<RestProxy>;
  /** The message API's memory per bot: DM channels and idempotency keys. */
  MESSAGE_LEDGER: DurableObjectNamespace<MessageLedger>;
  /** The bot's token, a secret (the same bot as the gateway runner); unset, the proxy answers 503. */
  DISCORD_TOKEN?: string;
  /** Comma-separated SHA-256 hex digests of the keys that may use DISCORD_TOKEN's bot. */
  PROXY_KEYS?: string;
  /** More bots, a secret holding JSON: {"<name>": {"token", "keys": [sha256…], "global_per_second"?}}. */
  PROXY_BOTS?: string;
  /** Requests per second Discord allows DISCORD_TOKEN's bot (50 unless Discord raised it). */
  PROXY_GLOBAL_PER_SECOND?: string;
  /** The deadline of a call that names none (X-Porchlight-Timeout), and the most one may name. */
  PROXY_TIMEOUT_MS?: string;
  PROXY_MAX_TIMEOUT_MS?: string;
  /** Opt-in GET caching, JSON: {"GET /users/:id": 60}. Off unless set. */
  PROXY_CACHE_TTLS?: string;
  /** Answers with 401, 403 or non-shared 429 per 10 minutes past which the proxy refuses (9,000). */
  PROXY_INVALID_BUDGET?: string;
  /** Comma-separated SHA-256 hex digests of the keys that may read /proxy/metrics and unlock bots. */
  PROXY_ADMIN_KEYS?: string;
  /** "true": GET /users/:id of a monitored user is answered from their presence object (gateway data). */
  PROXY_GATEWAY_USERS?: string;
  /** Discord's REST base without the version (https://discord.com/api); the emulator's locally. */
  DISCORD_API_BASE?: string;

  // The gateway runner's container (workers/runner-container.ts; its settings: settings/gateway-runner.ts).
  /** Its one instance; absent where the runner runs on another host (no [[containers]] block). */
  GATEWAY_RUNNER?: DurableObjectNamespace<GatewayRunner>;
  /** The guilds the runner watches, comma-separated; unset, the cron trigger starts no container. */
  RUNNER_MONITORED_GUILD_IDS?: string;
  /** Where the runner posts; unset, PUBLIC_ORIGIN's /ingest. The Worker's own URL, not a proxy's. */
  RUNNER_INGEST_URL?: string;
}

export const DEFAULT_SOCKET_HUBS = 8;
export const MAX_SOCKET_HUBS = 256;

export const DEFAULT_CACHE_TTL_SECONDS = 5;
/** The Worker refuses to start ingest with a weaker secret than this. */
export const MIN_INGEST_SECRET_LENGTH = 32;

export function cacheTtlSeconds(env: Env): number {
  const ttl = Number(env.CACHE_TTL_SECONDS ?? DEFAULT_CACHE_TTL_SECONDS);
  return Number.isInteger(ttl) && ttl >= 0 && ttl <= 3600 ? ttl : DEFAULT_CACHE_TTL_SECONDS;
}

/** Cache keys without a PUBLIC_ORIGIN: any fixed origin will do, since keys are never fetched. */
export const DEFAULT_CACHE_ORIGIN = "https://porchlight.internal";

/**
 * The one origin every cache key is made under. Keyed by each request's own origin, a change
 * purged under the writer's Host left the old payload cached under every other Host a reader
 * used (localhost and 127.0.0.1, a custom domain and workers.dev) for the whole TTL.
 */
export function cacheOrigin(env: Env): string {
  return publicOrigin(env) ?? DEFAULT_CACHE_ORIGIN;
}

/** PUBLIC_ORIGIN as an origin, or null when unset; throws naming the setting when it is not http(s). */
export function publicOrigin(env: Env): string | null {
  const value = env.PUBLIC_ORIGIN;
  if (value === undefined || value === "") return null;
  // "foo:bar" parses as a URL whose origin is "null": only http(s) makes a usable cache key or link.
  const url = URL.canParse(value) ? new URL(value) : null;
  if (!url || (url.protocol !== "https:" && url.protocol !== "http:")) {
    throw new RangeError(
      `PUBLIC_ORIGIN must be an http(s) URL such as https://porchlight.example.com, not ${value}`,
    );
  }
  return url.origin;
}

export function shapingOptions(env: Env): ShapingOptions {
  return {
    cdnBase: env.DISCORD_CDN_BASE ?? DEFAULT_SHAPING_OPTIONS.cdnBase,
    spotifyCdnBase: env.SPOTIFY_CDN_BASE ?? DEFAULT_SHAPING_OPTIONS.spotifyCdnBase,
    mediaProxyBase: env.MEDIA_PROXY_BASE ?? DEFAULT_SHAPING_OPTIONS.mediaProxyBase,
  };
}

/** Hub count: a positive integer up to MAX_SOCKET_HUBS; anything else is a deployment error. */
export function socketHubCount(env: Env): number {
  const value = env.SOCKET_HUBS;
  if (value === undefined || value === "") return DEFAULT_SOCKET_HUBS;
  const hubs = Number(value);
  if (!Number.isInteger(hubs) || hubs < 1 || hubs > MAX_SOCKET_HUBS) {
    throw new RangeError(`SOCKET_HUBS must be an integer from 1 to ${MAX_SOCKET_HUBS}, not ${value}`);
  }
  return hubs;
}

/** The socket protocol's settings with this deployment's overrides; throws naming a bad one. */
export function socketConfigOf(env: Env): SocketConfig {
  const maxIdsPerSocket = optionalInteger(env.SOCKET_MAX_IDS);
  return socketConfig({
    maxAllSubscribersPerHub: optionalInteger(env.SOCKET_ALL_PER_HUB),
    maxIdsPerSocket,
    // A larger id cap needs room for the INIT that lists them all.
    maxFrameBytes:
      maxIdsPerSocket === undefined ? undefined : Math.max(MAX_FRAME_BYTES, fullInitBytes(maxIdsPerSocket)),
  });
}

/** LANDING_USER_ID read: an id, "none", or, unset, the first monitored user. */
export type LandingUser = { id: string } | "none" | "first-monitored";

/** Whom the landing page opens on; throws naming the setting when it is neither an id nor "none". */
export function landingUser(env: Env): LandingUser {
  const value = env.LANDING_USER_ID;
  if (value === undefined || value === "") return "first-monitored";
  if (value === "none") return "none";
  if (!Snowflake.safeParse(value).success) {
    throw new RangeError(
      `LANDING_USER_ID must be a Discord user id (17 to 20 digits) or "none", not ${value}`,
    );
  }
  return { id: value };
}

function optionalInteger(value: string | undefined): number | undefined {
  return value === undefined || value === "" ? undefined : Number(value);
}
