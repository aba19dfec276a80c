import { ActivityType, type GatewayActivity } from "discord-api-types/v10";

/**
 * Activities in the exact shapes Discord sends them on the gateway (shared/reference §1,
 * "Activity" and "Spotify activity"). Pure builders: the seeded world, the simulator and tests
 * elsewhere make their activities here, so the shapes live in one place.
 */

export interface SpotifyTrack {
  /** Spotify's 22-character track id; Discord sends it as `sync_id`. */
  id: string;
  title: string;
  artists: readonly string[];
  album: string;
  /** i.scdn.co image id; Discord sends it as `assets.large_image: "spotify:<id>"`. */
  albumArtId: string;
  durationMs: number;
}

export interface SpotifyPlay {
  userId: string;
  startedAt: number;
  /** When Discord saw the activity start; usually a little after `startedAt`. */
  createdAt: number;
  /** 32 hex digits naming the Discord client session. */
  sessionId: string;
}

/** SYNC | PLAY: what Spotify activities carry. */
const SPOTIFY_FLAGS = 48;

export function listeningOnSpotify(track: SpotifyTrack, play: SpotifyPlay): GatewayActivity {
  return {
    ...spotifyBase(play, track.title, track.artists.join("; ")),
    sync_id: track.id,
    timestamps: { start: play.startedAt, end: play.startedAt + track.durationMs },
    assets: { large_text: track.album, large_image: `spotify:${track.albumArtId}` },
  } as unknown as GatewayActivity;
}

/**
 * A local file playing in Spotify: no track id, no album art, perhaps no artist. Lanyard reports
 * these as nulls (its track_id and album_art_url); the emulator leaves the fields out.
 */
export function listeningToLocalFile(
  file: { title: string; artist: string | null; durationMs: number },
  play: SpotifyPlay,
): GatewayActivity {
  return {
    ...spotifyBase(play, file.title, file.artist),
    timestamps: { start: play.startedAt, end: play.startedAt + file.durationMs },
  } as unknown as GatewayActivity;
}

function spotifyBase(play: SpotifyPlay, details: string, state: string | null) {
  return {
    id: "spotify:1",
    name: "Spotify",
    type: ActivityType.Listening,
    flags: SPOTIFY_FLAGS,
    details,
    ...(state === null ? {} : { state }),
    session_id: play.sessionId,
    party: { id: `spotify:${play.userId}` },
    created_at: play.createdAt,
  };
}

export interface GameSession {
  /** The 16 hex digits Discord gives a running activity. */
  activityId: string;
  name: string;
  applicationId: string;
  details: string;
  state: string;
  /** Asset ids (snowflakes) served at /app-assets/:application_id/:asset_id.png. */
  largeImage: string;
  largeText: string;
  smallImage: string;
  smallText: string;
}

export function playingGame(session: GameSession, startedAt: number): GatewayActivity {
  return {
    id: session.activityId,
    name: session.name,
    type: ActivityType.Playing,
    application_id: session.applicationId,
    details: session.details,
    state: session.state,
    timestamps: { start: startedAt },
    created_at: startedAt,
    assets: {
      large_image: session.largeImage,
      large_text: session.largeText,
      small_image: session.smallImage,
      small_text: session.smallText,
    },
  } as unknown as GatewayActivity;
}

/** A unicode emoji is just a name; a custom one also has an id and may be animated. */
export type StatusEmoji = { name: string } | { name: string; id: string; animated: boolean };

export function customStatusActivity(
  text: string | null,
  emoji: StatusEmoji | null,
  createdAt: number,
): GatewayActivity {
  return {
    id: "custom",
    name: "Custom Status",
    type: ActivityType.Custom,
    ...(text === null ? {} : { state: text }),
    created_at: createdAt,
    ...(emoji ? { emoji } : {}),
  } as unknown as GatewayActivity;
}
