import { humanDuration } from "../../durable-objects/payloads/time.ts";
import type { LanternTime } from "../../schemas/lantern.ts";

/**
 * The card's clock-dependent text, computed for the `now` it is rendered at: elapsed and remaining
 * times, the listening position, "last seen". Pure, and in UTC, so a card does not depend on the
 * Worker's time zone (Lantern's "mm:ss" wrapped hourly and followed the server's zone, its bug 9).
 * Durations are written as the payloads write them (durable-objects/payloads/time.ts humanDuration).
 */

/** A Lantern time as milliseconds since the epoch; null when absent or unparseable. */
export function millis(time: LanternTime | null): number | null {
  if (!time) return null;
  const ms = Date.parse(time.raw);
  return Number.isFinite(ms) ? ms : null;
}

/** "12:34 elapsed" from a start, or "4:56 left" for a countdown with only an end; null without either. */
export function activityTime(start: number | null, end: number | null, now: number): string | null {
  if (start !== null) return `${humanDuration(now - start)} elapsed`;
  if (end !== null) return `${humanDuration(end - now)} left`;
  return null;
}

export interface Playback {
  position: string;
  length: string;
  /** 0 to 1. */
  fraction: number;
}

/** Where a track with a start and an end is at `now`, held within the track. */
export function playback(start: number, end: number, now: number): Playback | null {
  const length = end - start;
  if (!(length > 0)) return null;
  const elapsed = Math.min(Math.max(now - start, 0), length);
  return { position: humanDuration(elapsed), length: humanDuration(length), fraction: elapsed / length };
}

const UNITS: readonly (readonly [name: string, ms: number])[] = [
  ["day", 86_400_000],
  ["hour", 3_600_000],
  ["minute", 60_000],
];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** "Last seen just now", "… 5 minutes ago", "… 3 days ago", then the date ("… on 14 Mar 2026"). */
export function lastSeen(at: number, now: number): string {
  const ago = Math.max(0, now - at);
  if (ago >= 30 * 86_400_000) {
    const date = new Date(at);
    return `Last seen on ${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()}`;
  }
  for (const [name, ms] of UNITS) {
    const count = Math.floor(ago / ms);
    if (count >= 1) return `Last seen ${count} ${name}${count === 1 ? "" : "s"} ago`;
  }
  return "Last seen just now";
}
