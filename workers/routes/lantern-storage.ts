import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { KvOperation } from "../../durable-objects/user-presence/kv.ts";
import { KeyValuePairs, KV_LIMITS, KvKey, KvValue } from "../../schemas/kv.ts";
import { Snowflake } from "../../schemas/snowflake.ts";
import type { Env } from "../../settings/env.ts";
import { BODY_LIMITS } from "../body.ts";
import { exampleOf, jsonAnswer } from "../docs/route-examples.ts";
import { type Refuse, writeThroughToken } from "../kv-writes.ts";
import { readPairs } from "../presence-reads.ts";
import { LanternError } from "./lantern.ts";

/**
 * Lantern's storage routes (shared/reference/lantern-swagger.json): reads are public, writes carry
 * the user's token in Authorization. Lantern's shapes and messages, with its limits enforced (it
 * documented 512 pairs and never checked) and a limit broken answered 400 or 413, not 404.
 */

type Ctx = Context<{ Bindings: Env }>;

const Success = z
  .object({ success: z.literal(true) })
  .meta({ id: "LanternSuccess", example: { success: true } });
const Value = z.object({ value: z.string() }).meta({ example: { value: exampleOf(KvValue) } });
const json = <T extends z.ZodType>(schema: T) => ({ "application/json": { schema } });

const notMonitored = (id: string) => `User ${id} is not being monitored by Porchlight.`;
const noStorage = (id: string) => `User ${id} does not have any storage.`;

const idParam = Snowflake.meta({ param: { name: "id", in: "path" }, example: "94490510688792576" });
const keyParam = z.string().meta({ param: { name: "key", in: "path" }, example: "location" });
const security = [{ ApiKeyAuth: [] }];
/** What each refusal means, and one message it is answered with. */
const REFUSALS: Record<number, [description: string, message: string]> = {
  400: [
    "Bad id, key or value.",
    `Key must be 1 to ${KV_LIMITS.maxKeyLength} letters, digits or underscores.`,
  ],
  401: ["Missing or wrong token.", "The token is not this user's."],
  404: ["Not monitored, or no such key.", notMonitored("94490510688792576")],
  413: [
    "A limit is exceeded (value length, pair count).",
    `A user keeps at most ${KV_LIMITS.maxPairs} pairs.`,
  ],
  429: ["Too many writes: see Retry-After.", "Too many writes; try again shortly."],
};
const errors = (...statuses: number[]) =>
  Object.fromEntries(
    statuses.map((status) => {
      const [description, message] = REFUSALS[status]!;
      return [status, jsonAnswer(LanternError, description, { error: message })];
    }),
  );

const storageRoute = (method: "get" | "delete") =>
  createRoute({
    method,
    path: "/api/v1/users/{id}/storage",
    tags: ["Lantern storage"],
    summary: method === "get" ? "All of a user's pairs" : "Delete all of a user's pairs",
    security: method === "get" ? undefined : security,
    request: { params: z.object({ id: idParam }) },
    responses: {
      200: { description: "Done.", content: json(method === "get" ? KeyValuePairs : Success) },
      ...errors(400, 401, 404, 429),
    },
  });

const keyRoute = (method: "get" | "put" | "patch" | "delete") =>
  createRoute({
    method,
    path: "/api/v1/users/{id}/storage/{key}",
    tags: ["Lantern storage"],
    summary: {
      get: "One value",
      put: "Set a value",
      patch: "Change an existing value",
      delete: "Delete a key",
    }[method],
    security: method === "get" ? undefined : security,
    request: {
      params: z.object({ id: idParam, key: keyParam }),
      ...(method === "put" || method === "patch"
        ? {
            query: z.object({
              value: z.string().optional().meta({ description: "The value, instead of a body." }),
            }),
            body: { content: json(Value), required: false as const },
          }
        : {}),
    },
    responses: {
      200: {
        description: "Done.",
        content: json(method === "get" ? Value : Success),
      },
      ...errors(400, 401, 404, 413, 429),
    },
  });

function lanternError(c: Ctx, status: number, message: string, retryAfter?: number) {
  const headers: Record<string, string> = retryAfter ? { "Retry-After": String(retryAfter) } : {};
  return c.json({ error: message }, status as 400, headers);
}

