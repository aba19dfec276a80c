import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { directoryOf } from "../../durable-objects/monitored-users.ts";
import type { ApplyResult } from "../../durable-objects/user-presence/index.ts";
import {
  GatewaySessions,
  LeaseAnswer,
  LeaseRelease,
  LeaseRequest,
  SessionsSave,
} from "../../schemas/gateway-sessions.ts";
import {
  GuildMembersPage,
  GuildMembersQuery,
  INGEST_LIMITS,
  IngestBatch,
  IngestResult,
  type UserDelta,
} from "../../schemas/ingest.ts";
import {
  SIGNATURE_HEADER,
  signedRoute,
  TIMESTAMP_HEADER,
  verifyIngest,
} from "../../schemas/ingest-signature.ts";
import { Snowflake } from "../../schemas/snowflake.ts";
import {
  cacheOrigin,
  cacheTtlSeconds,
  type Env,
  MIN_INGEST_SECRET_LENGTH,
  socketHubCount,
} from "../../settings/env.ts";
import { readBodyBytes } from "../body.ts";
import { EdgeCache } from "../edge-cache.ts";
import { announceChanges } from "../hub-fanout.ts";
import { hubName } from "./socket.ts";

/**
 * Where the gateway runner delivers presence: signed batches of per-user deltas, each applied by
 * the user's own object. A batch either succeeds whole or fails with a status the runner retries
 * (503), which is safe because every delta is versioned and a replay is ignored as stale.
 */

type Ctx = Context<{ Bindings: Env }>;

export const IngestError = z
  .object({ error: z.string(), reason: z.string().optional() })
  .meta({ id: "IngestError", description: "Why an ingest request was refused." });

export const signedHeaders = z.object({
  [SIGNATURE_HEADER]: z
    .string()
    .meta({ description: "sha256=<hex HMAC-SHA256 of the timestamp, a dot, and the body>" }),
  [TIMESTAMP_HEADER]: z
    .string()
    .meta({ description: "Milliseconds since the epoch when the request was signed." }),
});

/**
 * Reads the body as UTF-8 text within `maxBytes` (ingest's limit unless given) and checks its
 * signature; a Response when refused.
 */
export async function authenticate(
  c: Ctx,
  maxBytes: number = INGEST_LIMITS.maxBodyBytes,
): Promise<{ body: string } | Response> {
  const auth = await authenticateBytes(c, maxBytes, (bytes) => new TextDecoder().decode(bytes));
  return auth instanceof Response ? auth : { body: auth.text };
}

/**
 * Reads the body within `maxBytes` and checks the signature over `signedAs` of its bytes (the
 * UTF-8 text of a JSON body; an image's binary string); a Response when refused.
 */
export async function authenticateBytes(
  c: Ctx,
  maxBytes: number,
  signedAs: (bytes: Uint8Array) => string,
): Promise<{ bytes: Uint8Array; text: string } | Response> {
  const secret = c.env.INGEST_SECRET;
  if (!secret || secret.length < MIN_INGEST_SECRET_LENGTH) {
    return c.json({ error: "ingest is not configured: INGEST_SECRET is missing or too short" }, 503);
  }
  // The HMAC covers the body, so it must be read, but never past the limit.
  const bytes = await readBodyBytes(c, maxBytes);
  if (bytes === null) return c.json({ error: `body exceeds ${maxBytes} bytes` }, 413);
  const text = signedAs(bytes);
  const verdict = await verifyIngest(
    secret,
    { signature: c.req.header(SIGNATURE_HEADER), timestamp: c.req.header(TIMESTAMP_HEADER) },
    signedRoute(c.req.method, c.req.url),
    text,
  );
  if (!verdict.ok) return c.json({ error: "signature refused", reason: verdict.reason }, 401);
  return { bytes, text };
}

/** The body parsed as JSON and validated by `schema`, or a 400 naming what is wrong. */
export function parseJson(c: Ctx, body: string, schema: z.ZodType) {
  let value: unknown;
  try {
    value = body === "" ? undefined : JSON.parse(body);
  } catch {
    return { response: c.json({ error: "body is not JSON" }, 400) };
  }
  return validate(c, schema, value, "body");
}

/** A 400 naming the first field that fails, or the parsed value. */
function validate(c: Ctx, schema: z.ZodType, value: unknown, what: "body" | "query") {
  const parsed = schema.safeParse(value);
  if (parsed.success) return { data: parsed.data };
  const issue = parsed.error.issues[0];
  return { response: c.json({ error: `${issue?.path.join(".") || what}: ${issue?.message}` }, 400) };
}

async function applyDeltas(env: Env, userId: string, deltas: UserDelta[]): Promise<ApplyResult> {
  // Typed through a plain Promise: the RPC stub's mapped type of ApplyResult is too deep for tsc.
  const result: unknown = await env.USER_PRESENCE.getByName(userId).apply(deltas);
  return result as ApplyResult;
}

