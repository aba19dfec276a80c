import type { Context } from "hono";
import { parseEmoji } from "../../reactions.ts";
import { BUCKETS } from "../buckets.ts";
import { RestErrors } from "../errors.ts";
import { FormErrors, integerField, snowflakeField } from "../form.ts";
import { type DefineRoute, type RestDeps, userIdParam } from "../routing.ts";

/**
 * Reactions: every route, whatever its method, is in the one "reactions" bucket (1 per 250 ms
 * per channel). PUT takes the literal "@me", as clients send it; DELETE of "@me" percent-encoded
 * reaches the :user_id route, which reads "@me" as the bot all the same.
 */
export function reactionRoutes(route: DefineRoute, { world }: RestDeps): void {
  const reactions = "/channels/:channel_id/messages/:message_id/reactions/:emoji";

  /** The message's channel and id and the emoji, after checking that the message exists. */
  const target = (c: Context) => {
    const channelId = c.req.param("channel_id")!;
    const messageId = c.req.param("message_id")!;
    world.requireMessage(channelId, messageId);
    const emoji = parseEmoji(c.req.param("emoji")!);
    if (!emoji) throw RestErrors.unknownEmoji();
    return { channelId, messageId, emoji };
  };

  const react = (c: Context, userId: string, on: boolean) => {
    const { channelId, messageId, emoji } = target(c);
    try {
      world.react(channelId, messageId, emoji, userId, on);
    } catch (error) {
      if (error instanceof RangeError) throw RestErrors.tooManyReactions();
      throw error;
    }
    return c.body(null, 204);
  };

  route("PUT", `${reactions}/@me`, BUCKETS.reactions, (c) => react(c, world.application.bot.id, true));
  route("DELETE", `${reactions}/@me`, BUCKETS.reactions, (c) => react(c, world.application.bot.id, false));
  route("DELETE", `${reactions}/:user_id`, BUCKETS.reactions, (c) => react(c, userIdParam(world, c), false));

  // Users who reacted, by id, as Discord pages them: `after` (a user id), `limit` (1-100, default 25).
  route("GET", reactions, BUCKETS.reactions, (c) => {
    const { channelId, messageId, emoji } = target(c);
    const { after, limit } = pageQuery(c);
    let users = [...world.reactionsOf(channelId, messageId).users(emoji)].sort((a, b) =>
      BigInt(a) < BigInt(b) ? -1 : 1,
    );
    if (after !== undefined) users = users.filter((id) => BigInt(id) > BigInt(after));
    return c.json(users.slice(0, limit).map((id) => world.requireUser(id)));
  });
}

function pageQuery(c: Context): { after: string | undefined; limit: number } {
  const errors = new FormErrors();
  const after = snowflakeField(errors, ["after"], c.req.query("after"));
  const rawLimit = c.req.query("limit");
  const limit = rawLimit === undefined ? 25 : integerField(errors, ["limit"], Number(rawLimit));
  if (limit !== undefined && (limit < 1 || limit > 100)) {
    errors.add(["limit"], { code: "NUMBER_TYPE_MAX", message: "int value should be between 1 and 100." });
  }
  errors.throwIfAny();
  return { after, limit: limit ?? 25 };
}
