import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { directoryOf } from "../../durable-objects/monitored-users.ts";
import type { Env } from "../../settings/env.ts";

/**
 * GET /: what this deployment is and how many users it watches. The body carries Lantern's field
 * (currently_monitoring_users) and Lanyard's (monitored_user_count) so either kind of client reads it.
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
  .meta({ id: "ServiceInfo" });

const route = createRoute({
  method: "get",
  path: "/",
  tags: ["Service"],
  summary: "Service information",
  responses: {
    200: { description: "About this deployment.", content: { "application/json": { schema: ServiceInfo } } },
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
      content: { "application/json": { schema: z.object({ ok: z.literal(true) }) } },
    },
  },
});

export function registerService(app: OpenAPIHono<{ Bindings: Env }>) {
  app.openapi(health, (c) => c.json({ ok: true as const }));

  app.openapi(route, async (c) => {
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
