import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { directoryOf } from "../../durable-objects/monitored-users.ts";
import type { Env } from "../../settings/env.ts";
import { prefersLanding, serveLanding } from "../landing/route.ts";

/**
 * GET /: what this deployment is and how many users it watches. The body carries Lantern's field
 * (currently_monitoring_users) and Lanyard's (monitored_user_count) so either kind of client reads it.
 * A browser (Accept preferring text/html) gets the landing page instead (workers/landing/).
 */

const ServiceInfo = z
  .object({
    success: z.literal(true),
    data: z.object({
      info: z.string(),
      currently_monitoring_users: z.int(),
      monitored_user_count: z.int(),
      docs: z.string(),
    }),
  })
  .meta({
    id: "ServiceInfo",
    example: {
      success: true,
      data: {
        info: "Porchlight: live Discord presence at the edge. Speaks the Lantern and Lanyard APIs.",
        currently_monitoring_users: 45,
        monitored_user_count: 45,
        docs: "https://porchlight.example.com/docs",
      },
    },
  });

const route = createRoute({
  method: "get",
  path: "/",
  tags: ["Service"],
  summary: "Service information; in a browser, the landing page",
  request: {
    query: z.object({
      user: z.string().optional().meta({
        description: "For the landing page only: the Discord user id it opens on.",
        example: "94490510688792576",
      }),
    }),
  },
  responses: {
    200: {
      description:
        "About this deployment: JSON, unless Accept ranks text/html above application/json (a browser), which gets the landing page.",
      content: {
        "application/json": { schema: ServiceInfo },
        "text/html": {
          schema: z.string().meta({
            description: "The landing page.",
            example:
              '<!doctype html><html lang="en"><head><title>Porchlight</title>…</head><body>…</body></html>',
          }),
        },
      },
    },
  },
});

const health = createRoute({
  method: "get",
  path: "/health",
  tags: ["Service"],
  summary: "Liveness: answers without touching any object",
  responses: {
    200: {
      description: "The Worker runs.",
      content: {
        "application/json": { schema: z.object({ ok: z.literal(true) }).meta({ example: { ok: true } }) },
      },
    },
  },
});

export function registerService(app: OpenAPIHono<{ Bindings: Env }>) {
  app.openapi(health, (c) => c.json({ ok: true as const }));

  app.openapi(route, async (c) => {
    // One URL, two representations: a shared cache must key them apart.
    c.header("Vary", "Accept");
    if (prefersLanding(c)) return (await serveLanding(c, c.req.valid("query").user)) as never;
    const count = await directoryOf(c.env).count();
    return c.json({
      success: true as const,
      data: {
        info: "Porchlight: live Discord presence at the edge. Speaks the Lantern and Lanyard APIs.",
        currently_monitoring_users: count,
        monitored_user_count: count,
        docs: new URL("/docs", c.req.url).href,
      },
    });
  });
}