/** The value of a PUT or PATCH: `{"value": "..."}` in the body, or the `value` query parameter. */
function requestedValue(c: Ctx, body: string): { value: unknown } | Response {
  if (body.trim() !== "") {
    try {
      const parsed = JSON.parse(body) as unknown;
      if (typeof parsed === "object" && parsed !== null && "value" in parsed) return { value: parsed.value };
    } catch {
      return lanternError(c, 400, 'The body must be JSON: {"value": "..."}.');
    }
  }
  const query = c.req.query("value");
  if (query !== undefined) return { value: query };
  return lanternError(c, 400, 'Give the value as a JSON body {"value": "..."} or a value query parameter.');
}

/**
 * One write in Lantern's shape (see writeThroughToken). `missing` words the 404 of a write that
 * needs something to exist (a key for PATCH and DELETE, any pair for DELETE of the storage).
 */
async function write(
  c: Ctx,
  id: string,
  maxBytes: number,
  toOp: (body: string) => KvOperation | Response,
  missing?: string | ((id: string) => string),
) {
  const refuse: Refuse = (status, _code, message, retryAfter) => lanternError(c, status, message, retryAfter);
  const step = await writeThroughToken(c, id, maxBytes, toOp, refuse);
  if (step instanceof Response) return step;
  const { writer, op, result } = step;
  if (result.ok) {
    if (op.kind === "reset" && !result.changed) return lanternError(c, 404, noStorage(writer.userId));
    return c.json({ success: true as const });
  }
  if (result.code === "user_not_monitored") return lanternError(c, 404, notMonitored(writer.userId));
  if (result.code === "key_not_found" && typeof missing === "string") return lanternError(c, 404, missing);
  return lanternError(c, result.status, result.message, result.retry_after);
}

const keyMissing = (key: string) => `Key ${key} does not exist in the storage.`;

function validationError(result: { success: boolean; error?: z.ZodError }, c: Ctx) {
  if (result.success || !result.error) return;
  const issue = result.error.issues[0];
  return lanternError(
    c,
    400,
    `${issue?.path.join(".") || "request"}: ${issue?.message ?? "invalid"}`,
  ) as never;
}

export function registerLanternStorage(app: OpenAPIHono<{ Bindings: Env }>) {
  app.openAPIRegistry.registerComponent("securitySchemes", "ApiKeyAuth", {
    type: "apiKey",
    in: "header",
    name: "Authorization",
    description: "The write token the bot's /storage token create gives you, as it is.",
  });

  app.openapi(
    storageRoute("get"),
    async (c) => {
      const { id } = c.req.valid("param");
      const pairs = await readPairs(c.env, id);
      if (!pairs) return lanternError(c, 404, notMonitored(id)) as never;
      if (Object.keys(pairs).length === 0) return lanternError(c, 404, noStorage(id)) as never;
      return c.json(pairs) as never;
    },
    validationError,
  );

  app.openapi(
    keyRoute("get"),
    async (c) => {
      const { id, key } = c.req.valid("param");
      const keyCheck = KvKey.safeParse(key);
      if (!keyCheck.success) return lanternError(c, 400, keyCheck.error.issues[0]!.message) as never;
      const pairs = await readPairs(c.env, id);
      if (!pairs) return lanternError(c, 404, notMonitored(id)) as never;
      if (!Object.hasOwn(pairs, key)) return lanternError(c, 404, keyMissing(key)) as never;
      return c.json({ value: pairs[key]! }) as never;
    },
    validationError,
  );

  // Writes validate by hand (the token first, then the size, then the value) and return Lantern's
  // messages, so their routes are declared for the docs only.
  app.openAPIRegistry.registerPath(storageRoute("delete"));
  app.delete("/api/v1/users/:id/storage", (c) =>
    write(c, c.req.param("id"), BODY_LIMITS.none, () => ({ kind: "reset" }), noStorage),
  );
  for (const method of ["put", "patch", "delete"] as const) {
    app.openAPIRegistry.registerPath(keyRoute(method));
    app.on(method.toUpperCase(), "/api/v1/users/:id/storage/:key", async (c) => {
      const { id, key } = c.req.param() as { id: string; key: string };
      if (method === "delete") {
        const op = { kind: "delete", key, mustExist: true } as const;
        return write(c, id, BODY_LIMITS.none, () => op, keyMissing(key));
      }
      const toOp = (body: string): KvOperation | Response => {
        const value = requestedValue(c, body);
        if (value instanceof Response) return value;
        return { kind: method === "put" ? "set" : "update", key, value: value.value };
      };
      return write(c, id, BODY_LIMITS.value, toOp, keyMissing(key));
    });
  }
}
