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

export type RouteMethod = "GET" | "POST" | "PUT";

/**
 * Registers a bot route: token check (401), then the route's bucket (429), then snowflake path
 * parameters (50035), then the handler.
 */
export type DefineRoute = (method: RouteMethod, path: string, bucket: RouteBucket, handler: Handler) => void;

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

/** The `user_id` path parameter, with "@me" read as the bot's id. */
export function userIdParam(world: World, c: Context): string {
  const id = c.req.param("user_id")!;
  return id === CURRENT_USER ? world.application.bot.id : id;
}
