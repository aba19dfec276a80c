import { type Context, Hono } from "hono";
import { requestTokenKey, requireBot } from "./auth.ts";
import { RequestCounters, type TokenCounters } from "./counters.ts";
import { discordErrorFor, RestErrors } from "./errors.ts";
import { countRequests, globalRateLimit, routeRateLimit, snowflakeParams } from "./middleware.ts";
import { FixedWindowLimiter } from "./rate-limit.ts";
import { applicationRoutes } from "./routes/applications.ts";
import { channelRoutes } from "./routes/channels.ts";
import { commandRoutes } from "./routes/commands.ts";
import { gatewayRoutes } from "./routes/gateway.ts";
import { guildRoutes } from "./routes/guilds.ts";
import { userRoutes } from "./routes/users.ts";
import type { DefineRoute, RestDeps } from "./routing.ts";

export type { TokenCounters } from "./counters.ts";
export type { RestDeps } from "./routing.ts";

/**
 * The emulated REST API (/api/v10): the routes Porchlight and discord.js use, with Discord's
 * error bodies and its rate limiting: a global limit per token, then per-route buckets keyed by
 * bucket and major parameter, with the headers @discordjs/rest reads. Every response is counted
 * per token, so tests can see how many 429s a client caused. Routes, buckets and counters are
 * documented in emulator/README.md.
 */

export interface Rest {
  /** Mounted at /api/v10. */
  app: Hono;
  /** Keyed by the token's bot user id, or "unauthenticated". */
  counters(): Record<string, TokenCounters>;
  /** Forgets every rate-limit window (global and per route), as if no request had been made. */
  resetRateLimits(): void;
}

export function createRest(deps: RestDeps): Rest {
  const { world, config } = deps;
  const now = deps.now ?? Date.now;
  const counters = new RequestCounters();
  const globalLimiter = new FixedWindowLimiter(now);
  const routeLimiter = new FixedWindowLimiter(now);
  const keyOf = (c: Context) => requestTokenKey(world, c);

  const app = new Hono();
  app.onError((error, c) => {
    const known = discordErrorFor(error);
    if (known) return c.json(known.body, known.status as 400);
    console.error(error);
    return c.json({ message: "500: Internal Server Error", code: 0 }, 500);
  });
  app.notFound((c) => c.json(RestErrors.notFound().body, 404));
  app.use("*", countRequests(counters, keyOf));
  // Read per request: restGlobalPerSecond may be changed on a running emulator.
  app.use(
    "*",
    globalRateLimit(globalLimiter, () => config.restGlobalPerSecond, keyOf),
  );

  const route: DefineRoute = (method, path, bucket, handler) => {
    app.on(
      method,
      path,
      requireBot(world),
      routeRateLimit(routeLimiter, bucket, keyOf),
      snowflakeParams,
      handler,
    );
  };
  gatewayRoutes(app, route, deps);
  userRoutes(route, deps);
  channelRoutes(route, deps);
  guildRoutes(route, deps);
  applicationRoutes(route, deps);
  commandRoutes(route, deps);
  rejectOtherMethods(app);

  return {
    app,
    counters: () => counters.snapshot(),
    resetRateLimits() {
      globalLimiter.clear();
      routeLimiter.clear();
    },
  };
}

/** A known path with another method is 405, as on Discord, rather than 404. */
function rejectOtherMethods(app: Hono): void {
  const paths = new Set(app.routes.filter((r) => r.method !== "ALL").map((r) => r.path));
  for (const path of paths) {
    app.all(path, () => {
      throw RestErrors.methodNotAllowed();
    });
  }
}
