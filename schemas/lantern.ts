import { z } from "zod";
import { PresenceStatus } from "./ingest.ts";
import { Snowflake } from "./snowflake.ts";

/**
 * Lantern's user object (GET /api/v1/users/:id, and the `d` of its socket events), field for field
 * as Lantern's README documents it, without Lantern's bugs (shared/reference §5):
 * - `status` is always present, "offline" for a user with no presence (bug 7);
 * - an activity with timestamps but no start still shapes (bug 8);
 * - playback times count seconds ("3:07", "1:02:05"), never wrapping hourly (bug 9);
 * - every flag bit has a name or is skipped, never an error (bug 13).
 * Additions a Lantern client ignores: `embedded` and `vr` platforms, an activity's `id` and `url`,
 * an emoji's `image_url`. The shaping is durable-objects/payloads/lantern.ts.
 */

const TIME_EXAMPLE = { unix: 1615529820, raw: "2021-03-12T06:17:00.677Z" };

export const LanternTime = z
  .object({
    unix: z.int().min(0).describe("Unix time in seconds, as Lantern's documentation shows."),
    raw: z.iso.datetime().describe("The same instant in ISO 8601, to the millisecond."),
  })
  .meta({ id: "LanternTime", description: "An instant, in two notations.", example: TIME_EXAMPLE });
export type LanternTime = z.output<typeof LanternTime>;

const FLAGS_EXAMPLE = { human_readable: ["HypeSquadOnlineHouse1", "ActiveDeveloper"], bitfield: 4194368 };

export const LanternFlags = z
  .object({
    human_readable: z
      .array(z.string())
      .describe("Names of the set bits, as discord.js names them; a bit with no name yet is left out."),
    bitfield: z.int().min(0).describe("Discord's public_flags, every bit kept."),
  })
  .meta({ id: "LanternFlags", description: "The user's public flags (badges).", example: FLAGS_EXAMPLE });

const METADATA_EXAMPLE = {
  id: "94490510688792576",
  username: "phineas",
  discriminator: "0",
  global_name: "Phineas",
  avatar: "a_7484f82375f47a487f41650f36d30318",
  avatar_url: "https://cdn.discordapp.com/avatars/94490510688792576/a_7484f82375f47a487f41650f36d30318.gif",
  display_avatar_url:
    "https://cdn.discordapp.com/avatars/94490510688792576/a_7484f82375f47a487f41650f36d30318.gif",
  bot: false,
  flags: FLAGS_EXAMPLE,
  monitoring_since: { unix: 1704153600, raw: "2024-01-02T00:00:00.000Z" },
};

export const LanternMetadata = z
  .object({
    id: Snowflake,
    username: z.string(),
    discriminator: z.string().describe('"0" for users on Discord\'s new usernames; bots keep four digits.'),
    global_name: z.string().nullable(),
    avatar: z.string().nullable().describe('Avatar hash; "a_" marks an animated one.'),
    avatar_url: z.url().nullable().describe("The uploaded avatar (.gif when animated), null without one."),
    display_avatar_url: z.url().describe("The uploaded avatar, else Discord's default avatar for the user."),
    bot: z.boolean(),
    flags: LanternFlags,
    monitoring_since: LanternTime.nullable().describe("When the user joined the monitored server."),
  })
  .meta({ id: "LanternMetadata", description: "Who the user is.", example: METADATA_EXAMPLE });

const SPOTIFY_EXAMPLE = {
  track_id: "3kdlVcMVsSkbsUy8eQcBjI",
  song: "Let Go",
  artist: ["Ark Patrol", "Veronika Redd"],
  album: "Let Go",
  album_cover: "https://i.scdn.co/image/ab67616d0000b27364840995fe43bb2ec73a241d",
  start_time: TIME_EXAMPLE,
  end_time: { unix: 1615530068, raw: "2021-03-12T06:21:08.733Z" },
  time: { current_human_readable: "1:23", end_human_readable: "4:08" },
};

