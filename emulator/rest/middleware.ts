import type { Context, MiddlewareHandler } from "hono";
import { bucketKey, globalRule, type RouteBucket } from "./buckets.ts";
import type { RequestCounters } from "./counters.ts";
import { FormErrors, snowflakeField } from "./form.ts";
import type { FixedWindowLimiter } from "./rate-limit.ts";
import {
  bucketHeaders,
  globalLimited,
  type RateLimitedResponse,
  routeLimited,
} from "./rate-limit-headers.ts";
import { CURRENT_USER } from "./routing.ts";

/** Which token a request counts against; see auth.ts. */
export type TokenKeyOf = (c: Context) => string;

function tooManyRequests(c: Context, limited: RateLimitedResponse): Response {
  return c.json(limited.body, 429, limited.headers);
}

/** Outermost: counts every response, whoever produced it, under the request's token. */
export function countRequests(counters: RequestCounters, keyOf: TokenKeyOf): MiddlewareHandler {
  return async function countRequests(c, next) {
    await next();
    counters.record(keyOf(c), c.res.status, c.res.headers.get("X-RateLimit-Scope"));
  };
}

/** config.restGlobalPerSecond per token, before any route is looked at. */
export function globalRateLimit(
  limiter: FixedWindowLimiter,
  perSecond: () => number,
  keyOf: TokenKeyOf,
): MiddlewareHandler {
  return async function globalRateLimit(c, next) {
    const decision = limiter.take(keyOf(c), globalRule(perSecond()));
    if (!decision.allowed) return tooManyRequests(c, globalLimited(decision));
    await next();
  };
}

/** The route's bucket, per token and major parameter; its headers go on every response it admits. */
export function routeRateLimit(
  limiter: FixedWindowLimiter,
  route: RouteBucket,
  keyOf: TokenKeyOf,
): MiddlewareHandler {
  return async function routeRateLimit(c, next) {
    const major = route.major ? c.req.param(route.major) : undefined;
    const decision = limiter.take(bucketKey(keyOf(c), route, major), route);
    if (!decision.allowed) return tooManyRequests(c, routeLimited(decision, route.hash));
    await next();
    for (const [name, value] of Object.entries(bucketHeaders(decision, route.hash))) {
      c.res.headers.set(name, value);
    }
  };
}

/**
 * Every `*_id` path parameter must be a snowflake (or "@me" for a user); Discord answers 50035
 * naming the parameter.
 */
export const snowflakeParams: MiddlewareHandler = async function snowflakeParams(c, next) {
  const errors = new FormErrors();
  for (const [name, value] of Object.entries(c.req.param() as Record<string, string>)) {
    if (name === "user_id" && value === CURRENT_USER) continue;
    if (name.endsWith("_id")) snowflakeField(errors, [name], value);
  }
  errors.throwIfAny();
  await next();
};