/** Groups deltas by user, keeping each user's deltas in the order they were sent. */
export function groupByUser(deltas: UserDelta[]): Map<string, UserDelta[]> {
  const byUser = new Map<string, UserDelta[]>();
  for (const delta of deltas) {
    const list = byUser.get(delta.user_id);
    if (list) list.push(delta);
    else byUser.set(delta.user_id, [delta]);
  }
  return byUser;
}

const ingestRoute = createRoute({
  method: "post",
  path: "/ingest",
  tags: ["Internal"],
  summary: "Deliver a batch of presence deltas (gateway runner only)",
  request: {
    headers: signedHeaders,
    body: { content: { "application/json": { schema: IngestBatch } }, required: true },
  },
  responses: {
    200: { description: "Applied.", content: { "application/json": { schema: IngestResult } } },
    400: { description: "Malformed batch.", content: { "application/json": { schema: IngestError } } },
    401: {
      description: "Missing, stale or wrong signature.",
      content: { "application/json": { schema: IngestError } },
    },
    413: { description: "Body too large.", content: { "application/json": { schema: IngestError } } },
    503: {
      description: "Not configured, or a user's object failed: retry.",
      content: { "application/json": { schema: IngestError } },
    },
  },
});

const sessionsGet = createRoute({
  method: "get",
  path: "/ingest/sessions",
  tags: ["Internal"],
  summary: "The runner's gateway session checkpoints",
  request: { headers: signedHeaders },
  responses: {
    200: { description: "Stored sessions.", content: { "application/json": { schema: GatewaySessions } } },
    401: { description: "Signature refused.", content: { "application/json": { schema: IngestError } } },
  },
});

const sessionsPut = createRoute({
  method: "put",
  path: "/ingest/sessions",
  tags: ["Internal"],
  summary: "Replace the session checkpoints of the shards named, and no others",
  request: {
    headers: signedHeaders,
    body: { content: { "application/json": { schema: SessionsSave } }, required: true },
  },
  responses: {
    204: { description: "Stored." },
    400: { description: "Malformed.", content: { "application/json": { schema: IngestError } } },
    401: { description: "Signature refused.", content: { "application/json": { schema: IngestError } } },
    409: {
      description: "Another runner holds the lease on one of the shards: nothing was stored.",
      content: { "application/json": { schema: IngestError } },
    },
  },
});

const leasesPost = createRoute({
  method: "post",
  path: "/ingest/leases",
  tags: ["Internal"],
  summary: "Take or renew the lease on all of a runner's shards, or on none",
  request: {
    headers: signedHeaders,
    body: { content: { "application/json": { schema: LeaseRequest } }, required: true },
  },
  responses: {
    200: {
      description: "Granted, or who holds what.",
      content: { "application/json": { schema: LeaseAnswer } },
    },
    400: { description: "Malformed.", content: { "application/json": { schema: IngestError } } },
    401: { description: "Signature refused.", content: { "application/json": { schema: IngestError } } },
  },
});

const leasesDelete = createRoute({
  method: "delete",
  path: "/ingest/leases",
  tags: ["Internal"],
  summary: "Give up a runner's leases (a clean shutdown), so a standby takes over at once",
  request: {
    headers: signedHeaders,
    body: { content: { "application/json": { schema: LeaseRelease } }, required: true },
  },
  responses: {
    204: { description: "Released (leases of other runners are untouched)." },
    400: { description: "Malformed.", content: { "application/json": { schema: IngestError } } },
    401: { description: "Signature refused.", content: { "application/json": { schema: IngestError } } },
  },
});

const socketStats = createRoute({
  method: "get",
  path: "/ingest/sockets",
  tags: ["Internal"],
  summary: "Sockets and events per socket hub (operators and benchmarks)",
  request: { headers: signedHeaders },
  responses: {
    200: {
      description: "One entry per hub; `events` counts what woke the hub since it last started.",
      content: {
        "application/json": { schema: z.object({ hubs: z.array(z.record(z.string(), z.unknown())) }) },
      },
    },
    401: { description: "Signature refused.", content: { "application/json": { schema: IngestError } } },
  },
});

const guildMembers = createRoute({
  method: "get",
  path: "/ingest/guilds/{guild_id}/members",
  tags: ["Internal"],
  summary: "The users held as monitored members of a guild (the runner reconciles against it)",
  request: { headers: signedHeaders, params: z.object({ guild_id: Snowflake }), query: GuildMembersQuery },
  responses: {
    200: { description: "One page.", content: { "application/json": { schema: GuildMembersPage } } },
    400: { description: "Bad guild id or query.", content: { "application/json": { schema: IngestError } } },
    401: { description: "Signature refused.", content: { "application/json": { schema: IngestError } } },
  },
});

