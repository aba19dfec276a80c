import { learn } from "../../durable-objects/rest-proxy/answers.ts";
import { proxyObject } from "../../durable-objects/rest-proxy/index.ts";
import { carriesOwnToken, rateLimitedRoute } from "../../durable-objects/rest-proxy/routes.ts";
import type { RateLimitedRoute } from "../../schemas/proxy.ts";
import type { Env } from "../../settings/env.ts";
import { discordApiBase, type ProxyBot } from "../../settings/proxy.ts";
import { proxyError, refused } from "./answers.ts";
import { proxyCacheFor } from "./cache.ts";
import { gatewayUser } from "./gateway-users.ts";
import { countFor } from "./isolate-counts.ts";
import type { Caller } from "./keys.ts";
import { type ProxyCall, upstreamUrl } from "./request.ts";
import { callDiscord } from "./upstream.ts";

/**
 * One proxied call: ask the bot's object for a permit, call Discord, tell the object what Discord
 * said. A Discord 429 (only possible when something outside the proxy uses the same token, or a
 * shared resource is busy) is waited out and retried while the deadline allows, in queue mode; a
 * 429 means Discord did not act on the request, so sending it again cannot do anything twice.
 */

/** Discord 429s one call will wait out before handing Discord's own 429 to the caller. */
const MAX_UPSTREAM_429_RETRIES = 3;

export async function forward(
  env: Env,
  ctx: { waitUntil(promise: Promise<unknown>): void },
  caller: Caller,
  call: ProxyCall,
  body: Uint8Array | null,
  contentType: string | null,
): Promise<Response> {
  const url = upstreamUrl(discordApiBase(env), call.route, call.search);
  if (!url) return proxyError("invalid_path", "The path does not stay under Discord's /api/v10.");
  const route = await rateLimitedRoute(call.method, call.route, caller.userToken !== null);
  const deadline = Date.now() + call.timeoutMs;
  const fromGateway = await gatewayUser(env, route, call.route);
  if (fromGateway) {
    countFor(caller.bot.name, "cacheHit");
    return fromGateway;
  }
  const cache = proxyCacheFor(env, caller.bot.name, route, url);
  if (cache) {
    const hit = await cache.match();
    countFor(caller.bot.name, hit ? "cacheHit" : "cacheMiss");
    if (hit) return hit;
  }

  const object = proxyObject(env, caller.bot.name);
  for (let attempt = 0; ; attempt++) {
    const acquired = await object.acquire(caller.bot.name, { route, onLimit: call.onLimit, deadline });
    if (!acquired.ok) return refused(acquired.refusal);
    const result = await callDiscord(
      {
        method: call.method,
        url,
        authorization: authorizationFor(caller, caller.bot, route),
        contentType,
        auditLogReason: call.auditLogReason,
        body,
      },
      deadline - Date.now(),
    );
    const settle = (status: number) =>
      object.settle(caller.bot.name, {
        permit: acquired.permit,
        route,
        answer: result.ok ? result.answer : null,
        status,
        queuedMs: acquired.queuedMs,
      });
    if (!result.ok) {
      ctx.waitUntil(settle(result.failure === "upstream_timeout" ? 504 : 502));
      return result.failure === "upstream_timeout"
        ? proxyError(
            "upstream_timeout",
            "Discord did not answer before the deadline; the request may still take effect.",
          )
        : proxyError("upstream_failure", "Discord could not be reached.");
    }
    const learned = learn(result.answer);
    const retry =
      learned.limited !== null &&
      call.onLimit === "queue" &&
      attempt < MAX_UPSTREAM_429_RETRIES &&
      Date.now() + learned.limited.retryAfterMs < deadline;
    if (retry) {
      // Settled first, so the object holds the next attempt until Discord's wait is over.
      await settle(429);
      continue;
    }
    if (learned.cloudflareBan) {
      // Not Discord's answer but its front's: a caller's library would take it for a rate limit or worse.
      ctx.waitUntil(settle(503));
      return refused({ kind: "banned", retryAfterMs: learned.cloudflareBan.retryAfterMs });
    }
    ctx.waitUntil(settle(result.response.status));
    if (cache) return cache.store(result.response, ctx);
    return result.response;
  }
}

/** The bot's token for bot routes; the caller's own for OAuth; none where the path carries one. */
function authorizationFor(caller: Caller, bot: ProxyBot, route: RateLimitedRoute): string | null {
  if (route.kind === "user") return `Bearer ${caller.userToken}`;
  return carriesOwnToken(route.kind) ? null : `Bot ${bot.token}`;
}