export const LanternSpotify = z
  .object({
    track_id: z.string().nullable().describe("Spotify's track id; null for a local file."),
    song: z.string().nullable(),
    artist: z
      .union([z.string(), z.array(z.string())])
      .nullable()
      .describe("One artist as a string, several as an array (Lantern's documented behaviour)."),
    album: z.string().nullable(),
    album_cover: z.url().nullable().describe("Album art; null for a local file."),
    start_time: LanternTime.nullable(),
    end_time: LanternTime.nullable(),
    time: z.object({
      current_human_readable: z
        .string()
        .nullable()
        .describe('Position in the track when read: "m:ss", "h:mm:ss" past an hour.'),
      end_human_readable: z.string().nullable().describe("Length of the track, in the same notation."),
    }),
  })
  .meta({
    id: "LanternSpotify",
    description: "The track the user is listening to.",
    example: SPOTIFY_EXAMPLE,
  });
export type LanternSpotify = z.output<typeof LanternSpotify>;

const PLATFORMS_EXAMPLE = {
  desktop: "online",
  mobile: "offline",
  web: "offline",
  embedded: "offline",
  vr: "offline",
  spotify: SPOTIFY_EXAMPLE,
};

export const LanternActivePlatforms = z
  .object({
    desktop: PresenceStatus,
    mobile: PresenceStatus,
    web: PresenceStatus,
    embedded: PresenceStatus.describe("A console or embedded client (not in Lantern)."),
    vr: PresenceStatus.describe("A VR client (not in Lantern)."),
    spotify: LanternSpotify.nullable(),
  })
  .meta({
    id: "LanternActivePlatforms",
    description:
      'The user\'s status on each Discord client, as Discord reports it; "offline" where not signed in.',
    example: PLATFORMS_EXAMPLE,
  });

const EMOJI_EXAMPLE = {
  name: "blobcatcozy",
  id: "851864214427156490",
  animated: true,
  image_url: "https://cdn.discordapp.com/emojis/851864214427156490.gif",
};

export const LanternEmoji = z
  .object({
    name: z.string().nullable().describe("The unicode emoji itself, or a custom emoji's name."),
    id: Snowflake.nullable().describe("A custom emoji's id; null for unicode."),
    animated: z.boolean(),
    image_url: z.url().nullable().describe("A custom emoji's image; null for unicode."),
  })
  .meta({ id: "LanternEmoji", description: "The emoji of a custom status.", example: EMOJI_EXAMPLE });

const CUSTOM_STATUS_EXAMPLE = {
  name: "Custom Status",
  type: 4 as const,
  emoji: EMOJI_EXAMPLE,
  text: "cozy",
  start_time: TIME_EXAMPLE,
  end_time: null,
};

export const LanternCustomStatus = z
  .object({
    name: z.string(),
    type: z.literal(4),
    emoji: LanternEmoji.nullable(),
    text: z.string().nullable(),
    start_time: LanternTime.nullable().describe("When the status was set."),
    end_time: LanternTime.nullable().describe("When it clears, if it does."),
  })
  .meta({
    id: "LanternCustomStatus",
    description: "A custom status (type 4).",
    example: CUSTOM_STATUS_EXAMPLE,
  });

const ASSET_EXAMPLE = {
  hash: "565945077491433494",
  image_url: "https://cdn.discordapp.com/app-assets/383226320970055681/565945077491433494.png",
  text: "Editing a MARKDOWN file",
};

export const LanternAssetImage = z
  .object({
    hash: z.string().nullable().describe('The asset as Discord sent it: an id, "mp:…" or "spotify:…".'),
    image_url: z.url().nullable().describe("Its image; null for asset kinds with no known image URL."),
    text: z.string().nullable().describe("Hover text."),
  })
  .meta({ id: "LanternAssetImage", description: "One activity image.", example: ASSET_EXAMPLE });

const ASSETS_EXAMPLE = {
  large_image: ASSET_EXAMPLE,
  small_image: {
    hash: "565945770067623946",
    image_url: "https://cdn.discordapp.com/app-assets/383226320970055681/565945770067623946.png",
    text: "Visual Studio Code",
  },
};

