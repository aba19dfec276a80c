import type { Context, MiddlewareHandler } from "hono";
import type { World } from "../world.ts";
import { bucketKey, globalRule, majorValue, type RouteBucket } from "./buckets.ts";
import type { RequestCounters } from "./counters.ts";
import { RestErrors } from "./errors.ts";
import type { RestFaults } from "./faults.ts";
import { FormErrors, snowflakeField } from "./form.ts";
import type { FixedWindowLimiter } from "./rate-limit.ts";
import {
  bucketHeaders,
  globalLimited,
  type RateLimitedResponse,
  routeLimited,
  sharedLimited,
} from "./rate-limit-headers.ts";
import type { RequestInfo, RestEnv } from "./routing.ts";

/**
 * The REST pipeline's steps, outermost first: count, Cloudflare ban, Via, token switch, global
 * limit (all in "*"); then per route: bot token, shared fault, bucket, forbidden fault, snowflake
 * parameters, handler. index.ts puts them together.
 */

type Step = MiddlewareHandler<RestEnv>;

function tooManyRequests(c: Context, limited: RateLimitedResponse): Response {
  return c.json(limited.body, 429, limited.headers);
}

/**
 * Outermost: learns who the request is from and which route it is for (`classify`), then counts
 * the response, whoever produced it, under the request's key.
 */
export function countRequests(counters: RequestCounters, classify: (c: Context) => RequestInfo): Step {
  return async function countRequests(c, next) {
    const info = classify(c);
    c.set("request", info);
    await next();
    counters.record(info.countAs, {
      status: c.res.status,
      scope: c.res.headers.get("X-RateLimit-Scope"),
      route: info.route?.key,
      path: c.req.path,
      cloudflareBanned: info.cloudflareBanned,
    });
  };
}

/**
 * While a Cloudflare ban is on, every request gets Cloudflare's answer instead of Discord's: a
 * plain-text 1015 with only Retry-After, no rate-limit headers and no Via (discord-api-docs #5810),
 * which is how clients tell a ban from a rate limit.
 */
export function cloudflareBan(faults: RestFaults): Step {
  return async function cloudflareBan(c, next) {
    const remainingMs = faults.cloudflareBanRemainingMs();
    if (remainingMs === undefined) return next();
    c.get("request").cloudflareBanned = true;
    return c.text("error code: 1015", 429, { "Retry-After": String(Math.ceil(remainingMs / 1000)) });
  };
}

/** Discord's API answers through Google's load balancers, and every answer says so. */
export const discordVia: Step = async function discordVia(c, next) {
  await next();
  c.res.headers.set("Via", "1.1 google");
};

/**
 * While the application's token is switched off (a reset token), every request carrying it is a
 * 401, counted under the bot's key even on webhook routes: it is the bot's invalid request.
 */
export function botTokenSwitch(world: World): Step {
  return async function botTokenSwitch(c, next) {
    const app = world.application;
    if (app.botTokenValid || c.req.header("authorization") !== `Bot ${app.botToken}`) return next();
    c.get("request").countAs = app.bot.id;
    return c.json(RestErrors.unauthorized().body, 401);
  };
}

/**
 * perSecond() requests per token, before any route is looked at. Webhook routes called without
 * an Authorization header are exempt, as Discord exempts interaction callbacks and follow-ups; with
 * the bot's token they count toward the bot's window (discord-api-docs #4142).
 */
export function globalRateLimit(limiter: FixedWindowLimiter, perSecond: () => number): Step {
  return async function globalRateLimit(c, next) {
    const info = c.get("request");
    if (info.kind === "webhook" && c.req.header("authorization") === undefined) return next();
    const decision = limiter.take(info.tokenKey, globalRule(perSecond()));
    if (!decision.allowed) return tooManyRequests(c, globalLimited(decision));
    await next();
  };
}

/** Whose windows a bucket is kept under: the caller's token, or the resource's alone (webhooks). */
export type WindowOwner = (c: Context<RestEnv>) => string;

function windowKey(c: Context<RestEnv>, bucket: RouteBucket, owner: WindowOwner): string {
  return bucketKey(
    owner(c),
    bucket,
    majorValue(bucket, (name) => c.req.param(name)),
  );
}

/**
 * A shared-scope fault on this route (and resource): Discord's shared 429, with the bucket's
 * headers as they stand. The request takes nothing from the bucket, so Remaining may be above 0.
 */
export function sharedFault(
  faults: RestFaults,
  limiter: FixedWindowLimiter,
  bucket: RouteBucket,
  owner: WindowOwner,
): Step {
  return async function sharedFault(c, next) {
    const route = c.get("request").route;
    const major = majorValue(bucket, (name) => c.req.param(name));
    const remainingMs = route ? faults.sharedRemainingMs(route.key, major) : undefined;
    if (remainingMs === undefined) return next();
    const decision = limiter.peek(windowKey(c, bucket, owner), bucket);
    return tooManyRequests(c, sharedLimited(decision, bucket.hash, remainingMs));
  };
}

/** The route's bucket, per owner and major parameter; its headers go on every response it admits. */
export function routeRateLimit(limiter: FixedWindowLimiter, bucket: RouteBucket, owner: WindowOwner): Step {
  return async function routeRateLimit(c, next) {
    const decision = limiter.take(windowKey(c, bucket, owner), bucket);
    if (!decision.allowed) return tooManyRequests(c, routeLimited(decision, bucket.hash));
    await next();
    for (const [name, value] of Object.entries(bucketHeaders(decision, bucket.hash))) {
      c.res.headers.set(name, value);
    }
  };
}

/** A forbidden-channel fault: the bot has lost access to the channel, so Discord answers 403 50013. */
export function forbiddenFault(faults: RestFaults): Step {
  return async function forbiddenFault(c, next) {
    if (faults.isForbidden(c.req.param("channel_id"))) throw RestErrors.missingPermissions();
    await next();
  };
}

/**
 * Every `*_id` path parameter must be a snowflake, except the literal values a route allows
 * ("@me" for a user, "@original" for an interaction's message); Discord answers 50035 naming
 * the parameter.
 */
export function snowflakeParams(literals: Readonly<Record<string, string>>): Step {
  return async function snowflakeParams(c, next) {
    const errors = new FormErrors();
    for (const [name, value] of Object.entries(c.req.param() as Record<string, string>)) {
      if (literals[name] === value) continue;
      if (name.endsWith("_id")) snowflakeField(errors, [name], value);
    }
    errors.throwIfAny();
    await next();
  };
}
