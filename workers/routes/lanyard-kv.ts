import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { KvOperation } from "../../durable-objects/user-presence/kv.ts";
import { KeyValuePairs, KV_LIMITS, KvValue } from "../../schemas/kv.ts";
import type { Env } from "../../settings/env.ts";
import { BODY_LIMITS } from "../body.ts";
import { exampleOf, jsonAnswer } from "../docs/route-examples.ts";
import { type Refuse, writeThroughToken } from "../kv-writes.ts";
import { LanyardError } from "./lanyard.ts";

/**
 * Lanyard's key-value writes: PUT a raw body, PATCH a JSON object merged in at once, DELETE a key
 * (204 even when it was absent, as Lanyard). `:id` may be `@me`, the token's own user. Errors use
 * Lanyard's envelope; a broken limit is 400 or 413 (Lanyard answers 404 for those).
 */

type Ctx = Context<{ Bindings: Env }>;

const id = z.string().meta({ param: { name: "id", in: "path" }, description: "A Discord id, or @me." });
const key = z.string().meta({ param: { name: "key", in: "path" }, example: "location" });
/** Each refusal: what it means, and one answer of it (code and message). */
const refusals = Object.fromEntries(
  (
    [
      [
        400,
        "Bad id, key, value or body.",
        "invalid_body",
        "The body must be a JSON object of string values.",
      ],
      [401, "Missing or wrong token (no_permission).", "no_permission", "The token is not this user's."],
      [404, "Not monitored.", "user_not_monitored", "User is not being monitored."],
      [413, "A limit is exceeded.", "too_many_pairs", `A user keeps at most ${KV_LIMITS.maxPairs} pairs.`],
      [429, "Too many writes: see Retry-After.", "rate_limited", "Too many writes; try again shortly."],
    ] as const
  ).map(([status, description, code, message]) => [
    status,
    jsonAnswer(LanyardError, description, { success: false, error: { code, message } }),
  ]),
);
const done = { 204: { description: "Done." } };
const security = [{ ApiKeyAuth: [] }];

const routes = {
  put: createRoute({
    method: "put",
    path: "/v1/users/{id}/kv/{key}",
    tags: ["Lanyard key-value"],
    summary: "Set a value: the raw request body",
    security,
    request: {
      params: z.object({ id, key }),
      body: { content: { "text/plain": { schema: z.string(), example: exampleOf(KvValue) } } },
    },
    responses: { ...done, ...refusals },
  }),
  patch: createRoute({
    method: "patch",
    path: "/v1/users/{id}/kv",
    tags: ["Lanyard key-value"],
    summary: "Set several values at once (all or none)",
    security,
    request: {
      params: z.object({ id }),
      body: { content: { "application/json": { schema: KeyValuePairs } } },
    },
    responses: { ...done, ...refusals },
  }),
  delete: createRoute({
    method: "delete",
    path: "/v1/users/{id}/kv/{key}",
    tags: ["Lanyard key-value"],
    summary: "Delete a key",
    security,
    request: { params: z.object({ id, key }) },
    responses: { ...done, ...refusals },
  }),
};

function lanyardError(c: Ctx, status: number, code: string, message: string, retryAfter?: number) {
  const headers: Record<string, string> = retryAfter ? { "Retry-After": String(retryAfter) } : {};
  return c.json({ success: false as const, error: { code, message } }, status as 400, headers);
}

/** One write in Lanyard's shape: 204, or its error object. */
async function write(c: Ctx, maxBytes: number, toOp: (body: string) => KvOperation | Response) {
  const refuse: Refuse = (status, code, message, retryAfter) =>
    lanyardError(c, status, status === 401 ? "no_permission" : code, message, retryAfter);
  const step = await writeThroughToken(c, c.req.param("id") ?? "", maxBytes, toOp, refuse);
  if (step instanceof Response) return step;
  if (step.result.ok) return c.body(null, 204);
  return refuse(step.result.status, step.result.code, step.result.message, step.result.retry_after);
}

export function registerLanyardKv(app: OpenAPIHono<{ Bindings: Env }>) {
  // Validated by hand (token, size, then the pairs), so the routes are declared for the docs only.
  for (const route of Object.values(routes)) app.openAPIRegistry.registerPath(route);

  app.put("/v1/users/:id/kv/:key", (c) =>
    write(c, BODY_LIMITS.value, (value) => ({ kind: "set", key: c.req.param("key"), value })),
  );

  app.patch("/v1/users/:id/kv", (c) =>
    write(c, BODY_LIMITS.merge, (body) => {
      try {
        return { kind: "merge", pairs: JSON.parse(body) as unknown };
      } catch {
        return lanyardError(c, 400, "invalid_body", "The body must be a JSON object of string values.");
      }
    }),
  );

  app.delete("/v1/users/:id/kv/:key", (c) =>
    write(c, BODY_LIMITS.none, () => ({ kind: "delete", key: c.req.param("key"), mustExist: false })),
  );
}
