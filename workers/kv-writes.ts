import type { Context } from "hono";
import type { KvAuthority, KvWriteResult } from "../durable-objects/user-presence/index.ts";
import type { KvOperation } from "../durable-objects/user-presence/kv.ts";
import { hashToken, tokenFromHeader } from "../durable-objects/user-presence/tokens.ts";
import { Snowflake } from "../schemas/snowflake.ts";
import { EdgeCache } from "./edge-cache.ts";
import { cacheOrigin, cacheTtlSeconds, type Env } from "./env.ts";
import { announceChanges } from "./hub-fanout.ts";
import { tokenDirectory } from "./write-tokens.ts";

/**
 * Key-value writes, for the Lantern and Lanyard routes and the bot alike: who is writing (from the
 * Authorization header), then the write itself in the user's object, then what a change sets off:
 * the user's cached reads purged and the socket hubs told (STORAGE_UPDATE, Lanyard PRESENCE_UPDATE).
 */

type Ctx = Context<{ Bindings: Env }>;

export interface Writer {
  userId: string;
  authority: KvAuthority;
}

export interface WriteRefusal {
  ok: false;
  status: 400 | 401;
  code: string;
  message: string;
}

/** The target user and the caller's authority; `@me` is the token's own user (Lanyard's style). */
export async function writerOf(c: Ctx, idParam: string): Promise<Writer | WriteRefusal> {
  const token = tokenFromHeader(c.req.header("Authorization"));
  if (!token) {
    return {
      ok: false,
      status: 401,
      code: "invalid_token",
      message: "Send your write token in the Authorization header (get one with /storage token create).",
    };
  }
  const hash = await hashToken(token);
  if (idParam === "@me") {
    const userId = await tokenDirectory(c.env, hash).lookup(hash);
    if (!userId) return { ok: false, status: 401, code: "invalid_token", message: "The token is not valid." };
    return { userId, authority: { token_hash: hash } };
  }
  if (!Snowflake.safeParse(idParam).success) {
    return {
      ok: false,
      status: 400,
      code: "invalid_user_id",
      message: "The user id must be a Discord id (17 to 20 digits) or @me.",
    };
  }
  return { userId: idParam, authority: { token_hash: hash } };
}

/** Carries out one write in the user's object and announces it when something changed. */
export async function writeKv(c: Ctx, writer: Writer, op: KvOperation): Promise<KvWriteResult> {
  // Typed through unknown: the RPC stub's mapped result type is too deep for tsc.
  const outcome: unknown = await c.env.USER_PRESENCE.getByName(writer.userId).writeKv(writer.authority, op);
  const result = outcome as KvWriteResult;
  if (result.ok && result.changed) {
    await new EdgeCache(caches.default, cacheOrigin(c.env), cacheTtlSeconds(c.env)).purge(writer.userId);
    c.executionCtx.waitUntil(announceChanges(c.env, [result]));
  }
  return result;
}

/** Largest body of a one-value write: 30,000 characters, each up to six bytes once JSON-escaped. */
export const MAX_VALUE_BODY_BYTES = 256 * 1024;
/**
 * Largest merge body. 512 pairs at the limits are 15.4 M characters, which JSON may spell in up to
 * 46 MB of UTF-8 (or more with \u escapes): too much to parse at once in a 128 MB isolate, so a
 * merge is capped at 16 MiB and a larger store is built in several merges (documented).
 */
export const MAX_MERGE_BODY_BYTES = 16 * 1024 * 1024;

/** The request body as text, or null when it is larger than `max` bytes. */
export async function bodyWithin(c: Ctx, max: number): Promise<string | null> {
  if (Number(c.req.header("content-length") ?? 0) > max) return null;
  const body = await c.req.text();
  return new TextEncoder().encode(body).byteLength > max ? null : body;
}
