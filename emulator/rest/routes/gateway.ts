import type { Hono } from "hono";
import { BUCKETS } from "../buckets.ts";
import type { DefineRoute, RestDeps, RestEnv } from "../routing.ts";

/** A full day's identify budget: what session_start_limit says before the gateway reports its own. */
const DAY_MS = 86_400_000;

export function gatewayRoutes(app: Hono<RestEnv>, route: DefineRoute, deps: RestDeps): void {
  const { config, urls } = deps;
  const sessionStartLimit =
    deps.sessionStartLimit ??
    (() => ({
      total: config.sessionStartLimit,
      remaining: config.sessionStartLimit,
      reset_after: DAY_MS,
      max_concurrency: config.maxConcurrency,
    }));

  // GET /gateway needs no token and has no bucket: only the global limit applies.
  app.get("/gateway", (c) => c.json({ url: urls.gateway }));

  route("GET", "/gateway/bot", BUCKETS.gatewayBot, (c) =>
    c.json({
      url: urls.gateway,
      shards: config.recommendedShards,
      session_start_limit: sessionStartLimit(),
    }),
  );
}
