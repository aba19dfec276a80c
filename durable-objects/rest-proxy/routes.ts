import type { RateLimitedRoute, RouteKind } from "../../schemas/proxy.ts";
import { sha256Hex } from "../../settings/secrets.ts";

/**
 * What a Discord route is to the rate limiter. The bucket route and major parameter follow
 * @discordjs/rest's `generateRouteData` rule for rule (ids replaced by `:id`, every reaction route
 * one template, deletes of messages older than 14 days apart), so the proxy keys its state as the
 * library its callers run does. That method is private in @discordjs/rest's types, hence this copy,
 * which also takes 20-digit snowflakes (its pattern stops at 19). A token in the path (interaction
 * callbacks, webhooks) is hashed before it leaves the Worker: the object keeps buckets per webhook
 * token, but never the token itself.
 */

const SNOWFLAKE = /\d{17,20}/g;
const MAJOR = /^\/webhooks\/(\d{17,20}\/[^/?]+)|^\/(?:channels|guilds|webhooks)\/(\d{17,20})/;
/** Discord's bulk-delete cut-off, which also gives old messages a delete bucket of their own. */
const OLD_MESSAGE_MS = 14 * 24 * 60 * 60_000;
const DISCORD_EPOCH = 1_420_070_400_000n;

const INTERACTION_CALLBACK = /^\/interactions\/\d+\/[^/]+\/callback$/;
const TOKEN_WEBHOOK = /^\/webhooks\/\d+\/[^/]+/;

/** `path` is the route below /api/v10, e.g. `/channels/123/messages`; `userToken` when a caller sends an OAuth Bearer. */
export async function rateLimitedRoute(
  method: string,
  path: string,
  userToken: boolean,
  now = Date.now(),
): Promise<RateLimitedRoute> {
  const kind = routeKind(path, userToken);
  const data = routeData(path, method, now);
  let major = data.major;
  if (kind === "webhook" && major.includes("/")) {
    const [id, token] = major.split("/") as [string, string];
    major = `${id}/${(await sha256Hex(token)).slice(0, 16)}`;
  }
  // An interaction's bucket is its own (discord.js gives them all the "burst" major): keyed by the id.
  if (kind === "interaction") major = path.split("/")[2]!;
  return { method, bucketRoute: data.bucketRoute, major, kind };
}

/** @discordjs/rest's bucket route and major parameter for a path. */
export function routeData(path: string, method: string, now: number): { bucketRoute: string; major: string } {
  const match = MAJOR.exec(path);
  const major = match?.[2] ?? match?.[1] ?? "global";
  let bucketRoute = path
    .replaceAll(SNOWFLAKE, ":id")
    .replace(/\/reactions\/(.*)/, "/reactions/:reaction")
    .replace(/\/webhooks\/:id\/[^/?]+/, "/webhooks/:id/:token");
  if (method === "DELETE" && bucketRoute === "/channels/:id/messages/:id") {
    const id = /\d{17,20}$/.exec(path)![0];
    if (now - Number((BigInt(id) >> 22n) + DISCORD_EPOCH) > OLD_MESSAGE_MS)
      bucketRoute += "/Delete Old Message";
  }
  return { bucketRoute, major };
}

export function routeKind(path: string, userToken: boolean): RouteKind {
  if (INTERACTION_CALLBACK.test(path)) return "interaction";
  if (TOKEN_WEBHOOK.test(path)) return "webhook";
  return userToken ? "user" : "bot";
}

/** Routes that carry their own token: forwarded without the bot's, never counted against its global limit. */
export function carriesOwnToken(kind: RouteKind): boolean {
  return kind !== "bot";
}

/**
 * The key the limiter learns a route's bucket under. Discord.js keys it by method and route, but
 * every reaction route shares one bucket whatever the method (discord-api-docs #981): keyed apart,
 * a PUT and a DELETE sent together before either was learned would both go, and one would be a 429.
 */
export function bucketRouteKey(route: Pick<RateLimitedRoute, "method" | "bucketRoute">): string {
  return route.bucketRoute.includes("/reactions/")
    ? `* ${route.bucketRoute}`
    : `${route.method} ${route.bucketRoute}`;
}

/** "GET /users/:id": how metrics and cache settings name a route. */
export function routeTemplate(route: Pick<RateLimitedRoute, "method" | "bucketRoute">): string {
  return `${route.method} ${route.bucketRoute}`;
}
