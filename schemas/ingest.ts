import { z } from "zod";
import { Snowflake } from "./snowflake.ts";

/**
 * The ingest contract: what the gateway runner POSTs to the Worker's /ingest route.
 *
 * The runner coalesces Discord's events per user inside a flush window, so a batch carries at most
 * one delta per user: the latest of each facet (profile, membership, presence) seen in the window.
 * Facets are independent, which is what lets "latest wins" keep per-user order: a delta never needs
 * two presences for one user, and membership and presence cannot be reordered against each other
 * because each is a state, not an event.
 */

/** Limits of one batch; the Worker refuses anything larger with 413. */
export const INGEST_LIMITS = {
  maxDeltas: 500,
  /** Monitored guilds one membership facet may name (a bot monitors a handful, not hundreds). */
  maxGuildsPerMember: 100,
  maxBodyBytes: 4 * 1024 * 1024,
  maxActivities: 32,
} as const;

/** The profile fields Porchlight shows; Discord's user object carries more, which is dropped. */
export const DiscordProfile = z.object({
  id: Snowflake,
  username: z.string(),
  discriminator: z.string().default("0"),
  global_name: z.string().nullable().default(null),
  avatar: z.string().nullable().default(null),
  bot: z.boolean().default(false),
  public_flags: z.int().min(0).default(0),
  /** The server tag a user chose to display (Discord's `primary_guild`). */
  primary_guild: z
    .object({
      identity_guild_id: Snowflake.nullable(),
      identity_enabled: z.boolean().nullable(),
      tag: z.string().nullable(),
      badge: z.string().nullable(),
    })
    .nullable()
    .default(null),
  avatar_decoration_data: z
    .object({ asset: z.string(), sku_id: z.string().optional() })
    .nullable()
    .default(null),
});
export type DiscordProfile = z.output<typeof DiscordProfile>;

export const PresenceStatus = z.enum(["online", "idle", "dnd", "offline"]);
export type PresenceStatus = z.output<typeof PresenceStatus>;

export const ClientStatus = z.partialRecord(
  z.enum(["desktop", "mobile", "web", "embedded", "vr"]),
  PresenceStatus,
);
export type ClientStatus = z.output<typeof ClientStatus>;

/**
 * Activities are forwarded as Discord sent them. Discord does not validate their fields, so neither
 * does ingest: the shaping functions read them defensively, and a malformed activity degrades to
 * the fields that make sense instead of failing the user's whole payload.
 */
export const RawActivity = z.record(z.string(), z.unknown());
export type RawActivity = z.output<typeof RawActivity>;

export const Presence = z.object({
  status: PresenceStatus,
  client_status: ClientStatus.default({}),
  activities: z.array(RawActivity).max(INGEST_LIMITS.maxActivities).default([]),
});
export type Presence = z.output<typeof Presence>;

export const UserDelta = z.object({
  user_id: Snowflake,
  /**
   * Strictly increasing per user across runner restarts (milliseconds × 1000 plus a counter, see
   * gateway-runner). The user's object ignores a delta whose version is not newer than its own, so
   * a retried or replayed batch can never roll a user back.
   */
  version: z.int().min(0).max(Number.MAX_SAFE_INTEGER),
  /** Set when the profile was seen or changed. */
  user: DiscordProfile.optional(),
  /** Joined a monitored guild (joined_at of the earliest), or null once in none of them. */
  membership: z
    .object({
      joined_at: z.iso.datetime({ offset: true }),
      /**
       * The monitored guilds the runner knows the user is in. The Worker records them, so that a
       * runner that restarts with nothing can ask which members it holds for a guild and send a
       * leave for each one a complete member list lacks (see GuildMembersPage).
       */
      guild_ids: z.array(Snowflake).max(INGEST_LIMITS.maxGuildsPerMember).optional(),
    })
    .nullable()
    .optional(),
  presence: Presence.optional(),
});
export type UserDelta = z.output<typeof UserDelta>;
export type UserDeltaInput = z.input<typeof UserDelta>;

export const IngestBatch = z.object({
  /** Unique per batch, for logs and idempotency on retry. */
  batch_id: z.string().min(1).max(64),
  deltas: z.array(UserDelta).min(1).max(INGEST_LIMITS.maxDeltas),
});
export type IngestBatch = z.output<typeof IngestBatch>;
export type IngestBatchInput = z.input<typeof IngestBatch>;

/** Limits of a GuildMembersPage request. */
export const GUILD_MEMBERS_PAGE = { defaultLimit: 1000, maxLimit: 1000 } as const;

export const GuildMembersQuery = z.object({
  /** Only ids above this one: pass the previous page's `next`. */
  after: Snowflake.optional(),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(GUILD_MEMBERS_PAGE.maxLimit)
    .default(GUILD_MEMBERS_PAGE.defaultLimit),
});
export type GuildMembersQuery = z.output<typeof GuildMembersQuery>;

/**
 * GET /ingest/guilds/:guild_id/members: the users the Worker holds as monitored members of a guild,
 * ascending by id, a page at a time. The runner reconciles its complete member list against it.
 */
export const GuildMembersPage = z
  .object({
    user_ids: z.array(Snowflake),
    /** The `after` of the next page; null on the last one. */
    next: Snowflake.nullable(),
  })
  .meta({ id: "GuildMembersPage" });
export type GuildMembersPage = z.output<typeof GuildMembersPage>;

export const IngestResult = z.object({
  batch_id: z.string(),
  /** Deltas applied; the rest were older than what the user's object already had. */
  applied: z.int(),
  stale: z.int(),
});
export type IngestResult = z.output<typeof IngestResult>;
