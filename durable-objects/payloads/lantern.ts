import type { DiscordProfile } from "../../schemas/ingest.ts";
import type {
  LanternActivity,
  LanternAssetImage,
  LanternCustomStatus,
  LanternEmoji,
  LanternServerTag,
  LanternSpotify,
  LanternUser,
} from "../../schemas/lantern.ts";
import type { KeyValues, ShapingOptions, UserState } from "../../schemas/user-state.ts";
import { flagNames } from "./flags.ts";
import { activityAssetUrl, avatarUrl, displayAvatarUrl, emojiUrl, guildTagBadgeUrl } from "./images.ts";
import { field, isRecord, millis, profileOf, snowflake, text } from "./read.ts";
import { type SpotifyTrack, spotifyTrack } from "./spotify.ts";
import { lanternTime, playbackTime, unixSeconds } from "./time.ts";

/**
 * A user's presence as Lantern's user object (schemas/lantern.ts says what each field means and
 * which Lantern bugs it avoids). Pure: the user's object calls it once per change; `now` only sets
 * the Spotify position, which the Worker refreshes at read time with withCurrentTime.
 */
export function lanternUser(
  state: UserState,
  kv: KeyValues,
  options: ShapingOptions,
  now: number,
): LanternUser {
  const profile = profileOf(state);
  const { status, client_status, activities } = state.presence;
  return {
    metadata: {
      id: profile.id,
      username: profile.username,
      discriminator: profile.discriminator,
      global_name: profile.global_name,
      avatar: profile.avatar,
      avatar_url: avatarUrl(options, profile.id, profile.avatar),
      display_avatar_url: displayAvatarUrl(options, profile.id, profile.avatar, profile.discriminator),
      bot: profile.bot,
      flags: { human_readable: flagNames(profile.public_flags), bitfield: profile.public_flags },
      monitoring_since: lanternTime(
        state.monitoring_since === null ? null : millis(Date.parse(state.monitoring_since)),
      ),
    },
    // Lantern leaves status out when Discord has no presence for the user (its bug 7); the state
    // always has one, "offline" until Discord says otherwise.
    status,
    active_platforms: {
      // Discord lists only the clients the user is signed in on; the rest are offline.
      desktop: client_status.desktop ?? "offline",
      mobile: client_status.mobile ?? "offline",
      web: client_status.web ?? "offline",
      embedded: client_status.embedded ?? "offline",
      vr: client_status.vr ?? "offline",
      spotify: lanternSpotify(spotifyTrack(activities, options), now),
    },
    activities: activities.flatMap((activity) => {
      const shaped = lanternActivity(activity, options);
      return shaped ? [shaped] : [];
    }),
    // The pairs object itself, not a copy: Lanyard's payload shares it, and an RPC (read(), a
    // hub's delivery) serialises a shared object once, which keeps a user at the storage limit
    // (512 × 30,000 characters) under the 32 MiB an RPC may carry.
    storage: kv,
    last_seen_at: status === "offline" ? lanternTime(millis(state.last_seen_at)) : null,
    server_tag: serverTag(profile, options),
  };
}

function lanternSpotify(track: SpotifyTrack | null, now: number): LanternSpotify | null {
  if (!track) return null;
  const [first, ...rest] = track.artists;
  return {
    track_id: track.trackId,
    song: track.song,
    // One artist as a string, several as an array: Lantern's documented (if awkward) shape.
    artist: first === undefined ? null : rest.length === 0 ? first : track.artists,
    album: track.album,
    album_cover: track.albumArtUrl,
    start_time: lanternTime(track.start),
    end_time: lanternTime(track.end),
    time: playbackTime(track.start, track.end, now),
  };
}

/**
 * One activity, or null to leave it out. An activity is left out only when it is not an object or
 * lacks what says what it is: a string `name` and a whole-number `type`. Any other field of the
 * wrong type reads as null, and `assets` or `timestamps` that are not objects are left out, as
 * Lantern leaves them out when absent.
 */
function lanternActivity(
  raw: unknown,
  options: ShapingOptions,
): LanternActivity | LanternCustomStatus | null {
  if (!isRecord(raw)) return null;
  const name = text(raw.name);
  const type = raw.type;
  if (name === null || typeof type !== "number" || !Number.isSafeInteger(type) || type < 0) return null;
  const createdAt = millis(raw.created_at);
  const start = millis(field(raw.timestamps, "start"));
  const end = millis(field(raw.timestamps, "end"));

  // Lantern matches custom statuses by name; the type is what Discord defines them by.
  if (type === 4)
    return {
      name,
      type,
      emoji: statusEmoji(raw.emoji, options),
      text: text(raw.state),
      start_time: lanternTime(createdAt),
      end_time: lanternTime(end),
    };

  const applicationId = snowflake(raw.application_id);
  const assets = raw.assets;
  return {
    id: text(raw.id),
    name,
    type,
    url: text(raw.url),
    state: text(raw.state),
    details: text(raw.details),
    application_id: applicationId,
    created_at: createdAt === null ? null : unixSeconds(createdAt),
    ...(isRecord(assets) && {
      assets: {
        large_image: assetImage(assets, "large", applicationId, options),
        small_image: assetImage(assets, "small", applicationId, options),
      },
    }),
    // Lantern reads timestamps.start unconditionally and breaks on a countdown that has only an
    // end (its bug 8); here either may be missing.
    ...((start !== null || end !== null) && {
      timestamps: { start_time: lanternTime(start), end_time: lanternTime(end) },
    }),
  };
}

function assetImage(
  assets: Record<string, unknown>,
  size: "large" | "small",
  applicationId: string | null,
  options: ShapingOptions,
): LanternAssetImage {
  const hash = text(assets[`${size}_image`]);
  return {
    hash,
    image_url: activityAssetUrl(options, applicationId, hash),
    text: text(assets[`${size}_text`]),
  };
}

/** A unicode emoji is only a name; a custom one has an id (and a name, and maybe animated). */
function statusEmoji(raw: unknown, options: ShapingOptions): LanternEmoji | null {
  if (!isRecord(raw)) return null;
  const name = text(raw.name);
  const id = snowflake(raw.id);
  if (name === null && id === null) return null;
  const animated = raw.animated === true;
  return { name, id, animated, image_url: emojiUrl(options, id, animated) };
}

/** The server tag shows only while the user has it switched on (`identity_enabled`). */
function serverTag(profile: DiscordProfile, options: ShapingOptions): LanternServerTag | null {
  const guild = profile.primary_guild;
  if (!guild?.identity_enabled || !guild.tag) return null;
  const guildId = guild.identity_guild_id;
  return {
    guild_id: guildId,
    name: guild.tag,
    icon_url: guildId && guild.badge ? guildTagBadgeUrl(options, guildId, guild.badge) : null,
  };
}
