import { z } from "zod";
import { DiscordProfile, Presence } from "./ingest.ts";
import { Snowflake } from "./snowflake.ts";

/**
 * What a user's Durable Object knows about them: the fold of every ingest delta it has applied.
 * Public payloads (Lantern's user object, Lanyard's presence) are pure functions of this state,
 * the user's key-value pairs and the deployment's CDN settings.
 */
export const UserState = z.object({
  user_id: Snowflake,
  /** Version of the newest delta applied; older deltas are stale and ignored. */
  version: z.int().min(0),
  /** Null until the runner has seen the user's profile. */
  profile: DiscordProfile.nullable(),
  /** Member of a monitored guild now. Unmonitored users keep their data but are not exposed. */
  monitored: z.boolean(),
  /** When they joined the monitored guild (ISO 8601): Lantern's monitoring_since. */
  monitoring_since: z.string().nullable(),
  /**
   * The monitored guilds the runner last said they are in; empty once they left. Absent in a state
   * saved by a runner that did not send them, and then unknown rather than none.
   */
  guild_ids: z.array(Snowflake).optional(),
  presence: Presence,
  /** When they were last seen going offline (ms since epoch); null while online or never seen. */
  last_seen_at: z.int().nullable(),
});
export type UserState = z.output<typeof UserState>;

/** A user's key-value pairs (issue: key-value storage); empty until they set any. */
export type KeyValues = Record<string, string>;

/** Deployment settings payload shaping needs: where images live. */
export interface ShapingOptions {
  /** Discord's CDN, https://cdn.discordapp.com by default; the emulator locally. */
  cdnBase: string;
  /** Spotify's album-art CDN, https://i.scdn.co by default; the emulator locally. */
  spotifyCdnBase: string;
  /** Discord's media proxy for `mp:` asset ids, https://media.discordapp.net by default. */
  mediaProxyBase: string;
}

export const DEFAULT_SHAPING_OPTIONS: ShapingOptions = {
  cdnBase: "https://cdn.discordapp.com",
  spotifyCdnBase: "https://i.scdn.co",
  mediaProxyBase: "https://media.discordapp.net",
};
