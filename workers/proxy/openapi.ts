import type { OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import { PROXY_ERRORS, ProxyError, RateLimitedBody } from "../../schemas/proxy.ts";
import type { Env } from "../../settings/env.ts";
import { OPERATOR_TAG } from "../docs/audiences.ts";
import { jsonAnswer } from "../docs/route-examples.ts";

/**
 * The proxy's routes in /openapi.json. They are registered by hand (workers/proxy/routes.ts), not
 * through createRoute, because a proxied answer is Discord's and no schema of ours describes it;
 * what is ours (headers, errors, the Discord-shaped 429) is documented from schemas/proxy.ts.
 */

const errorTable = Object.entries(PROXY_ERRORS)
  .map(([code, { status, summary }]) => `\`${code}\` (${status}): ${summary}`)
  .join("\n- ");

const ProxyErrorBody = ProxyError.meta({ id: "ProxyError" });

/** One response per status, with an example of each code that answers with it. */
const errors = (codes: Array<keyof typeof PROXY_ERRORS>) =>
  Object.fromEntries(
    [...new Set(codes.map((code) => PROXY_ERRORS[code].status))].map((status) => {
      const here = codes.filter((code) => PROXY_ERRORS[code].status === status);
      return [
        String(status),
        {
          description: here.map((code) => `\`${code}\`: ${PROXY_ERRORS[code].summary}`).join(" "),
          content: {
            "application/json": {
              schema: ProxyErrorBody,
              examples: Object.fromEntries(
                here.map((code) => [
                  code,
                  { summary: code, value: { code, message: PROXY_ERRORS[code].summary } },
                ]),
              ),
            },
          },
        },
      ];
    }),
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

/**
 * The proxy key, which the proxy and the message API take the same way; registers its scheme and
 * returns the requirement an operation names it by.
 */
export function proxyKeySecurity(app: OpenAPIHono<{ Bindings: Env }>): Record<string, string[]>[] {
  app.openAPIRegistry.registerComponent("securitySchemes", "ProxyKey", {
    type: "apiKey",
    in: "header",
    name: "Authorization",
    description:
      "A proxy key (PROXY_KEYS) as `Bot <key>`, what @discordjs/rest sends as its token; or the key alone in X-Porchlight-Key.",
  });
  return [{ ProxyKey: [] }];
}

export function documentProxy(app: OpenAPIHono<{ Bindings: Env }>): void {
  const security = proxyKeySecurity(app);
  for (const method of ["get", "post", "put", "patch", "delete"] as const) {
    app.openAPIRegistry.registerPath({
      method,
      path: "/proxy/api/v10/{route}",
      tags: ["REST proxy"],
      security,
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
          content: {
            "application/json": {
              schema: RateLimitedBody.meta({
                id: "RateLimited",
                example: { message: "You are being rate limited.", retry_after: 0.764, global: false },
              }),
            },
          },
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
  documentOperatorRoutes(app);
}

const METRICS_EXAMPLE = `# HELP porchlight_proxy_requests_total Proxied requests by route template, method and the status the caller got.
# TYPE porchlight_proxy_requests_total counter
porchlight_proxy_requests_total{bot="default",method="GET",route="/users/@me",status="200"} 12
# HELP porchlight_proxy_locked 1 while the bot is locked after Discord refused its token.
# TYPE porchlight_proxy_locked gauge
porchlight_proxy_locked{bot="default"} 0
`;

/** The operator's routes: an admin key (PROXY_ADMIN_KEYS) as a bearer token, never a proxy key. */
function documentOperatorRoutes(app: OpenAPIHono<{ Bindings: Env }>): void {
  app.openAPIRegistry.registerComponent("securitySchemes", "AdminKey", {
    type: "http",
    scheme: "bearer",
    description: "An operator's admin key, one of PROXY_ADMIN_KEYS.",
  });
  const security = [{ AdminKey: [] }];
  const tags = [OPERATOR_TAG];
  const refused = {
    401: jsonAnswer(ProxyErrorBody, "`unauthorized`: no admin key, or a wrong one.", {
      code: "unauthorized",
      message: "Send an admin key as `Authorization: Bearer <key>` (PROXY_ADMIN_KEYS).",
    }),
  };
  app.openAPIRegistry.registerPath({
    method: "get",
    path: "/proxy/metrics",
    tags,
    security,
    summary: "Prometheus metrics of every bot the proxy serves",
    responses: {
      200: {
        description: "Prometheus text format 0.0.4.",
        content: { "text/plain": { schema: z.string().meta({ example: METRICS_EXAMPLE }) } },
      },
      ...refused,
    },
  });
  app.openAPIRegistry.registerPath({
    method: "post",
    path: "/proxy/bots/{bot}/unlock",
    tags,
    security,
    summary: "Unlock a bot locked after Discord refused its token",
    request: {
      params: z.object({ bot: z.string().meta({ description: "The bot's name.", example: "default" }) }),
    },
    responses: {
      200: {
        description: "Unlocked (or was not locked).",
        content: {
          "application/json": {
            schema: z
              .object({ bot: z.string(), was_locked: z.boolean() })
              .meta({ example: { bot: "default", was_locked: true } }),
          },
        },
      },
      404: {
        description: "No bot of that name.",
        content: {
          "application/json": {
            schema: z
              .object({ error: z.string() })
              .meta({ example: { error: "No proxy bot is named nobody." } }),
          },
        },
      },
      ...refused,
    },
  });
}
