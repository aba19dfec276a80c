import {
  type APIGuildMember,
  type GatewayGuildCreateDispatchData,
  GatewayIntentBits,
  type GatewayPresenceUpdate,
  type GatewayReadyDispatchData,
  GuildDefaultMessageNotifications,
  GuildExplicitContentFilter,
  GuildMFALevel,
  GuildNSFWLevel,
  GuildPremiumTier,
  type GuildSystemChannelFlags,
  GuildVerificationLevel,
  Locale,
} from "discord-api-types/v10";
import { shardForGuild } from "../snowflake.ts";
import type { EmulatedGuild, World } from "../world.ts";

/** READY and GUILD_CREATE, built from the world for one session. Pure: no sockets, no clocks. */

export interface SessionView {
  sessionId: string;
  shardId: number;
  shardCount: number;
  /** READY carries `shard` only when IDENTIFY sent one. */
  shardGiven: boolean;
  intents: number;
  largeThreshold: number;
  resumeGatewayUrl: string;
}

export function guildsOfShard(world: World, shardId: number, shardCount: number): EmulatedGuild[] {
  return [...world.guilds.values()].filter((guild) => shardForGuild(guild.id, shardCount) === shardId);
}

export function readyPayload(
  world: World,
  view: SessionView,
  guilds: EmulatedGuild[],
): GatewayReadyDispatchData {
  const { application } = world;
  return {
    v: 10,
    user: { ...application.bot, verified: true, mfa_enabled: false },
    guilds: guilds.map((guild) => ({ id: guild.id, unavailable: true })),
    session_id: view.sessionId,
    resume_gateway_url: view.resumeGatewayUrl,
    ...(view.shardGiven ? { shard: [view.shardId, view.shardCount] as [number, number] } : {}),
    // Discord's READY carries only these two; discord-api-types also lists flags_new.
    application: { id: application.id, flags: application.flags } as GatewayReadyDispatchData["application"],
  };
}

/**
 * Which members GUILD_CREATE lists (Discord, "Guild Create"): without GUILD_PRESENCES only the bot
 * itself; above large_threshold only the bot and members who are online, have a role or a nickname;
 * at or below it everyone. Presences are never sent without GUILD_PRESENCES, and never offline ones.
 */
export function guildCreateMemberIds(guild: EmulatedGuild, botId: string, view: SessionView): string[] {
  if ((view.intents & GatewayIntentBits.GuildPresences) === 0) return guild.members.has(botId) ? [botId] : [];
  if (guild.members.size <= view.largeThreshold) return [...guild.members.keys()];
  const ids: string[] = [];
  for (const [id, member] of guild.members) {
    if (id === botId || guild.presences.has(id) || member.roles.length > 0 || member.nick) ids.push(id);
  }
  return ids;
}

export function guildCreatePayload(
  world: World,
  guild: EmulatedGuild,
  view: SessionView,
): GatewayGuildCreateDispatchData {
  const botId = world.application.bot.id;
  const withPresences = (view.intents & GatewayIntentBits.GuildPresences) !== 0;
  const members: APIGuildMember[] = guildCreateMemberIds(guild, botId, view).map((id) =>
    world.memberPayload(guild, id),
  );
  const presences: GatewayPresenceUpdate[] = withPresences
    ? [...guild.presences.keys()].map((id) => world.presencePayload(guild, id))
    : [];
  // Discord leaves guild_id out of the channels inside GUILD_CREATE: the guild is implied.
  const channels = guild.channelIds.flatMap((id) => {
    const stored = world.channels.get(id);
    if (!stored) return [];
    const { guild_id: _implied, ...channel } = stored.channel as typeof stored.channel & {
      guild_id?: string;
    };
    return [channel];
  }) as GatewayGuildCreateDispatchData["channels"];
  return {
    ...guildProfile(guild),
    joined_at: guild.members.get(botId)?.joined_at ?? new Date(0).toISOString(),
    large: guild.members.size > view.largeThreshold,
    unavailable: false,
    member_count: guild.members.size,
    voice_states: [],
    members,
    channels,
    threads: [],
    presences,
    stage_instances: [],
    guild_scheduled_events: [],
    soundboard_sounds: [],
  };
}

/** The guild object itself, with Discord's defaults for everything the emulator does not model. */
export function guildProfile(guild: EmulatedGuild) {
  return {
    id: guild.id,
    name: guild.name,
    icon: guild.icon,
    splash: null,
    discovery_splash: null,
    owner_id: guild.ownerId,
    region: "",
    afk_channel_id: null,
    afk_timeout: 300 as const,
    widget_enabled: false,
    widget_channel_id: null,
    verification_level: GuildVerificationLevel.None,
    default_message_notifications: GuildDefaultMessageNotifications.OnlyMentions,
    explicit_content_filter: GuildExplicitContentFilter.Disabled,
    roles: guild.roles,
    emojis: [],
    stickers: [],
    features: [],
    mfa_level: GuildMFALevel.None,
    application_id: null,
    system_channel_id: guild.channelIds[0] ?? null,
    system_channel_flags: 0 as GuildSystemChannelFlags,
    rules_channel_id: null,
    max_presences: null,
    max_members: 500_000,
    vanity_url_code: null,
    description: null,
    banner: null,
    premium_tier: GuildPremiumTier.None,
    premium_subscription_count: 0,
    preferred_locale: Locale.EnglishUS,
    public_updates_channel_id: null,
    max_video_channel_users: 25,
    max_stage_video_channel_users: 50,
    nsfw_level: GuildNSFWLevel.Default,
    premium_progress_bar_enabled: false,
    safety_alerts_channel_id: null,
    hub_type: null,
    incidents_data: null,
  };
}
