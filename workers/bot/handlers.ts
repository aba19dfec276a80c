import type { APIInteractionResponse } from "discord-api-types/v10";
import type { Context } from "hono";
import type { KvWriteResult } from "../../durable-objects/user-presence/index.ts";
import type { KvOperation } from "../../durable-objects/user-presence/kv.ts";
import { type Env, publicOrigin } from "../../settings/env.ts";
import { writeKv } from "../kv-writes.ts";
import { readPairs } from "../presence-reads.ts";
import { issueToken, revokeToken } from "../write-tokens.ts";
import { apiUrls, replies } from "./replies.ts";
import type { BotAction } from "./router.ts";

/**
 * Carries out what a user asked the bot for. Writes go through the same path as the REST routes
 * (limits, rate limit, cache purge, socket announcements); the bot's authority is the user
 * themself, proven by Discord's signature on the interaction, so no token is needed.
 */

type Ctx = Context<{ Bindings: Env }>;
type Reply = APIInteractionResponse;

export async function perform(c: Ctx, userId: string, action: BotAction): Promise<Reply> {
  switch (action.kind) {
    case "ping":
      return replies.ping();
    case "token_create": {
      const issued = await issueToken(c.env, userId);
      if (!issued.ok) return replies.notMonitored();
      // Discord calls /interactions on whatever host the application was given; links name the public one.
      const origin = publicOrigin(c.env) ?? new URL(c.req.url).origin;
      return replies.tokenCreated(issued.token, apiUrls(origin, userId));
    }
    case "token_revoke":
      return replies.tokenRevoked(await revokeToken(c.env, userId));
    case "set":
      return write(c, userId, { kind: "set", key: action.key, value: action.value }, (result) =>
        replies.saved(action.key, result.changed),
      );
    case "delete":
      return write(c, userId, { kind: "delete", key: action.key, mustExist: true }, () =>
        replies.deleted(action.key),
      );
    case "get":
      return withPairs(c, userId, (pairs) =>
        Object.hasOwn(pairs, action.key)
          ? replies.value(action.key, pairs[action.key]!)
          : replies.noSuchKey(action.key),
      );
    case "list":
      return withPairs(c, userId, replies.list);
    case "reset_ask":
      // Asked before anything is deleted; the confirm button does the reset.
      return withPairs(c, userId, (pairs) => {
        const count = Object.keys(pairs).length;
        return count === 0 ? replies.nothingToReset() : replies.resetQuestion(count);
      });
    case "reset_confirm":
      return write(c, userId, { kind: "reset" }, (result) => replies.resetDone(result.changed));
    case "reset_cancel":
      return replies.resetCancelled();
    case "unknown":
      return replies.unknown(action.name);
  }
}

async function write(
  c: Ctx,
  userId: string,
  op: KvOperation,
  done: (result: Extract<KvWriteResult, { ok: true }>) => Reply,
): Promise<Reply> {
  const result = await writeKv(c, { userId, authority: { owner: true } }, op);
  if (result.ok) return done(result);
  return failure(result, op);
}

/** A refused write in the user's terms. */
export function failure(result: Extract<KvWriteResult, { ok: false }>, op: KvOperation): Reply {
  switch (result.code) {
    case "user_not_monitored":
      return replies.notMonitored();
    case "rate_limited":
      return replies.rateLimited(result.retry_after ?? 1);
    case "key_not_found":
      return "key" in op ? replies.noSuchKey(op.key) : replies.refused(result.message);
    default:
      return replies.refused(result.message);
  }
}

async function withPairs(c: Ctx, userId: string, show: (pairs: Record<string, string>) => Reply) {
  const pairs = await readPairs(c.env, userId);
  return pairs ? show(pairs) : replies.notMonitored();
}
