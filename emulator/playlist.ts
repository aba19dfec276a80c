import type { GatewayActivity } from "discord-api-types/v10";
import { listeningOnSpotify, type SpotifyTrack } from "./activities.ts";
import { TRACKS } from "./simulator-activities.ts";

/**
 * What the seeded listener (ada) plays in the local demo: a short playlist, in order and round
 * again, each track starting the moment the one before ends, as Spotify plays a playlist. Pure:
 * time comes in as `now`, so a test can jump to the end of a track without waiting for it.
 */

/** Catalogue tracks, so every one has album art the emulator's CDN serves (/image/<id>). */
const PLAYLIST_TITLES = ["Let Go", "Midnight City", "Dreams", "Under Pressure", "Mr. Brightside"];

export const SEED_PLAYLIST: readonly SpotifyTrack[] = PLAYLIST_TITLES.map((title) => {
  const track = TRACKS.find((candidate) => candidate.title === title);
  if (!track) throw new Error(`the playlist's "${title}" is not in the track catalogue`);
  return track;
});

/** The fields of a Spotify activity the next track carries on (Discord keeps the session and party). */
interface SpotifyListening {
  type: number;
  name: string;
  sync_id?: string;
  session_id?: string;
  timestamps?: { start?: number; end?: number };
}

export function isSpotify(activity: GatewayActivity): boolean {
  return (activity as SpotifyListening).name === "Spotify" && activity.type === 2;
}

/**
 * The Spotify activity that plays at `now` after `playing`: null while `playing` has not ended.
 * A track not in the playlist (a local file, one set from outside) is followed by the first track.
 * After a long gap every track in between is skipped, so the result is what plays at `now`.
 */
export function playOn(
  playing: GatewayActivity,
  userId: string,
  now: number,
  playlist: readonly SpotifyTrack[] = SEED_PLAYLIST,
): GatewayActivity | null {
  const { sync_id, session_id, timestamps } = playing as SpotifyListening;
  let endsAt = timestamps?.end;
  if (endsAt === undefined || now < endsAt) return null;
  let index = playlist.findIndex((track) => track.id === sync_id);
  let track: SpotifyTrack;
  let startedAt: number;
  do {
    index = (index + 1) % playlist.length;
    track = playlist[index]!;
    startedAt = endsAt;
    endsAt = startedAt + track.durationMs;
  } while (now >= endsAt);
  return listeningOnSpotify(track, {
    userId,
    startedAt,
    createdAt: startedAt,
    sessionId: session_id ?? "",
  });
}
