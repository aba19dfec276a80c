import { z } from "zod";
import { DiscordProfile, PresenceStatus } from "./ingest.ts";
import { Snowflake } from "./snowflake.ts";

/**
 * Lanyard's presence object (GET /v1/users/:id, and the `d` of its socket events), so a Lanyard
 * client works against Porchlight by changing only the hostname (shared/reference §6). Lanyard
 * passes Discord's user and activities through as Discord sent them, and so does Porchlight; only
 * `spotify` and the `active_on_discord_*` flags are built. The shaping is
 * durable-objects/payloads/lanyard.ts.
 */

const PRIMARY_GUILD_EXAMPLE = {
  identity_guild_id: "1180000000000000001",
  identity_enabled: true,
  tag: "LNYD",
  badge: "2e3f7f2b0a5c4d6e8f9a0b1c2d3e4f5a",
};

export const LanyardPrimaryGuild = DiscordProfile.shape.primary_guild.unwrap().unwrap().meta({
  id: "LanyardPrimaryGuild",
  description: "The server tag the user chose to display, as Discord sends it.",
  example: PRIMARY_GUILD_EXAMPLE,
});

const DECORATION_EXAMPLE = { asset: "a_d3da36040163ee0f9176dfe7ced45cdc", sku_id: "1144058522808614923" };

export const LanyardAvatarDecoration = DiscordProfile.shape.avatar_decoration_data.unwrap().unwrap().meta({
  id: "LanyardAvatarDecoration",
  description: "The frame around the avatar, as Discord sends it.",
  example: DECORATION_EXAMPLE,
});

const DISCORD_USER_EXAMPLE = {
  id: "94490510688792576",
  username: "phineas",
  avatar: "a_7484f82375f47a487f41650f36d30318",
  discriminator: "0",
  global_name: "Phineas",
  display_name: "Phineas",
  bot: false,
  public_flags: 131584,
  avatar_decoration_data: DECORATION_EXAMPLE,
  primary_guild: PRIMARY_GUILD_EXAMPLE,
  clan: PRIMARY_GUILD_EXAMPLE,
};

export const LanyardDiscordUser = z
  .object({
    id: Snowflake,
    username: z.string(),
    avatar: z.string().nullable(),
    discriminator: z.string(),
    global_name: z.string().nullable(),
    display_name: z.string().nullable().describe("The same as global_name, as Lanyard sends it."),
    bot: z.boolean(),
    public_flags: z.int().min(0),
    avatar_decoration_data: LanyardAvatarDecoration.nullable(),
    primary_guild: LanyardPrimaryGuild.nullable(),
    clan: LanyardPrimaryGuild.nullable().describe(
      "Discord's earlier name for primary_guild, which it still sends and many Lanyard clients read.",
    ),
  })
  .meta({ id: "LanyardDiscordUser", description: "The Discord user.", example: DISCORD_USER_EXAMPLE });

const SPOTIFY_EXAMPLE = {
  track_id: "3kdlVcMVsSkbsUy8eQcBjI",
  song: "Let Go",
  artist: "Ark Patrol; Veronika Redd",
  album: "Let Go",
  album_art_url: "https://i.scdn.co/image/ab67616d0000b27364840995fe43bb2ec73a241d",
  timestamps: { start: 1615529820677, end: 1615530068733 },
};

export const LanyardSpotify = z
  .object({
    track_id: z.string().nullable().describe("Spotify's track id; null for a local file."),
    song: z.string().nullable(),
    artist: z.string().nullable().describe('Artists joined by "; ", as Discord sends them.'),
    album: z.string().nullable(),
    album_art_url: z.url().nullable().describe("Null for a local file."),
    timestamps: z
      .object({ start: z.int().nullable(), end: z.int().nullable() })
      .describe("Milliseconds since the epoch."),
  })
  .meta({
    id: "LanyardSpotify",
    description: "The track the user is listening to.",
    example: SPOTIFY_EXAMPLE,
  });

/**
 * An activity exactly as Discord sent it. Its values are typed `any` rather than `unknown` (as
 * ingest's RawActivity is) because the user's Durable Object returns this payload over RPC, whose
 * types accept only values they can prove serializable, and `unknown` is not one. The JSON Schema
 * is the same either way: an object with any properties.
 */
const PassThroughActivity = z.record(z.string(), z.any());

export const LanyardPresence = z
  .object({
    discord_user: LanyardDiscordUser,
    discord_status: PresenceStatus,
    active_on_discord_desktop: z.boolean(),
    active_on_discord_mobile: z.boolean(),
    active_on_discord_web: z.boolean(),
    active_on_discord_embedded: z.boolean(),
    active_on_discord_vr: z.boolean(),
    listening_to_spotify: z.boolean(),
    spotify: LanyardSpotify.nullable(),
    activities: z.array(PassThroughActivity).describe("Discord's activities, as Discord sent them."),
    kv: z.record(z.string(), z.string()).describe("The user's key-value pairs."),
  })
  .meta({
    id: "LanyardPresence",
    description: "A user's live presence, in Lanyard's format.",
    example: {
      discord_user: DISCORD_USER_EXAMPLE,
      discord_status: "online",
      active_on_discord_desktop: true,
      active_on_discord_mobile: false,
      active_on_discord_web: false,
      active_on_discord_embedded: false,
      active_on_discord_vr: false,
      listening_to_spotify: true,
      spotify: SPOTIFY_EXAMPLE,
      activities: [
        {
          type: 2,
          name: "Spotify",
          id: "spotify:1",
          flags: 48,
          details: "Let Go",
          state: "Ark Patrol; Veronika Redd",
          sync_id: "3kdlVcMVsSkbsUy8eQcBjI",
          session_id: "140ecdfb976bdbf29d4452d492e551c7",
          party: { id: "spotify:94490510688792576" },
          timestamps: { start: 1615529820677, end: 1615530068733 },
          created_at: 1615529838051,
          assets: {
            large_text: "Let Go",
            large_image: "spotify:ab67616d0000b27364840995fe43bb2ec73a241d",
          },
        },
      ],
      kv: { location: "Los Angeles, CA" },
    },
  });
export type LanyardPresence = z.output<typeof LanyardPresence>;
export type LanyardSpotify = z.output<typeof LanyardSpotify>;
