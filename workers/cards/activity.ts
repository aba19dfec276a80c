import { isSpotify } from "../../durable-objects/payloads/spotify.ts";
import type {
  LanternActivity,
  LanternCustomStatus,
  LanternSpotify,
  LanternUser,
} from "../../schemas/lantern.ts";
import { cleanText } from "./text.ts";
import { millis } from "./time.ts";

/**
 * What the card's activity section and status line show, picked from Lantern's user object and
 * cleaned (text.ts cleanText) once here, so the renderers only lay strings out.
 */

export interface CardActivity {
  /** Listening activities get album art, "by"/"on" lines and a progress bar. */
  kind: "listening" | "other";
  /** "Listening to Spotify", "Playing", … */
  label: string;
  title: string;
  /** Up to two lines under the title. */
  lines: string[];
  largeImage: string | null;
  smallImage: string | null;
  /** Milliseconds since the epoch. */
  start: number | null;
  end: number | null;
}

export interface CardCustomStatus {
  text: string;
  emoji: { name: string; imageUrl: string | null } | null;
}

const LABELS: Record<number, string> = { 0: "Playing", 1: "Streaming", 3: "Watching", 5: "Competing in" };

const isCustomStatus = (activity: LanternActivity | LanternCustomStatus): activity is LanternCustomStatus =>
  activity.type === 4;

/**
 * The first activity in Discord's order that has a name, skipping the custom status (the status
 * line shows it) and, with hideSpotify, Spotify.
 */
export function chooseActivity(user: LanternUser, options: { hideSpotify: boolean }): CardActivity | null {
  for (const activity of user.activities) {
    if (isCustomStatus(activity)) continue;
    // Discord's own integration (payloads/spotify.ts); any other app may call itself "Spotify".
    const spotify = isSpotify(activity);
    if (spotify && options.hideSpotify) continue;
    const shaped =
      spotify && user.active_platforms.spotify
        ? spotifyActivity(activity, user.active_platforms.spotify)
        : activity.type === 2
          ? listeningActivity(activity)
          : otherActivity(activity);
    if (shaped.title) return shaped;
  }
  return null;
}

function spotifyActivity(activity: LanternActivity, track: LanternSpotify): CardActivity {
  const artists = Array.isArray(track.artist) ? track.artist.join(", ") : track.artist;
  return {
    kind: "listening",
    label: `Listening to ${cleanText(activity.name, 64)}`,
    title: cleanText(track.song) || cleanText(activity.name),
    lines: byAndOn(artists, track.album),
    largeImage: track.album_cover,
    smallImage: null,
    start: millis(track.start_time),
    end: millis(track.end_time),
  };
}

/** Apple Music, Tidal, a scrobbler…: by convention `details` is the track and `state` the artist. */
function listeningActivity(activity: LanternActivity): CardActivity {
  const track = cleanText(activity.details);
  return {
    ...otherActivity(activity),
    kind: "listening",
    label: `Listening to ${cleanText(activity.name, 64)}`,
    title: track || cleanText(activity.name),
    lines: track ? byAndOn(activity.state, activity.assets?.large_image.text ?? null) : [],
  };
}

function otherActivity(activity: LanternActivity): CardActivity {
  return {
    kind: "other",
    label: LABELS[activity.type] ?? "Doing",
    title: cleanText(activity.name),
    lines: [cleanText(activity.details), cleanText(activity.state)].filter(Boolean),
    largeImage: activity.assets?.large_image.image_url ?? null,
    smallImage: activity.assets?.small_image.image_url ?? null,
    start: millis(activity.timestamps?.start_time ?? null),
    end: millis(activity.timestamps?.end_time ?? null),
  };
}

function byAndOn(artist: string | null, album: string | null): string[] {
  const by = cleanText(artist);
  const on = cleanText(album);
  return [by && `by ${by}`, on && `on ${on}`].filter(Boolean);
}

export function customStatusOf(user: LanternUser): CardCustomStatus | null {
  const status = user.activities.find(isCustomStatus);
  if (!status) return null;
  const text = cleanText(status.text);
  const name = cleanText(status.emoji?.name, 64);
  const emoji = name || status.emoji?.image_url ? { name, imageUrl: status.emoji?.image_url ?? null } : null;
  return text || emoji ? { text, emoji } : null;
}

/** Discord shows the status dot purple while the user streams. */
export function isStreaming(user: LanternUser): boolean {
  return user.activities.some((activity) => !isCustomStatus(activity) && activity.type === 1);
}
