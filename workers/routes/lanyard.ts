import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { LanyardPresence } from "../../schemas/lanyard.ts";
import { Snowflake } from "../../schemas/snowflake.ts";
import type { Env } from "../../settings/env.ts";
import { exampleOf, jsonAnswer } from "../docs/route-examples.ts";
import { readUser, respond } from "../presence-reads.ts";

/** Lanyard's REST read, so a Lanyard client works by changing only its hostname. */

/** Lanyard's error envelope, which its key-value routes answer with too. */
export const LanyardError = z
  .object({ success: z.literal(false), error: z.object({ code: z.string(), message: z.string() }) })
  .meta({
    id: "LanyardError",
    example: {
      success: false,
      error: { code: "user_not_monitored", message: "User is not being monitored by Porchlight" },
    },
  });

const INVALID_ID = {
  success: false as const,
  error: { code: "invalid_user_id", message: "The user id must be a Discord id (17 to 20 digits)." },
};

const userRoute = createRoute({
  method: "get",
  path: "/v1/users/{id}",
  tags: ["Lanyard"],
  summary: "A monitored user's presence, in Lanyard's envelope",
  request: {
    params: z.object({
      id: Snowflake.meta({ param: { name: "id", in: "path" }, example: "94490510688792576" }),
    }),
  },
  responses: {
    200: jsonAnswer(z.object({ success: z.literal(true), data: LanyardPresence }), "The user.", {
      success: true,
      data: exampleOf(LanyardPresence),
    }),
    304: { description: "Not modified since the ETag in If-None-Match." },
    400: jsonAnswer(LanyardError, "The id is not a Discord id.", INVALID_ID),
    404: jsonAnswer(LanyardError, "Not in a monitored guild.", exampleOf(LanyardError)),
  },
});

export function registerLanyard(app: OpenAPIHono<{ Bindings: Env }>) {
  app.openapi(
    userRoute,
    async (c) => respond(c, await readUser(c, c.req.valid("param").id, "lanyard")) as never,
    (result, c) => {
      if (result.success) return;
      return c.json(INVALID_ID, 400);
    },
  );
}
