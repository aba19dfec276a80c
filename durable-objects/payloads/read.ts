import type { DiscordProfile } from "../../schemas/ingest.ts";
import type { UserState } from "../../schemas/user-state.ts";

/**
 * Defensive readers for what shaping gets from Discord. Discord documents that presence fields are not validated
 * ("types of the fields are not validated"), and any Rich Presence app can put anything in them, so
 * ingest forwards activities untouched and shaping reads each field through one of these: a value
 * of the wrong type reads as null instead of throwing, and one bad activity never costs a user the
 * rest of their payload.
 */

/**
 * Discord caps activity strings at 128 characters (URLs at 512). A string far longer than that did
 * not come from Discord's checks, so it reads as null: cutting it could split a surrogate pair, and
 * passing it on would let one activity bloat every payload and socket frame.
 */
export const MAX_TEXT_LENGTH = 1024;

/** Latest instant a JS Date can hold; `new Date(ms).toISOString()` throws beyond it. */
const MAX_DATE_MS = 8.64e15;

// The same rule as schemas/snowflake.ts, so what reads as an id also passes the payload schemas.
const SNOWFLAKE = /^\d{17,20}$/;

/** A plain object: not null, and not an array, which `typeof` also calls an object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A string of sane length, or null. */
export function text(value: unknown): string | null {
  return typeof value === "string" && value.length <= MAX_TEXT_LENGTH ? value : null;
}

/** A Discord id kept as a string, as Discord sends it (a number would already have lost digits). */
export function snowflake(value: unknown): string | null {
  return typeof value === "string" && SNOWFLAKE.test(value) ? value : null;
}

/** Milliseconds since the epoch that a Date can represent, or null. */
export function millis(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) && value >= 0 && value <= MAX_DATE_MS
    ? value
    : null;
}

/** A field of an object that may not be an object. */
export function field(value: unknown, key: string): unknown {
  return isRecord(value) ? value[key] : undefined;
}

/**
 * The user's profile. The user's object only publishes users whose profile it has seen; this
 * fallback exists so shaping stays total (never throws) if it is ever asked about one it has not.
 */
export function profileOf(state: UserState): DiscordProfile {
  return (
    state.profile ?? {
      id: state.user_id,
      username: "",
      discriminator: "0",
      global_name: null,
      avatar: null,
      bot: false,
      public_flags: 0,
      primary_guild: null,
      avatar_decoration_data: null,
    }
  );
}
