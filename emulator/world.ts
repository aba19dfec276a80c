import { EventEmitter } from "node:events";
import {
  type APIApplicationCommand,
  type APIChannel,
  type APIGuildMember,
  type APIMessage,
  type APIPartialEmoji,
  type APIRole,
  type APIUser,
  ApplicationFlags,
  ChannelType,
  type GatewayActivity,
  GatewayDispatchEvents,
  GatewayIntentBits,
  type GatewayPresenceUpdate,
  type GuildMemberFlags,
  type RoleFlags,
  type UserFlags,
} from "discord-api-types/v10";
import { BotActionLog } from "./bot-actions.ts";
import type { ApplicationCredentials } from "./credentials.ts";
import { InteractionStore } from "./interaction-store.ts";
import {
  type MessageContext,
  type MessageEvent,
  messageDeleteEvent,
  messageEvent,
  reactionEvent,
} from "./message-events.ts";
import { MessageReactions } from "./reactions.ts";
import { SnowflakeGenerator } from "./snowflake.ts";

/**
 * The emulator's "Discord database": users, guilds, members, presences, channels and the one bot
 * application. Every mutation that Discord would announce on the gateway is emitted as a
 * `dispatch` event naming the guild and the intent a session needs; the gateway routes it to the
 * right shards. REST, the control API and the simulator all change the world through these methods,
 * so the gateway never misses a change.
 */

export interface GuildDispatch {
  /** The guild whose shard hears it; null for a DM's message events, which Discord sends on shard 0. */
  guildId: string | null;
  t: GatewayDispatchEvents;
  d: unknown;
  /** The intent a session needs to receive this event; null means every session gets it. */
  intent: GatewayIntentBits | null;
  /** What a session without MESSAGE_CONTENT gets instead of `d`; absent when it gets `d`. */
  withoutContent?: unknown;
}

export interface WorldEvents {
  dispatch: [GuildDispatch];
}

export interface EmulatedApplication extends ApplicationCredentials {
  id: string;
  name: string;
  bot: APIUser;
  flags: number;
  /** Where Discord would POST interactions; null until configured. */
  interactionsEndpointUrl: string | null;
  /** False once the token has been "reset": every REST request carrying it then answers 401. */
  botTokenValid: boolean;
  globalCommands: APIApplicationCommand[];
  guildCommands: Map<string, APIApplicationCommand[]>;
}

/** A member as stored: the user is referenced by id, so a profile change shows in every guild. */
export type StoredMember = Omit<APIGuildMember, "user"> & { userId: string };

/** The statuses a presence carries on the gateway ("invisible" is shown to others as offline). */
export type PresenceStatus = "online" | "idle" | "dnd" | "offline";

/** A presence as stored; offline users have none. */
export interface StoredPresence {
  status: PresenceStatus;
  activities: GatewayActivity[];
  client_status: Partial<Record<"desktop" | "mobile" | "web" | "embedded" | "vr", PresenceStatus>>;
}

export interface EmulatedGuild {
  id: string;
  name: string;
  icon: string | null;
  ownerId: string;
  roles: APIRole[];
  channelIds: string[];
  members: Map<string, StoredMember>;
  presences: Map<string, StoredPresence>;
}

export interface EmulatedChannel {
  channel: APIChannel;
  messages: APIMessage[];
}

/** How long enforce_nonce remembers a nonce; Discord says "the past few minutes". */
export const NONCE_WINDOW_MS = 5 * 60_000;

/** Messages kept per channel; older ones are dropped, as a test never needs a long history. */
export const MESSAGES_KEPT_PER_CHANNEL = 100;

export interface PresenceInput {
  user: { id: string };
  status: PresenceStatus;
  activities?: GatewayActivity[];
  client_status?: StoredPresence["client_status"];
}

export interface MemberPatch {
  nick?: string | null;
  roles?: string[];
  user?: Partial<Omit<APIUser, "id">>;
}

