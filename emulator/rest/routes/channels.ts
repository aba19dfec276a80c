import { type APIMessage, MessageReferenceType, MessageType } from "discord-api-types/v10";
import { guildOf, type World } from "../../world.ts";
import { BUCKETS } from "../buckets.ts";
import { RestErrors } from "../errors.ts";
import { FormErrors, isObject } from "../form.ts";
import { attachmentsFor, readMessageBody } from "../message-body.ts";
import { messagePage, messagesQuery } from "../message-pages.ts";
import { applyMessageEdit, parseMessageCreate, parseMessageEdit } from "../messages.ts";
import type { DefineRoute, RestDeps } from "../routing.ts";

/**
 * A reply's message_reference (discord.js's message.reply()): the message replied to must exist in
 * the channel, unless fail_if_not_exists is false, when the message is sent as no reply at all.
 */
function replyTo(world: World, channelId: string, json: unknown): Partial<APIMessage> {
  if (!isObject(json) || !isObject(json.message_reference)) return {};
  const reference = json.message_reference;
  const messageId = typeof reference.message_id === "string" ? reference.message_id : undefined;
  const stored = world.requireChannel(channelId);
  const target = messageId ? stored.messages.find((m) => m.id === messageId) : undefined;
  if (!target) {
    if (reference.fail_if_not_exists === false) return {};
    const errors = new FormErrors();
    errors.add(["message_reference"], {
      code: "MESSAGE_REFERENCE_UNKNOWN_MESSAGE",
      message: "Unknown message",
    });
    errors.throwIfAny();
  }
  const guildId = guildOf(stored.channel);
  return {
    type: MessageType.Reply,
    message_reference: {
      type: MessageReferenceType.Default,
      message_id: target!.id,
      channel_id: channelId,
      ...(guildId === null ? {} : { guild_id: guildId }),
    },
    referenced_message: target!,
  };
}

/** A message's nonce (a string or an integer, as Discord takes it) and whether it must be unique. */
function nonceOf(json: unknown): { nonce: string | number | undefined; enforce: boolean } {
  if (!isObject(json)) return { nonce: undefined, enforce: false };
  const nonce = typeof json.nonce === "string" || typeof json.nonce === "number" ? json.nonce : undefined;
  return { nonce, enforce: json.enforce_nonce === true };
}

export function channelRoutes(route: DefineRoute, { world, urls }: RestDeps): void {
  const message = "/channels/:channel_id/messages/:message_id";

  // JSON, or multipart/form-data with payload_json and files[n], as @discordjs/rest sends files.
  route("POST", "/channels/:channel_id/messages", BUCKETS.createMessage, async (c) => {
    const channelId = c.req.param("channel_id")!;
    // The channel is looked up first, so a bad body sent to a missing channel answers 10003.
    world.requireChannel(channelId);
    const body = await readMessageBody(c);
    const { content, ...extra } = parseMessageCreate(body.json, { attachments: body.files.length });
    const { nonce, enforce } = nonceOf(body.json);
    // Discord: with enforce_nonce, a message by the same author with the same nonce in the last
    // few minutes is returned instead of a new one, which is what makes a retried send safe.
    const earlier =
      enforce && nonce !== undefined
        ? world.messageWithNonce(channelId, world.application.bot.id, nonce)
        : null;
    if (earlier) return c.json(earlier);
    const attachments = attachmentsFor(body, channelId, world.ids, urls.cdn);
    const author = world.requireUser(world.application.bot.id);
    const sent = world.createMessage(channelId, author, content, {
      ...extra,
      ...replyTo(world, channelId, body.json),
      attachments,
      ...(nonce === undefined ? {} : { nonce }),
    });
    return c.json(sent);
  });

  route("GET", "/channels/:channel_id", BUCKETS.channel, (c) =>
    c.json(world.requireChannel(c.req.param("channel_id")!).channel),
  );

  // Newest first, as Discord lists them: at most `limit` (1-100, default 50) before, after or
  // around a message id.
  route("GET", "/channels/:channel_id/messages", BUCKETS.getMessages, (c) => {
    const stored = world.requireChannel(c.req.param("channel_id")!);
    return c.json(messagePage(stored.messages, messagesQuery(c.req.query())));
  });

  route("GET", message, BUCKETS.getMessage, (c) =>
    c.json(world.requireMessage(c.req.param("channel_id")!, c.req.param("message_id")!)),
  );

  route("PATCH", message, BUCKETS.editMessage, async (c) => {
    const channelId = c.req.param("channel_id")!;
    const stored = world.requireMessage(channelId, c.req.param("message_id")!);
    // Discord lets a bot edit only its own messages (flags aside, which the emulator does not split out).
    if (stored.author.id !== world.application.bot.id) throw RestErrors.notAuthor();
    const body = await readMessageBody(c);
    const edit = parseMessageEdit(body.json);
    const added = attachmentsFor(body, channelId, world.ids, urls.cdn);
    const keep = isObject(body.json) ? body.json.attachments : undefined;
    return c.json(world.editMessage(channelId, stored.id, (m) => applyMessageEdit(m, edit, added, keep)));
  });

  route("DELETE", message, BUCKETS.deleteMessage, (c) => {
    world.deleteMessage(c.req.param("channel_id")!, c.req.param("message_id")!);
    return c.body(null, 204);
  });
}
