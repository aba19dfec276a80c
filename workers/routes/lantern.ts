import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { CardQuery } from "../../schemas/card.ts";
import { LanternUser } from "../../schemas/lantern.ts";
import { Snowflake } from "../../schemas/snowflake.ts";
import type { Env } from "../../settings/env.ts";
import { badCardRequest, serveCard } from "../cards/serve.ts";
import { exampleOf, jsonAnswer } from "../docs/route-examples.ts";
import { readUser, readUsers, respond } from "../presence-reads.ts";

/** Lantern's REST reads (shared/reference/lantern-swagger.json), without Lantern's bugs. */

export const MAX_BULK_USERS = 50;

/** Lantern's error shape, which its storage routes answer with too. */
export const LanternError = z.object({ error: z.string() }).meta({
  id: "LanternError",
  example: { error: "User 94490510688792576 is not being monitored by Porchlight." },
});

const BAD_ID = { error: "id: must be a Discord id (17 to 20 digits)" };

// With ?svg=1 every answer, errors too, is an SVG card (workers/cards/), so a README shows it.
const SvgCard = z.string().meta({
  description: "An SVG document (image/svg+xml).",
  example:
    '<svg xmlns="http://www.w3.org/2000/svg" width="560" height="260" viewBox="0 0 560 260" role="img" aria-label="Phineas"><!-- avatar, name, status and activity --></svg>',
});
const withCard = (answer: ReturnType<typeof jsonAnswer>) => ({
  ...answer,
  content: { ...answer.content, "image/svg+xml": { schema: SvgCard } },
});

const userRoute = createRoute({
  method: "get",
  path: "/api/v1/users/{id}",
  tags: ["Lantern"],
  summary: "A monitored user's presence, or with svg=1 their profile card",
  request: {
    params: z.object({
      id: Snowflake.meta({ param: { name: "id", in: "path" }, example: "94490510688792576" }),
    }),
    query: CardQuery,
  },
  responses: {
    200: {
      description: "The user; with svg=1 their card (560×260, or 560×128 with hideActivity).",
      content: { "application/json": { schema: LanternUser }, "image/svg+xml": { schema: SvgCard } },
    },
    304: { description: "Not modified since the ETag in If-None-Match." },
    400: withCard(
      jsonAnswer(LanternError, "The id is not a Discord id, or a card parameter is invalid.", BAD_ID),
    ),
    404: withCard(jsonAnswer(LanternError, "Not in a monitored guild.", exampleOf(LanternError))),
  },
});

/** Whether the request asks for a card, read before validation so a bad request gets an error card. */
function wantsCard(c: { req: { query: (name: string) => string | undefined } }): boolean {
  const svg = c.req.query("svg");
  return svg !== undefined && svg !== "0" && svg !== "false";
}

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
      content: {
        "application/json": { schema: z.array(LanternUser).meta({ example: [exampleOf(LanternUser)] }) },
      },
    },
    400: jsonAnswer(LanternError, "Bad user_ids.", { error: `user_ids: at most ${MAX_BULK_USERS} user_ids` }),
    404: jsonAnswer(LanternError, "None of them is monitored.", {
      error: "None of the users is being monitored by Porchlight.",
    }),
  },
});

/** "field: what is wrong" for the first issue of a failed validation. */
function validationMessage(error: z.ZodError | undefined): string {
  const issue = error?.issues[0];
  const field = issue?.path.join(".") || "request";
  return `${field}: ${issue?.message ?? "invalid"}`;
}

/** Lantern's error shape for a request that fails validation, naming the field. */
function lanternValidationError(
  result: { success: boolean; error?: z.ZodError },
  c: { json: (body: unknown, status: 400) => Response },
) {
  if (result.success || !result.error) return;
  return c.json({ error: validationMessage(result.error) }, 400) as never;
}

export function registerLantern(app: OpenAPIHono<{ Bindings: Env }>) {
  app.openapi(
    userRoute,
    async (c) => {
      const id = c.req.valid("param").id;
      const { svg, ...card } = c.req.valid("query");
      if (svg) return (await serveCard(c, id, card)) as never;
      return respond(c, await readUser(c, id, "lantern")) as never;
    },
    (result, c) => {
      if (result.success || !wantsCard(c)) return lanternValidationError(result, c);
      return badCardRequest(c, validationMessage(result.error)) as never;
    },
  );

  app.openapi(
    bulkRoute,
    async (c) => {
      const ids = c.req.valid("query").user_ids;
      const reads = await readUsers(c, ids, "lantern");
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