export const LanternAssets = z
  .object({ large_image: LanternAssetImage, small_image: LanternAssetImage })
  .meta({ id: "LanternAssets", description: "An activity's images.", example: ASSETS_EXAMPLE });

const TIMESTAMPS_EXAMPLE = {
  start_time: { unix: 1615438153, raw: "2021-03-11T04:49:13.941Z" },
  end_time: null,
};

export const LanternTimestamps = z
  .object({ start_time: LanternTime.nullable(), end_time: LanternTime.nullable() })
  .meta({
    id: "LanternTimestamps",
    description: "When the activity started and, for a countdown, when it ends; either may be missing.",
    example: TIMESTAMPS_EXAMPLE,
  });

const ACTIVITY_EXAMPLE = {
  id: "66b84f5317e9de6c",
  name: "Visual Studio Code",
  type: 0,
  url: null,
  state: "Workspace: lanyard",
  details: "Editing README.md",
  application_id: "383226320970055681",
  created_at: 1615529838,
  assets: ASSETS_EXAMPLE,
  timestamps: TIMESTAMPS_EXAMPLE,
};

export const LanternActivity = z
  .object({
    id: z.string().nullable(),
    name: z.string(),
    type: z.int().min(0).describe("0 Playing, 1 Streaming, 2 Listening, 3 Watching, 5 Competing."),
    url: z.string().nullable().describe("The stream, for Streaming."),
    state: z.string().nullable(),
    details: z.string().nullable(),
    application_id: Snowflake.nullable(),
    created_at: z.int().min(0).nullable().describe("When Discord saw it start, Unix seconds."),
    assets: LanternAssets.optional().describe("Present when the activity has images."),
    timestamps: LanternTimestamps.optional().describe("Present when the activity has a start or an end."),
  })
  .meta({
    id: "LanternActivity",
    description: "Any activity but a custom status.",
    example: ACTIVITY_EXAMPLE,
  });

const SERVER_TAG_EXAMPLE = {
  guild_id: "1180000000000000001",
  name: "LNYD",
  icon_url:
    "https://cdn.discordapp.com/guild-tag-badges/1180000000000000001/2e3f7f2b0a5c4d6e8f9a0b1c2d3e4f5a.png",
};

export const LanternServerTag = z
  .object({
    guild_id: Snowflake.nullable().describe("The server the tag belongs to."),
    name: z.string().describe("The tag text (Lantern's card reads it as `name`)."),
    icon_url: z.url().nullable().describe("The tag's badge (Lantern's card reads it as `icon_url`)."),
  })
  .meta({
    id: "LanternServerTag",
    description: "The server tag the user displays next to their name.",
    example: SERVER_TAG_EXAMPLE,
  });

export const LanternUser = z
  .object({
    metadata: LanternMetadata,
    status: PresenceStatus.describe('Overall status; "offline" when Discord has no presence for the user.'),
    active_platforms: LanternActivePlatforms,
    activities: z
      .array(z.union([LanternCustomStatus, LanternActivity]))
      .describe("In Discord's order; an activity without a name is left out."),
    storage: z.record(z.string(), z.string()).describe("The user's key-value pairs."),
    last_seen_at: LanternTime.nullable().describe("While offline: when the user went offline, if seen."),
    server_tag: LanternServerTag.nullable(),
  })
  .meta({
    id: "LanternUser",
    description: "A user's live presence, in Lantern's format.",
    example: {
      metadata: METADATA_EXAMPLE,
      status: "online",
      active_platforms: PLATFORMS_EXAMPLE,
      activities: [CUSTOM_STATUS_EXAMPLE, ACTIVITY_EXAMPLE],
      storage: { location: "Los Angeles, CA" },
      last_seen_at: null,
      server_tag: SERVER_TAG_EXAMPLE,
    },
  });
export type LanternUser = z.output<typeof LanternUser>;
export type LanternActivity = z.output<typeof LanternActivity>;
export type LanternCustomStatus = z.output<typeof LanternCustomStatus>;
export type LanternAssetImage = z.output<typeof LanternAssetImage>;
export type LanternEmoji = z.output<typeof LanternEmoji>;
export type LanternServerTag = z.output<typeof LanternServerTag>;
