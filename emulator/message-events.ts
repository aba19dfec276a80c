import {
  type APIGuildMember,
  type APIMessage,
  type APIPartialEmoji,
  type APIUser,
  ChannelType,
  GatewayIntentBits,
} from "discord-api-types/v10";

/**
 * MESSAGE_CREATE, MESSAGE_UPDATE, MESSAGE_DELETE and MESSAGE_REACTION_ADD/REMOVE as the gateway
 * sends them. Pure: the world hands in the message, its channel and the member; the gateway picks,
 * per session, the payload with content or the one without.
 */

export interface MessageEvent {
  /** The guild of the channel; null for a DM, which Discord sends on shard 0. */
  guildId: string | null;
  /** GUILD_MESSAGES in a guild, DIRECT_MESSAGES in a DM (the _REACTIONS ones for reactions). */
  intent: GatewayIntentBits;
  d: unknown;
  /** For sessions without MESSAGE_CONTENT; absent when they get `d` as it is. */
  withoutContent?: unknown;
}

export interface MessageContext {
  botId: string;
  channelType: ChannelType;
  guildId: string | null;
  /** The author as a member of the guild (its `user` left out, as Discord does); null in a DM. */
  member: Omit<APIGuildMember, "user" | "deaf" | "mute"> | null;
}

/**
 * Discord, "Message Content Intent": without it an app gets empty content, embeds, attachments,
 * components and poll, except in its own messages, in DMs with it, and in messages that mention it.
 */
export function contentVisibleWithoutIntent(message: APIMessage, context: MessageContext): boolean {
  return (
    message.author.id === context.botId ||
    context.channelType === ChannelType.DM ||
    message.mentions.some((user) => user.id === context.botId) ||
    message.content.includes(`<@${context.botId}>`) ||
    message.content.includes(`<@!${context.botId}>`)
  );
}

function withoutContent(d: APIMessage): APIMessage {
  const { poll: _poll, ...rest } = d;
  return { ...rest, content: "", embeds: [], attachments: [], components: [] };
}

/** MESSAGE_CREATE or MESSAGE_UPDATE (Discord sends the whole message for both). */
export function messageEvent(message: APIMessage, context: MessageContext): MessageEvent {
  // channel_type is what lets a client place a DM it has not cached (discord.js's partial channel).
  const d: APIMessage & { guild_id?: string; member?: unknown; channel_type: ChannelType } = {
    ...message,
    channel_type: context.channelType,
  };
  if (context.guildId !== null) {
    d.guild_id = context.guildId;
    if (context.member) d.member = context.member;
  }
  const event: MessageEvent = {
    guildId: context.guildId,
    intent: intentFor(context.guildId, "messages"),
    d,
  };
  if (!contentVisibleWithoutIntent(message, context)) event.withoutContent = withoutContent(d);
  return event;
}

export function messageDeleteEvent(
  messageId: string,
  channelId: string,
  guildId: string | null,
): MessageEvent {
  return {
    guildId,
    intent: intentFor(guildId, "messages"),
    d: { id: messageId, channel_id: channelId, ...(guildId === null ? {} : { guild_id: guildId }) },
  };
}

/** The intent a message event (or a reaction event) needs: the guild's one, or the DM's. */
function intentFor(guildId: string | null, of: "messages" | "reactions"): GatewayIntentBits {
  if (of === "reactions")
    return guildId === null
      ? GatewayIntentBits.DirectMessageReactions
      : GatewayIntentBits.GuildMessageReactions;
  return guildId === null ? GatewayIntentBits.DirectMessages : GatewayIntentBits.GuildMessages;
}

/**
 * MESSAGE_REACTION_ADD or _REMOVE: who reacted with what on which message; an add also carries the
 * member (in a guild) and the message's author. No content, so MESSAGE_CONTENT plays no part.
 */
export function reactionEvent(
  message: APIMessage,
  emoji: APIPartialEmoji,
  user: APIUser,
  added: boolean,
  context: Pick<MessageContext, "guildId" | "member">,
): MessageEvent {
  const { guildId } = context;
  const d: Record<string, unknown> = {
    user_id: user.id,
    channel_id: message.channel_id,
    message_id: message.id,
    ...(guildId === null ? {} : { guild_id: guildId }),
    emoji,
    burst: false,
    type: 0,
  };
  if (added) {
    // Unlike a message's, a reaction's member carries its user: the event has no author.
    if (guildId !== null && context.member) d.member = { ...context.member, user };
    d.message_author_id = message.author.id;
  }
  return {
    guildId,
    intent: intentFor(guildId, "reactions"),
    d,
  };
}
