import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { LanternUser } from "../../schemas/lantern.ts";
import { Snowflake } from "../../schemas/snowflake.ts";
import type { Env } from "../env.ts";
import { readUser, respond } from "../presence-reads.ts";

/** Lantern's REST reads (shared/reference/lantern-swagger.json), without Lantern's bugs. */

export const MAX_BULK_USERS = 50;

const LanternError = z.object({ error: z.string() }).meta({
  id: "LanternError",
  example: { error: "User 94490510688792576 is not being monitored by Porchlight." },
});

const userRoute = createRoute({
  method: "get",
  path: "/api/v1/users/{id}",
  tags: ["Lantern"],
  summary: "A monitored user's presence",
  request: {
    params: z.object({
      id: Snowflake.meta({ param: { name: "id", in: "path" }, example: "94490510688792576" }),
    }),
  },
  responses: {
    200: { description: "The user.", content: { "application/json": { schema: LanternUser } } },
    304: { description: "Not modified since the ETag in If-None-Match." },
    400: {
      description: "The id is not a Discord id.",
      content: { "application/json": { schema: LanternError } },
    },
    404: {
      description: "Not in a monitored guild.",
      content: { "application/json": { schema: LanternError } },
    },
  },
});

// One id arrives as a string and several as an array; Lantern rejected the single one (its bug 2).
const userIds = z.preprocess(
  (value) => (value === undefined ? [] : Array.isArray(value) ? value : [value]),
  z
    .array(Snowflake)
    .min(1, "give at least one user_ids")
    .max(MAX_BULK_USERS, `at most ${MAX_BULK_USERS} user_ids`)
    .refine((ids) => new Set(ids).size === ids.length, "user_ids must not repeat"),
);

const bulkRoute = createRoute({
  method: "get",
  path: "/api/v1/users",
  tags: ["Lantern"],
  summary: `Several users at once (1 to ${MAX_BULK_USERS}); unmonitored ones are left out`,
  request: {
    query: z.object({
      user_ids: userIds.meta({
        param: { name: "user_ids", in: "query", style: "form", explode: true },
        description: "Repeat the parameter for each user.",
      }),
    }),
  },
  responses: {
    200: {
      description: "The monitored users among those asked for.",
      content: { "application/json": { schema: z.array(LanternUser) } },
    },
    400: { description: "Bad user_ids.", content: { "application/json": { schema: LanternError } } },
    404: {
      description: "None of them is monitored.",
      content: { "application/json": { schema: LanternError } },
    },
  },
});

/** Lantern's error shape for a request that fails validation, naming the field. */
function lanternValidationError(
  result: { success: boolean; error?: z.ZodError },
  c: { json: (body: unknown, status: 400) => Response },
) {
  if (result.success || !result.error) return;
  const issue = result.error.issues[0];
  const field = issue?.path.join(".") || "request";
  return c.json({ error: `${field}: ${issue?.message ?? "invalid"}` }, 400) as never;
}

export function registerLantern(app: OpenAPIHono<{ Bindings: Env }>) {
  app.openapi(
    userRoute,
    async (c) => respond(c, await readUser(c, c.req.valid("param").id, "lantern")) as never,
    lanternValidationError,
  );

  app.openapi(
    bulkRoute,
    async (c) => {
      const ids = c.req.valid("query").user_ids;
      const reads = await Promise.all(ids.map((id) => readUser(c, id, "lantern")));
      const found = reads.filter((read) => read.status === 200);
      if (found.length === 0) {
        return respond(c, {
          status: 404,
          body: JSON.stringify({ error: "None of the users is being monitored by Porchlight." }),
          etag: null,
        }) as never;
      }
      return respond(c, {
        status: 200,
        body: `[${found.map((read) => read.body).join(",")}]`,
        etag: null,
      }) as never;
    },
    lanternValidationError,
  );
}
