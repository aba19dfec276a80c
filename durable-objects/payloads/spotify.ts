import type { ShapingOptions } from "../../schemas/user-state.ts";
import { activityAssetUrl } from "./images.ts";
import { field, isRecord, millis, text } from "./read.ts";

/**
 * The Spotify activity read once for both payloads. Discord does not document it; the shape is the
 * one Lanyard has relied on for years (see shared/reference §1): `details` is the song, `state`
 * the artists joined by "; ", `assets.large_text` the album, `assets.large_image` "spotify:<art
 * id>", `sync_id` the track id.
 */
export interface SpotifyTrack {
  trackId: string | null;
  song: string | null;
  /** `state` as Discord sent it: "Ark Patrol; Veronika Redd". */
  artist: string | null;
  /** The same, one name per artist. Empty when there is no artist (a local file may have none). */
  artists: string[];
  album: string | null;
  albumArtUrl: string | null;
  /** Milliseconds since the epoch. */
  start: number | null;
  end: number | null;
}

/**
 * Discord's own Spotify integration is the activity with id "spotify:1" (what Lanyard matches).
 * The name alone is not enough: any Rich Presence app may call itself "Spotify", which is how
 * Lantern, matching on the name, can show a fake track.
 */
export function isSpotify(activity: unknown): activity is Record<string, unknown> {
  return isRecord(activity) && activity.id === "spotify:1";
}

/**
 * The track being played, or null when not listening. A local file has no track id, no album art
 * and maybe no artist or album: those read as null and the rest still shows.
 */
export function spotifyTrack(activities: readonly unknown[], options: ShapingOptions): SpotifyTrack | null {
  const activity = activities.find(isSpotify);
  if (!activity) return null;
  const artist = text(activity.state);
  return {
    trackId: text(activity.sync_id),
    song: text(activity.details),
    artist,
    artists: artist ? artist.split("; ") : [],
    album: text(field(activity.assets, "large_text")),
    albumArtUrl: activityAssetUrl(options, null, text(field(activity.assets, "large_image"))),
    start: millis(field(activity.timestamps, "start")),
    end: millis(field(activity.timestamps, "end")),
  };
}
