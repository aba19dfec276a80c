import { type Context, Hono } from "hono";
import { matchedRoutes } from "hono/route";
import { requestTokenKey, requireBot } from "./auth.ts";
import { type AnsweredSpan, RequestCounters, type TokenCounters } from "./counters.ts";
import { discordErrorFor, RestErrors } from "./errors.ts";
import { RestFaults } from "./faults.ts";
import {
  botTokenSwitch,
  cloudflareBan,
  countRequests,
  discordVia,
  forbiddenFault,
  globalRateLimit,
  routeRateLimit,
  sharedFault,
  snowflakeParams,
  type WindowOwner,
} from "./middleware.ts";
import { FixedWindowLimiter } from "./rate-limit.ts";
import { applicationRoutes } from "./routes/applications.ts";
import { channelRoutes } from "./routes/channels.ts";
import { commandRoutes } from "./routes/commands.ts";
import { gatewayRoutes } from "./routes/gateway.ts";
import { guildRoutes } from "./routes/guilds.ts";
import { interactionRoutes } from "./routes/interactions.ts";
import { reactionRoutes } from "./routes/reactions.ts";
import { userRoutes } from "./routes/users.ts";
import {
  CURRENT_USER,
  type DefineRoute,
  ORIGINAL_MESSAGE,
  type RegisteredRoute,
  type RequestInfo,
  type RestDeps,
  type RestEnv,
  type RouteKind,
  WEBHOOKS,
} from "./routing.ts";

export type { TokenCounters } from "./counters.ts";
export type { FaultListing } from "./faults.ts";
export type { RestDeps } from "./routing.ts";

/**
 * The emulated REST API (/api/v10): the routes Porchlight and discord.js use, with Discord's
 * error bodies and its rate limiting: a global limit per token, then per-route buckets keyed by
 * bucket and major parameter, with the headers @discordjs/rest reads. Every response is counted
 * per token and per route, so tests can see how many 429s a client caused, and faults (shared
 * 429s, 403s, a Cloudflare ban) can be switched on. Routes, buckets, counters and faults are
 * documented in emulator/README.md.
 */

export interface Rest {
  /** Mounted at /api/v10. */
  app: Hono<RestEnv>;
  /** Keyed by the token's bot user id, "unauthenticated", or "webhooks" (webhook routes). */
  counters(): Record<string, TokenCounters>;
  /** Forgets every rate-limit window (global and per route), as if no request had been made. */
  resetRateLimits(): void;
  /** resetRateLimits() and zeroes the counters; faults stay. */
  reset(): void;
  /** When a key's first and latest requests since the last reset() were answered (on one path, if given): how long Discord heard a burst. */
  answeredBetween(tokenKey: string, path?: string): AnsweredSpan | null;
  faults: RestFaults;
  /** Every bot and webhook route, as registered. */
  routes(): RegisteredRoute[];
}

export function createRest(deps: RestDeps): Rest {
  const { world, config } = deps;
  const now = deps.now ?? Date.now;
  const counters = new RequestCounters();
  const faults = new RestFaults(now);
  const globalLimiter = new FixedWindowLimiter(now);
  const routeLimiter = new FixedWindowLimiter(now);
  const registered = new Map<string, RegisteredRoute>();
  const kinds = new Map<string, RouteKind>();

  const classify = (c: Context): RequestInfo => {
    const tokenKey = requestTokenKey(world, c);
    let route: RegisteredRoute | undefined;
    let kind: RouteKind | undefined;
    for (const matched of matchedRoutes(c)) {
      const template = templateOf(matched);
      kind = kinds.get(template);
      if (!kind) continue;
      // The first route that matches is the one that answers (a 405 catch-all matches none).
      route = registered.get(`${matched.method} ${template}`);
      break;
    }
    return {
      route,
      kind,
      tokenKey,
      countAs: kind === "webhook" ? WEBHOOKS : tokenKey,
      cloudflareBanned: false,
    };
  };

  const app = new Hono<RestEnv>();
  app.onError((error, c) => {
    const known = discordErrorFor(error);
    if (known) return c.json(known.body, known.status as 400);
    console.error(error);
    return c.json({ message: "500: Internal Server Error", code: 0 }, 500);
  });
  app.notFound((c) => c.json(RestErrors.notFound().body, 404));
  app.use("*", countRequests(counters, classify));
  app.use("*", cloudflareBan(faults));
  app.use("*", discordVia);
  app.use("*", botTokenSwitch(world));
  // Read per request: restGlobalPerSecond may be changed on a running emulator.
  app.use(
    "*",
    globalRateLimit(globalLimiter, () => config.restGlobalPerSecond),
  );

  const register = (
    kind: RouteKind,
    method: RegisteredRoute["method"],
    template: string,
    bucket: RegisteredRoute["bucket"],
  ) => {
    const key = `${method} ${template}`;
    registered.set(key, { method, template, key, kind, bucket });
    kinds.set(template, kind);
  };
  const byToken: WindowOwner = (c) => c.get("request").tokenKey;
  // A webhook's limits belong to the webhook, whoever calls it.
  const byWebhook: WindowOwner = () => WEBHOOKS;

  const route: DefineRoute = (method, path, bucket, handler) => {
    register("bot", method, path, bucket);
    app.on(
      method,
      path,
      requireBot(world),
      sharedFault(faults, routeLimiter, bucket, byToken),
      routeRateLimit(routeLimiter, bucket, byToken),
      forbiddenFault(faults),
      snowflakeParams({ user_id: CURRENT_USER }),
      handler,
    );
  };
  const webhookRoute: DefineRoute = (method, path, bucket, handler) => {
    register("webhook", method, path, bucket);
    app.on(
      method,
      path,
      sharedFault(faults, routeLimiter, bucket, byWebhook),
      routeRateLimit(routeLimiter, bucket, byWebhook),
      snowflakeParams({ message_id: ORIGINAL_MESSAGE }),
      handler,
    );
  };
  gatewayRoutes(app, route, deps);
  userRoutes(route, deps);
  channelRoutes(route, deps);
  reactionRoutes(route, deps);
  guildRoutes(route, deps);
  applicationRoutes(route, deps);
  commandRoutes(route, deps);
  interactionRoutes(webhookRoute, deps);
  rejectOtherMethods(app);

  const resetRateLimits = () => {
    globalLimiter.clear();
    routeLimiter.clear();
  };
  return {
    app,
    counters: () => counters.snapshot(),
    answeredBetween: (tokenKey, path) => counters.answeredBetween(tokenKey, path),
    resetRateLimits,
    reset() {
      resetRateLimits();
      counters.clear();
    },
    faults,
    routes: () => [...registered.values()],
  };
}

/** A matched route's path as its sub-app registered it, whatever app it is mounted in. */
function templateOf(route: { path: string; basePath: string }): string {
  return route.basePath === "/" ? route.path : route.path.slice(route.basePath.length);
}

/** A known path with another method is 405, as on Discord, rather than 404. */
function rejectOtherMethods(app: Hono<RestEnv>): void {
  const paths = new Set(app.routes.filter((r) => r.method !== "ALL").map((r) => r.path));
  for (const path of paths) {
    app.all(path, () => {
      throw RestErrors.methodNotAllowed();
    });
  }
}
