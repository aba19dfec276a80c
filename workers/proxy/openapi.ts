import type { OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import { PROXY_ERRORS, ProxyError, RateLimitedBody } from "../../schemas/proxy.ts";
import type { Env } from "../../settings/env.ts";

/**
 * The proxy's routes in /openapi.json. They are registered by hand (workers/proxy/routes.ts), not
 * through createRoute, because a proxied answer is Discord's and no schema of ours describes it;
 * what is ours (headers, errors, the Discord-shaped 429) is documented from schemas/proxy.ts.
 */

const errorTable = Object.entries(PROXY_ERRORS)
  .map(([code, { status, summary }]) => `\`${code}\` (${status}): ${summary}`)
  .join("\n- ");

const errors = (codes: Array<keyof typeof PROXY_ERRORS>) =>
  Object.fromEntries(
    [...new Set(codes.map((code) => PROXY_ERRORS[code].status))].map((status) => [
      String(status),
      {
        description: codes
          .filter((code) => PROXY_ERRORS[code].status === status)
          .map((code) => `\`${code}\`: ${PROXY_ERRORS[code].summary}`)
          .join(" "),
        content: { "application/json": { schema: ProxyError.meta({ id: "ProxyError" }) } },
      },
    ]),
  );

/** Porchlight's own request headers; every other header Discord takes passes as Discord documents it. */
const ProxyHeaders = z.object({
  "x-porchlight-on-limit": z
    .enum(["queue", "reject"])
    .optional()
    .meta({ description: "queue (default): wait in order until Discord allows; reject: a 429 at once." }),
  "x-porchlight-timeout": z.string().regex(/^\d+$/).optional().meta({
    description:
      "Deadline of the whole call in ms, waiting included (default 30000, at most PROXY_MAX_TIMEOUT_MS).",
  }),
  "x-porchlight-bot": z
    .string()
    .optional()
    .meta({ description: "The bot the caller means; a key of another bot is refused." }),
  "x-porchlight-key": z
    .string()
    .optional()
    .meta({ description: "The proxy key, when Authorization carries a user's OAuth token or nothing." }),
});

export function documentProxy(app: OpenAPIHono<{ Bindings: Env }>): void {
  for (const method of ["get", "post", "put", "patch", "delete"] as const) {
    app.openAPIRegistry.registerPath({
      method,
      path: "/proxy/api/v10/{route}",
      tags: ["REST proxy"],
      summary: `Forward a ${method.toUpperCase()} to Discord's /api/v10/{route}, within the bot's rate limits`,
      description: `Send the proxy key as \`Authorization: Bot <key>\` (what @discordjs/rest sends as its token) or in X-Porchlight-Key. Discord's answer comes back whole. The proxy's own errors:\n- ${errorTable}`,
      request: {
        params: z.object({
          route: z.string().meta({ description: "Any Discord v10 route, e.g. channels/123/messages" }),
        }),
        headers: ProxyHeaders,
      },
      responses: {
        200: { description: "Discord's answer, whatever its status, with its rate-limit headers." },
        429: {
          description:
            "A 429 made by the proxy (X-Porchlight-Generated: 1, Via: 1.1 porchlight) in reject mode, shaped as Discord's; or Discord's own.",
          content: { "application/json": { schema: RateLimitedBody.meta({ id: "RateLimited" }) } },
        },
        ...errors([
          "invalid_path",
          "invalid_query",
          "invalid_method",
          "invalid_headers",
          "invalid_body",
          "unauthorized",
          "upstream_failure",
          "upstream_timeout",
          "proxy_timeout",
          "locked",
          "invalid_request_budget",
          "banned",
          "not_configured",
        ]),
      },
    });
  }
  app.openAPIRegistry.registerPath({
    method: "get",
    path: "/proxy/metrics",
    tags: ["REST proxy"],
    summary: "Prometheus metrics of every bot the proxy serves (Authorization: Bearer <admin key>)",
    responses: { 200: { description: "Prometheus text format 0.0.4." }, ...errors(["unauthorized"]) },
  });
  app.openAPIRegistry.registerPath({
    method: "post",
    path: "/proxy/bots/{bot}/unlock",
    tags: ["REST proxy"],
    summary: "Unlock a bot locked after Discord refused its token (Authorization: Bearer <admin key>)",
    request: { params: z.object({ bot: z.string() }) },
    responses: {
      200: {
        description: "Unlocked (or was not locked).",
        content: { "application/json": { schema: z.object({ bot: z.string(), was_locked: z.boolean() }) } },
      },
      404: { description: "No bot of that name." },
      ...errors(["unauthorized"]),
    },
  });
}
