import type { Context, MiddlewareHandler } from "hono";
import type { World } from "../world.ts";
import { RestErrors } from "./errors.ts";

/** The key for requests that carry no valid bot token; Discord limits those per IP. */
export const UNAUTHENTICATED = "unauthenticated";

/**
 * Whose request this is: the bot's user id when `Authorization: Bot <token>` carries the
 * application's token, else "unauthenticated". Counters and rate limits are kept per this key.
 */
export function tokenKey(world: World, authorization: string | undefined): string {
  const app = world.application;
  return authorization === `Bot ${app.botToken}` ? app.bot.id : UNAUTHENTICATED;
}

export function requestTokenKey(world: World, c: Context): string {
  return tokenKey(world, c.req.header("authorization"));
}

/** 401 unless the request carries the bot's token. */
export function requireBot(world: World): MiddlewareHandler {
  return async function requireBot(c, next) {
    if (requestTokenKey(world, c) === UNAUTHENTICATED) throw RestErrors.unauthorized();
    await next();
  };
}