export class WorldError extends Error {
  readonly status: number;
  readonly code: number;
  constructor(status: number, code: number, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** Discord's JSON error codes the emulator uses. */
export const DiscordErrorCodes = {
  UnknownApplication: 10002,
  UnknownChannel: 10003,
  UnknownGuild: 10004,
  UnknownMember: 10007,
  UnknownMessage: 10008,
  UnknownRole: 10011,
  UnknownUser: 10013,
  CannotSendEmptyMessage: 50006,
  InvalidFormBody: 50035,
} as const;

export class World extends EventEmitter<WorldEvents> {
  readonly ids = new SnowflakeGenerator();
  readonly users = new Map<string, APIUser>();
  readonly guilds = new Map<string, EmulatedGuild>();
  readonly channels = new Map<string, EmulatedChannel>();
  readonly application: EmulatedApplication;
  /** Interactions delivered to the application, for the callback and webhook routes. */
  readonly interactions = new InteractionStore();
  /** DM channel id by recipient user id. */
  readonly #dmChannels = new Map<string, string>();
  /** Reactions by message id; a message without any has no entry. */
  readonly #reactions = new Map<string, MessageReactions>();
  /** What the bot did through REST, in order (the control API's GET /bot/actions). */
  readonly botActions = new BotActionLog();

  constructor(app: { id: string; name: string; botUsername: string; credentials: ApplicationCredentials }) {
    super();
    const bot: APIUser = {
      id: app.id,
      username: app.botUsername,
      discriminator: "0",
      global_name: null,
      avatar: null,
      bot: true,
      public_flags: 0 as UserFlags,
      flags: 0 as UserFlags,
    };
    this.users.set(bot.id, bot);
    this.application = {
      ...app.credentials,
      id: app.id,
      name: app.name,
      bot,
      // Both privileged intents are switched on in the emulated developer portal by default.
      flags: ApplicationFlags.GatewayPresence | ApplicationFlags.GatewayGuildMembers,
      interactionsEndpointUrl: null,
      botTokenValid: true,
      globalCommands: [],
      guildCommands: new Map(),
    };
  }

  // ---- users ----

  createUser(fields: Partial<APIUser> & { username: string }): APIUser {
    const user: APIUser = {
      id: fields.id ?? this.ids.next(),
      discriminator: "0",
      global_name: null,
      avatar: null,
      public_flags: 0 as UserFlags,
      ...fields,
    };
    this.users.set(user.id, user);
    return user;
  }

  requireUser(id: string): APIUser {
    const user = this.users.get(id);
    if (!user) throw new WorldError(404, DiscordErrorCodes.UnknownUser, "Unknown User");
    return user;
  }

  /** Changes a user's profile; every guild they are in hears GUILD_MEMBER_UPDATE. */
  updateUser(id: string, patch: Partial<Omit<APIUser, "id">>): APIUser {
    const user = { ...this.requireUser(id), ...patch, id };
    this.users.set(id, user);
    for (const guild of this.guilds.values()) {
      if (guild.members.has(id)) this.#emitMemberUpdate(guild, id);
    }
    return user;
  }

  // ---- guilds and members ----

  createGuild(fields: {
    id?: string;
    name: string;
    ownerId?: string;
    channelNames?: string[];
  }): EmulatedGuild {
    const id = fields.id ?? this.ids.next();
    const everyone: APIRole = {
      id,
      name: "@everyone",
      color: 0,
      colors: { primary_color: 0, secondary_color: null, tertiary_color: null },
      hoist: false,
      icon: null,
      unicode_emoji: null,
      position: 0,
      permissions: "2248473465835073",
      managed: false,
      mentionable: false,
      flags: 0 as RoleFlags,
    };
    const guild: EmulatedGuild = {
      id,
      name: fields.name,
      icon: null,
      ownerId: fields.ownerId ?? this.application.bot.id,
      roles: [everyone],
      channelIds: [],
      members: new Map(),
      presences: new Map(),
    };
    this.guilds.set(id, guild);
    for (const [position, name] of (fields.channelNames ?? ["general"]).entries()) {
      const channelId = this.ids.next();
      this.channels.set(channelId, {
        channel: {
          id: channelId,
          type: ChannelType.GuildText,
          guild_id: id,
          name,
          position,
          permission_overwrites: [],
          parent_id: null,
          topic: null,
          nsfw: false,
          last_message_id: null,
          rate_limit_per_user: 0,
        },
        messages: [],
      });
      guild.channelIds.push(channelId);
    }
    // The bot is always a member of the guilds it sees.
    guild.members.set(this.application.bot.id, this.#newMember(this.application.bot.id, new Date()));
    return guild;
  }

  requireGuild(id: string): EmulatedGuild {
    const guild = this.guilds.get(id);
    if (!guild) throw new WorldError(404, DiscordErrorCodes.UnknownGuild, "Unknown Guild");
    return guild;
  }

  requireMember(guild: EmulatedGuild, userId: string): StoredMember {
    const member = guild.members.get(userId);
    if (!member) throw new WorldError(404, DiscordErrorCodes.UnknownMember, "Unknown Member");
    return member;
  }

  requireRole(guild: EmulatedGuild, roleId: string): APIRole {
    const role = guild.roles.find((r) => r.id === roleId);
    if (!role) throw new WorldError(404, DiscordErrorCodes.UnknownRole, "Unknown Role");
    return role;
  }

  /** A new role at the top of the guild's list; the gateway hears GUILD_ROLE_CREATE. */
  createRole(guildId: string, fields: { name: string; color?: number }): APIRole {
    const guild = this.requireGuild(guildId);
    const color = fields.color ?? 0;
    const role: APIRole = {
      ...guild.roles[0]!,
      id: this.ids.next(),
      name: fields.name,
      color,
      colors: { primary_color: color, secondary_color: null, tertiary_color: null },
      position: guild.roles.length,
      permissions: "0",
    };
    guild.roles.push(role);
    this.#emit(guild, GatewayDispatchEvents.GuildRoleCreate, GatewayIntentBits.Guilds, {
      guild_id: guild.id,
      role,
    });
    return role;
  }

  /** Gives a member a role or takes it away; GUILD_MEMBER_UPDATE when that changed anything. */
  setMemberRole(guildId: string, userId: string, roleId: string, has: boolean): void {
    const guild = this.requireGuild(guildId);
    const member = this.requireMember(guild, userId);
    this.requireRole(guild, roleId);
    if (member.roles.includes(roleId) === has) return;
    const roles = has ? [...member.roles, roleId] : member.roles.filter((id) => id !== roleId);
    this.updateMember(guildId, userId, { roles });
  }

  /** Adds a member; returns false (and announces nothing) when the user was already one. */
  addMember(guildId: string, userId: string, joinedAt = new Date()): boolean {
    const guild = this.requireGuild(guildId);
    this.requireUser(userId);
    if (guild.members.has(userId)) return false;
    guild.members.set(userId, this.#newMember(userId, joinedAt));
    this.#emit(guild, GatewayDispatchEvents.GuildMemberAdd, GatewayIntentBits.GuildMembers, {
      ...this.memberPayload(guild, userId),
      guild_id: guild.id,
    });
    return true;
  }

