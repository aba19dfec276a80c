import type { APIGatewaySessionStartLimit } from "discord-api-types/v10";
import type { Context, Handler } from "hono";
import type { EmulatorConfig, EmulatorUrls } from "../config.ts";
import type { World } from "../world.ts";
import type { RouteBucket } from "./buckets.ts";
import { RestErrors } from "./errors.ts";

/** What the REST routes are built from. */
export interface RestDeps {
  world: World;
  config: EmulatorConfig;
  urls: EmulatorUrls;
  /** GET /gateway/bot's session_start_limit, from the gateway; a fresh 24 h budget when absent. */
  sessionStartLimit?: () => APIGatewaySessionStartLimit;
  /** Clock of the rate-limit windows. */
  now?: () => number;
}

export type RouteMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/**
 * Registers a bot route: token check (401), then any shared-scope fault (429), then the route's
 * bucket (429), then any forbidden fault (403), then snowflake path parameters (50035), then the
 * handler.
 */
export type DefineRoute = (method: RouteMethod, path: string, bucket: RouteBucket, handler: Handler) => void;

/**
 * Who may call a route: bot routes need the bot token; webhook routes (interaction callbacks and
 * follow-ups) carry their token in the path and need none.
 */
export type RouteKind = "bot" | "webhook";

export interface RegisteredRoute {
  method: RouteMethod;
  /** As registered, e.g. "/channels/:channel_id/messages". */
  template: string;
  /** "<METHOD> <template>": how faults and counters name the route. */
  key: string;
  kind: RouteKind;
  bucket: RouteBucket;
}

/** The key for the counters of webhook routes, apart from the bot's and from "unauthenticated". */
export const WEBHOOKS = "webhooks";

/** What the pipeline learns about a request once, before anything answers it. */
export interface RequestInfo {
  /** The registered route it matched, if any (a 405 or 404 matches none). */
  route: RegisteredRoute | undefined;
  /** The kind of route its path belongs to, whatever the method. */
  kind: RouteKind | undefined;
  /** Whose rate-limit windows it uses: the bot's user id, or "unauthenticated". */
  tokenKey: string;
  /** Whose counters it goes to: tokenKey, or "webhooks" on webhook routes. */
  countAs: string;
  /** Answered by the Cloudflare ban. */
  cloudflareBanned: boolean;
}

/** The Hono environment of the REST app: every request carries its RequestInfo. */
export interface RestEnv {
  Variables: { request: RequestInfo };
}

/** The body as JSON: undefined when empty, 50109 when it does not parse. */
export async function readJson(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw RestErrors.invalidJson();
  }
}

/**
 * Discord accepts "@me" for the current user's id. Routes take it as a `user_id` parameter rather
 * than a literal path, because clients also send it percent-encoded ("/users/%40me"), which a
 * literal "/users/@me" route would not match.
 */
export const CURRENT_USER = "@me";

/** The message id webhook routes accept for an interaction's original response. */
export const ORIGINAL_MESSAGE = "@original";

/** The `user_id` path parameter, with "@me" read as the bot's id. */
export function userIdParam(world: World, c: Context): string {
  const id = c.req.param("user_id")!;
  return id === CURRENT_USER ? world.application.bot.id : id;
}
