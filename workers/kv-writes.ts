import type { Context } from "hono";
import { isMonitored } from "../durable-objects/monitored-users.ts";
import type { KvAuthority, KvWriteResult } from "../durable-objects/user-presence/index.ts";
import type { KvOperation } from "../durable-objects/user-presence/kv.ts";
import { hashToken, tokenFromHeader } from "../durable-objects/user-presence/tokens.ts";
import { Snowflake } from "../schemas/snowflake.ts";
import { cacheOrigin, cacheTtlSeconds, type Env } from "../settings/env.ts";
import { readBody } from "./body.ts";
import { EdgeCache } from "./edge-cache.ts";
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

/**
 * The target user and the caller's authority; `@me` is the token's own user (Lanyard's style).
 * Everything it needs is in the headers, so routes ask it before reading a body: a request whose
 * token the directory does not give to the target user is refused without its body being read,
 * and without reaching (and so creating) the target's object. The object checks the token again
 * on the write, so a directory row left behind by an interrupted rotation authorises nothing.
 */
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
  if (idParam !== "@me" && !Snowflake.safeParse(idParam).success) {
    return {
      ok: false,
      status: 400,
      code: "invalid_user_id",
      message: "The user id must be a Discord id (17 to 20 digits) or @me.",
    };
  }
  const hash = await hashToken(token);
  const owner = await tokenDirectory(c.env, hash).lookup(hash);
  if (idParam === "@me") {
    if (!owner) return { ok: false, status: 401, code: "invalid_token", message: "The token is not valid." };
    return { userId: owner, authority: { token_hash: hash } };
  }
  // User ids are public, so comparing them need not be constant-time; the hash lookup is by key.
  if (owner !== idParam) {
    return { ok: false, status: 401, code: "invalid_token", message: "The token is not this user's." };
  }
  return { userId: idParam, authority: { token_hash: hash } };
}

/** Carries out one write in the user's object and announces it when something changed. */
export async function writeKv(c: Ctx, writer: Writer, op: KvOperation): Promise<KvWriteResult> {
  // A token's owner has an object (the token directory named them); the bot writes for whoever
  // runs it, so that writer passes the directory first and a stranger's object is never created.
  if ("owner" in writer.authority && !(await isMonitored(c.env, writer.userId))) {
    return { ok: false, status: 404, code: "user_not_monitored", message: "User is not being monitored." };
  }
  // Typed through unknown: the RPC stub's mapped result type is too deep for tsc.
  const outcome: unknown = await c.env.USER_PRESENCE.getByName(writer.userId).writeKv(writer.authority, op);
  const result = outcome as KvWriteResult;
  if (result.ok && result.changed) {
    await new EdgeCache(caches.default, cacheOrigin(c.env), cacheTtlSeconds(c.env)).purge(writer.userId);
    c.executionCtx.waitUntil(announceChanges(c.env, [result]));
  }
  return result;
}

/** How a dialect words a refusal: its error body for a status, a code and a message. */
export type Refuse = (status: number, code: string, message: string, retryAfter?: number) => Response;

/**
 * One write through a token route, for both dialects: the token first (it is a header), then the
 * body within `maxBytes`, which `toOp` turns into the operation or refuses, then the write. So a
 * request without the right token never has its body read, and one that is too large is
 * abandoned at the limit. Refusals before the write go through `refuse`; the write's own result
 * is the caller's to word.
 */
export async function writeThroughToken(
  c: Ctx,
  id: string,
  maxBytes: number,
  toOp: (body: string) => KvOperation | Response,
  refuse: Refuse,
): Promise<{ writer: Writer; op: KvOperation; result: KvWriteResult } | Response> {
  const writer = await writerOf(c, id);
  if ("ok" in writer) return refuse(writer.status, writer.code, writer.message);
  const body = await readBody(c, maxBytes);
  if (body === null) {
    const limit =
      maxBytes === 0 ? "This request takes no body." : `The body is larger than ${maxBytes} bytes.`;
    return refuse(413, "body_too_large", limit);
  }
  const op = toOp(body);
  if (op instanceof Response) return op;
  return { writer, op, result: await writeKv(c, writer, op) };
}
