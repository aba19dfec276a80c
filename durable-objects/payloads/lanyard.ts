import type { ClientStatus } from "../../schemas/ingest.ts";
import type { LanyardPresence, LanyardSpotify } from "../../schemas/lanyard.ts";
import type { KeyValues, ShapingOptions, UserState } from "../../schemas/user-state.ts";
import { isRecord, profileOf } from "./read.ts";
import { type SpotifyTrack, spotifyTrack } from "./spotify.ts";

/**
 * A user's presence as Lanyard's presence object. Pure, and independent of the clock: Lanyard's
 * Spotify object carries raw timestamps and leaves the arithmetic to the client.
 */
export function lanyardPresence(state: UserState, kv: KeyValues, options: ShapingOptions): LanyardPresence {
  const profile = profileOf(state);
  const { status, client_status, activities } = state.presence;
  const spotify = spotifyTrack(activities, options);
  return {
    discord_user: {
      id: profile.id,
      username: profile.username,
      avatar: profile.avatar,
      discriminator: profile.discriminator,
      global_name: profile.global_name,
      display_name: profile.global_name,
      bot: profile.bot,
      public_flags: profile.public_flags,
      avatar_decoration_data: profile.avatar_decoration_data,
      primary_guild: profile.primary_guild,
      // Discord sends the server tag twice, as `clan` (its first name) and `primary_guild`; Lanyard
      // passes both through, and many Lanyard clients still read `clan`.
      clan: profile.primary_guild,
    },
    discord_status: status,
    active_on_discord_desktop: isActive(client_status, "desktop"),
    active_on_discord_mobile: isActive(client_status, "mobile"),
    active_on_discord_web: isActive(client_status, "web"),
    active_on_discord_embedded: isActive(client_status, "embedded"),
    active_on_discord_vr: isActive(client_status, "vr"),
    listening_to_spotify: spotify !== null,
    spotify: lanyardSpotify(spotify),
    // Lanyard's contract is Discord's activities untouched, even malformed ones; only entries that
    // are not objects at all (which no client could read as an activity) are left out.
    activities: activities.filter(isRecord),
    kv, // shared with Lantern's payload, not copied: see lanternUser's `storage`
  };
}

/** Discord lists only the clients a user is signed in on. */
function isActive(clientStatus: ClientStatus, client: keyof ClientStatus): boolean {
  const status = clientStatus[client];
  return status !== undefined && status !== "offline";
}

function lanyardSpotify(track: SpotifyTrack | null): LanyardSpotify | null {
  if (!track) return null;
  return {
    track_id: track.trackId,
    song: track.song,
    artist: track.artist,
    album: track.album,
    album_art_url: track.albumArtUrl,
    timestamps: { start: track.start, end: track.end },
  };
}
