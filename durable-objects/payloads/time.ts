import type { LanternTime } from "../../schemas/lantern.ts";

/**
 * Time as the Lantern payload writes it: arithmetic on milliseconds and UTC ISO strings, so nothing
 * depends on the machine's time zone.
 */

/**
 * Unix seconds, as Lantern documents them (`"unix": 1620000000` beside
 * `"raw": "2021-05-03T00:00:00.000Z"`). Lantern's own server sends milliseconds, contradicting its
 * documentation; this one line is the place to change if clients turn out to depend on that.
 */
export function unixSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}

/** `{unix, raw}`: Unix seconds and the exact instant in ISO 8601; null stays null. */
export function lanternTime(ms: number | null): LanternTime | null {
  return ms === null ? null : { unix: unixSeconds(ms), raw: new Date(ms).toISOString() };
}

/**
 * A duration as a music player shows it: "3:07", and "1:02:05" past an hour. Lantern formats the
 * elapsed time as a date with 'mm:ss', which wraps every hour and shifts with the server's time
 * zone (its bug 9); counting seconds avoids both.
 */
export function humanDuration(ms: number): string {
  const total = Math.floor(Math.max(0, ms) / 1000);
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = String(total % 60).padStart(2, "0");
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, "0")}:${seconds}` : `${minutes}:${seconds}`;
}

export interface PlaybackTime {
  current_human_readable: string | null;
  end_human_readable: string | null;
}

/**
 * How far into a track the listener is and how long it lasts. Elapsed time is clamped to the
 * track: a listener's clock ahead of ours, or a payload read after the track ended, still shows a
 * position on the track ("0:00" to its length) rather than a negative or overlong time.
 */
export function playbackTime(start: number | null, end: number | null, now: number): PlaybackTime {
  if (start === null) return { current_human_readable: null, end_human_readable: null };
  const length = end !== null && end >= start ? end - start : null;
  const elapsed = Math.max(0, now - start);
  return {
    current_human_readable: humanDuration(length === null ? elapsed : Math.min(elapsed, length)),
    end_human_readable: length === null ? null : humanDuration(length),
  };
}