export function registerIngest(app: OpenAPIHono<{ Bindings: Env }>) {
  // Validation is done by hand below (signature first, then the body), so the routes are declared
  // for the docs and their handlers read the raw body.
  app.openAPIRegistry.registerPath(ingestRoute);
  app.openAPIRegistry.registerPath(sessionsGet);
  app.openAPIRegistry.registerPath(sessionsPut);
  app.openAPIRegistry.registerPath(leasesPost);
  app.openAPIRegistry.registerPath(leasesDelete);
  app.openAPIRegistry.registerPath(socketStats);
  app.openAPIRegistry.registerPath(guildMembers);

  app.post("/ingest", async (c) => {
    const auth = await authenticate(c);
    if (auth instanceof Response) return auth;
    const parsed = parseJson(c, auth.body, IngestBatch);
    if ("response" in parsed) return parsed.response;
    const batch = parsed.data as IngestBatch;

    const cache = new EdgeCache(caches.default, cacheOrigin(c.env), cacheTtlSeconds(c.env));
    let applied = 0;
    let stale = 0;
    const results: ApplyResult[] = [];
    const purges: Promise<void>[] = [];
    const failed = (error: unknown) => {
      console.error("ingest: applying batch failed", batch.batch_id, error);
      return c.json({ error: "a user's object failed; retry the batch" }, 503);
    };
    try {
      await Promise.all(
        [...groupByUser(batch.deltas)].map(async ([userId, deltas]) => {
          const result = await applyDeltas(c.env, userId, deltas);
          applied += result.applied;
          stale += result.stale;
          results.push(result);
          if (result.purge) purges.push(cache.purge(userId));
        }),
      );
    } catch (error) {
      // Hubs still hear what was applied: the retry finds those deltas stale and announces nothing.
      c.executionCtx.waitUntil(announceChanges(c.env, results));
      c.executionCtx.waitUntil(Promise.allSettled(purges));
      return failed(error);
    }
    // Neither the runner nor the sockets wait for each other: the batch is durable once every
    // object has applied it, so hubs hear it while its cache purges (each a Cache API round trip)
    // are still on their way, and the runner hears back once those are done.
    c.executionCtx.waitUntil(announceChanges(c.env, results));
    try {
      await Promise.all(purges);
    } catch (error) {
      return failed(error);
    }
    return c.json({ batch_id: batch.batch_id, applied, stale } satisfies IngestResult);
  });

  app.get("/ingest/sockets", async (c) => {
    const auth = await authenticate(c);
    if (auth instanceof Response) return auth;
    const names = Array.from({ length: socketHubCount(c.env) }, (_, n) => hubName(n));
    const hubs = await Promise.all(
      names.map(async (hub) => ({ hub, ...(await c.env.SOCKET_HUB.getByName(hub).stats()) })),
    );
    return c.json({ hubs });
  });

  app.get("/ingest/guilds/:guild_id/members", async (c) => {
    const auth = await authenticate(c);
    if (auth instanceof Response) return auth;
    const guildId = Snowflake.safeParse(c.req.param("guild_id"));
    if (!guildId.success) return c.json({ error: "guild_id: must be a Discord id" }, 400);
    const query = validate(c, GuildMembersQuery, c.req.query(), "query");
    if ("response" in query) return query.response;
    const { after, limit } = query.data as GuildMembersQuery;
    const page = await directoryOf(c.env).guildMembers(guildId.data, after, limit);
    return c.json(page satisfies GuildMembersPage);
  });

  app.get("/ingest/sessions", async (c) => {
    const auth = await authenticate(c);
    if (auth instanceof Response) return auth;
    const sessions = await c.env.GATEWAY_SESSIONS.getByName("runner").get();
    return c.json({ sessions });
  });

  app.put("/ingest/sessions", async (c) => {
    const auth = await authenticate(c);
    if (auth instanceof Response) return auth;
    const parsed = parseJson(c, auth.body, SessionsSave);
    if ("response" in parsed) return parsed.response;
    const saved = await c.env.GATEWAY_SESSIONS.getByName("runner").save(parsed.data as SessionsSave);
    if (!saved.ok) {
      const held = saved.held.map((h) => `shard ${h.shard_id} (${h.runner_id})`).join(", ");
      return c.json({ error: `another runner holds the lease: ${held}` }, 409);
    }
    return c.body(null, 204);
  });

  app.post("/ingest/leases", async (c) => {
    const auth = await authenticate(c);
    if (auth instanceof Response) return auth;
    const parsed = parseJson(c, auth.body, LeaseRequest);
    if ("response" in parsed) return parsed.response;
    return c.json(await c.env.GATEWAY_SESSIONS.getByName("runner").lease(parsed.data as LeaseRequest));
  });

  app.delete("/ingest/leases", async (c) => {
    const auth = await authenticate(c);
    if (auth instanceof Response) return auth;
    const parsed = parseJson(c, auth.body, LeaseRelease);
    if ("response" in parsed) return parsed.response;
    await c.env.GATEWAY_SESSIONS.getByName("runner").release(parsed.data as LeaseRelease);
    return c.body(null, 204);
  });
}