  updateMember(guildId: string, userId: string, patch: MemberPatch): APIGuildMember {
    const guild = this.requireGuild(guildId);
    const member = this.requireMember(guild, userId);
    if (patch.nick !== undefined) member.nick = patch.nick;
    if (patch.roles !== undefined) member.roles = patch.roles;
    if (patch.user) {
      // A profile change is announced in every guild the user shares with the bot.
      this.updateUser(userId, patch.user);
    } else {
      this.#emitMemberUpdate(guild, userId);
    }
    return this.memberPayload(guild, userId);
  }

  removeMember(guildId: string, userId: string): void {
    const guild = this.requireGuild(guildId);
    this.requireMember(guild, userId);
    guild.members.delete(userId);
    guild.presences.delete(userId);
    this.#emit(guild, GatewayDispatchEvents.GuildMemberRemove, GatewayIntentBits.GuildMembers, {
      guild_id: guild.id,
      user: this.requireUser(userId),
    });
  }

  /** Records a presence and announces it; an offline user keeps no presence, as on Discord. */
  setPresence(guildId: string, input: PresenceInput): GatewayPresenceUpdate {
    const guild = this.requireGuild(guildId);
    this.requireMember(guild, input.user.id);
    // Discord announces an offline user with no activities and no platforms, whatever they had.
    const offline = input.status === "offline";
    const stored: StoredPresence = {
      status: input.status,
      activities: offline ? [] : (input.activities ?? []),
      client_status: offline ? {} : (input.client_status ?? {}),
    };
    if (stored.status === "offline") guild.presences.delete(input.user.id);
    else guild.presences.set(input.user.id, stored);
    const payload = presencePayload(guild.id, input.user.id, stored);
    this.#emit(guild, GatewayDispatchEvents.PresenceUpdate, GatewayIntentBits.GuildPresences, payload);
    return payload;
  }

  memberPayload(guild: EmulatedGuild, userId: string): APIGuildMember {
    const { userId: _id, ...member } = this.requireMember(guild, userId);
    return { ...member, user: this.requireUser(userId) };
  }

  /** The presence Discord would send for a member: offline with no activities when none is stored. */
  presencePayload(guild: EmulatedGuild, userId: string): GatewayPresenceUpdate {
    return presencePayload(
      guild.id,
      userId,
      guild.presences.get(userId) ?? {
        status: "offline",
        activities: [],
        client_status: {},
      },
    );
  }

  // ---- channels and messages ----

  requireChannel(id: string): EmulatedChannel {
    const channel = this.channels.get(id);
    if (!channel) throw new WorldError(404, DiscordErrorCodes.UnknownChannel, "Unknown Channel");
    return channel;
  }

  openDm(recipientId: string): APIChannel {
    const recipient = this.requireUser(recipientId);
    const existing = this.#dmChannels.get(recipientId);
    if (existing) return this.requireChannel(existing).channel;
    const id = this.ids.next();
    const channel: APIChannel = {
      id,
      type: ChannelType.DM,
      name: null,
      last_message_id: null,
      recipients: [recipient],
    };
    this.channels.set(id, { channel, messages: [] });
    this.#dmChannels.set(recipientId, id);
    return channel;
  }

  createMessage(
    channelId: string,
    author: APIUser,
    content: string,
    extra: Partial<APIMessage> = {},
  ): APIMessage {
    const stored = this.requireChannel(channelId);
    const message = messagePayload(this.ids.next(), channelId, author, content, extra);
    stored.messages.push(message);
    if ("last_message_id" in stored.channel) stored.channel.last_message_id = message.id;
    if (stored.messages.length > MESSAGES_KEPT_PER_CHANNEL) {
      const dropped = stored.messages.shift();
      if (dropped) this.#reactions.delete(dropped.id);
    }
    this.#emitMessage(
      GatewayDispatchEvents.MessageCreate,
      messageEvent(message, this.#messageContext(stored, message.author.id)),
    );
    if (author.id === this.application.bot.id)
      this.botActions.record({
        kind: "message_create",
        channel_id: channelId,
        message_id: message.id,
        content,
      });
    return message;
  }

  /** Changes a stored message with `edit` (which may refuse by throwing); the gateway hears MESSAGE_UPDATE. */
  editMessage(channelId: string, messageId: string, edit: (message: APIMessage) => void): APIMessage {
    const stored = this.requireChannel(channelId);
    const message = this.requireMessage(channelId, messageId);
    edit(message);
    if (message.author.id === this.application.bot.id)
      this.botActions.record({
        kind: "message_update",
        channel_id: channelId,
        message_id: messageId,
        content: message.content,
      });
    this.#emitMessage(
      GatewayDispatchEvents.MessageUpdate,
      messageEvent(message, this.#messageContext(stored, message.author.id)),
    );
    return message;
  }

  /** The author's message with this nonce in the channel within NONCE_WINDOW_MS, or null. */
  messageWithNonce(
    channelId: string,
    authorId: string,
    nonce: string | number,
    now = Date.now(),
  ): APIMessage | null {
    const messages = this.requireChannel(channelId).messages;
    for (let i = messages.length - 1; i >= 0; i--) {
      const m = messages[i]!;
      if (now - Date.parse(m.timestamp) > NONCE_WINDOW_MS) break;
      if (m.author.id === authorId && m.nonce === nonce) return m;
    }
    return null;
  }

  /** DM channels opened so far, with their recipient. */
  dmChannels(): Array<{ recipientId: string; channel: EmulatedChannel }> {
    return [...this.#dmChannels].map(([recipientId, id]) => ({
      recipientId,
      channel: this.requireChannel(id),
    }));
  }

  requireMessage(channelId: string, messageId: string): APIMessage {
    const message = this.requireChannel(channelId).messages.find((m) => m.id === messageId);
    if (!message) throw new WorldError(404, DiscordErrorCodes.UnknownMessage, "Unknown Message");
    return message;
  }

  deleteMessage(channelId: string, messageId: string): void {
    const stored = this.requireChannel(channelId);
    const index = stored.messages.findIndex((m) => m.id === messageId);
    if (index < 0) throw new WorldError(404, DiscordErrorCodes.UnknownMessage, "Unknown Message");
    stored.messages.splice(index, 1);
    this.#reactions.delete(messageId);
    // Only the bot deletes (through REST): users' deletes are not modelled.
    this.botActions.record({ kind: "message_delete", channel_id: channelId, message_id: messageId });
    this.#emitMessage(
      GatewayDispatchEvents.MessageDelete,
      messageDeleteEvent(messageId, channelId, guildOf(stored.channel)),
    );
  }

  /**
   * INTERACTION_CREATE, for an application with no interactions endpoint: no intent needed; a
   * guild's on its shard, a DM's on shard 0.
   */
  announceInteraction(interaction: Record<string, unknown>): void {
    const guildId = typeof interaction.guild_id === "string" ? interaction.guild_id : null;
    this.emit("dispatch", {
      guildId,
      t: GatewayDispatchEvents.InteractionCreate,
      d: interaction,
      intent: null,
    });
  }

  /** The message's reactions, to read; changes go through react(). */
  reactionsOf(channelId: string, messageId: string): MessageReactions {
    this.requireMessage(channelId, messageId);
    return this.#reactions.get(messageId) ?? new MessageReactions();
  }

  /**
   * Changes one user's reaction and keeps the message's `reactions` summary in step, as the bot
   * sees it (`me`). Returns whether anything changed.
   */
  react(channelId: string, messageId: string, emoji: APIPartialEmoji, userId: string, on: boolean): boolean {
    const message = this.requireMessage(channelId, messageId);
    const reactions = this.#reactions.get(messageId) ?? new MessageReactions();
    const changed = on ? reactions.add(emoji, userId) : reactions.remove(emoji, userId);
    if (reactions.size === 0) {
      this.#reactions.delete(messageId);
      delete message.reactions;
    } else {
      this.#reactions.set(messageId, reactions);
      message.reactions = reactions.summary(this.application.bot.id);
    }
    if (changed) {
      if (userId === this.application.bot.id)
        this.botActions.record({
          kind: on ? "reaction_add" : "reaction_remove",
          channel_id: channelId,
          message_id: messageId,
          emoji: emoji.id ? `${emoji.name}:${emoji.id}` : (emoji.name ?? ""),
        });
      const context = this.#messageContext(this.requireChannel(channelId), userId);
      this.#emitMessage(
        on ? GatewayDispatchEvents.MessageReactionAdd : GatewayDispatchEvents.MessageReactionRemove,
        reactionEvent(message, emoji, this.requireUser(userId), on, context),
      );
    }
    return changed;
  }

  // ---- internals ----

  #newMember(userId: string, joinedAt: Date): StoredMember {
    return {
      userId,
      nick: null,
      avatar: null,
      banner: null,
      roles: [],
      joined_at: joinedAt.toISOString(),
      premium_since: null,
      deaf: false,
      mute: false,
      flags: 0 as GuildMemberFlags,
      pending: false,
      communication_disabled_until: null,
    };
  }

  #emitMemberUpdate(guild: EmulatedGuild, userId: string): void {
    const { deaf: _deaf, mute: _mute, ...member } = this.memberPayload(guild, userId);
    // The bot hears its own member updates even without GUILD_MEMBERS.
    const intent = userId === this.application.bot.id ? null : GatewayIntentBits.GuildMembers;
    this.#emit(guild, GatewayDispatchEvents.GuildMemberUpdate, intent, { ...member, guild_id: guild.id });
  }

  #emit(guild: EmulatedGuild, t: GatewayDispatchEvents, intent: GatewayIntentBits | null, d: unknown): void {
    this.emit("dispatch", { guildId: guild.id, t, d, intent });
  }

  #emitMessage(t: GatewayDispatchEvents, event: MessageEvent): void {
    this.emit("dispatch", { t, ...event });
  }

  /** The channel's guild and `userId` as its member (the author, or who reacted). */
  #messageContext(stored: EmulatedChannel, userId: string): MessageContext {
    const guildId = guildOf(stored.channel);
    const guild = guildId === null ? undefined : this.guilds.get(guildId);
    let member: MessageContext["member"] = null;
    if (guild?.members.has(userId)) {
      const { user: _user, deaf: _deaf, mute: _mute, ...rest } = this.memberPayload(guild, userId);
      member = rest;
    }
    return { botId: this.application.bot.id, channelType: stored.channel.type, guildId, member };
  }
}

/** The guild a channel belongs to; null for a DM. */
export function guildOf(channel: APIChannel): string | null {
  return "guild_id" in channel && typeof channel.guild_id === "string" ? channel.guild_id : null;
}

/** A message as Discord returns it, with every field a client may read. */
export function messagePayload(
  id: string,
  channelId: string,
  author: APIUser,
  content: string,
  extra: Partial<APIMessage> = {},
): APIMessage {
  return {
    id,
    channel_id: channelId,
    author,
    content,
    timestamp: new Date().toISOString(),
    edited_timestamp: null,
    tts: false,
    mention_everyone: false,
    mentions: [],
    mention_roles: [],
    attachments: [],
    embeds: [],
    pinned: false,
    type: 0,
    ...extra,
  };
}

export function presencePayload(
  guildId: string,
  userId: string,
  stored: StoredPresence,
): GatewayPresenceUpdate {
  return {
    user: { id: userId },
    guild_id: guildId,
    status: stored.status,
    activities: stored.activities,
    client_status: stored.client_status,
  } as GatewayPresenceUpdate;
}
