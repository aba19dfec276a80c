import { createHash } from "node:crypto";
import type { WindowRule } from "./rate-limit.ts";

/**
 * The emulator's per-route rate limits. Discord does not publish its numbers (its docs say not to
 * hard-code them and to read the headers instead), so these are plausible values of our own,
 * not Discord's. Only POST /channels/:id/messages at 5 per 5 s per channel is a figure clients
 * widely observe. Routes listed in the same bucket share one window and one X-RateLimit-Bucket.
 */

/**
 * Path parameters Discord treats as top-level resources: each value gets its own window. A webhook
 * is identified by its id and token together, so an interaction's webhook routes are keyed by the
 * application id and the interaction token, and its callback by the interaction id and token.
 */
export type MajorParameter =
  | "channel_id"
  | "guild_id"
  | "application_id/interaction_token"
  | "interaction_id/interaction_token";

export interface RouteBucket extends WindowRule {
  /** How docs and tests refer to the bucket. */
  name: string;
  /** What X-RateLimit-Bucket says: opaque, and the same for every route in the bucket. */
  hash: string;
  /** The path parameter that splits the bucket per resource; null keeps one window per token. */
  major: MajorParameter | null;
}

function bucket(name: string, limit: number, windowMs: number, major: MajorParameter | null): RouteBucket {
  // Discord's hashes are opaque hex; ours derive from the name so they are stable across runs.
  const hash = createHash("sha256").update(`porchlight-bucket:${name}`).digest("hex").slice(0, 32);
  return { name, hash, limit, windowMs, major };
}

export const BUCKETS = {
  gatewayBot: bucket("gateway-bot", 10, 5_000, null),
  /** GET /users/@me and GET /users/:user_id. */
  users: bucket("users", 30, 5_000, null),
  openDm: bucket("open-dm", 10, 10_000, null),
  createMessage: bucket("create-message", 5, 5_000, "channel_id"),
  getMessage: bucket("get-message", 10, 1_000, "channel_id"),
  getMessages: bucket("get-messages", 10, 1_000, "channel_id"),
  /** GET /channels/:channel_id. */
  channel: bucket("channel", 5, 1_000, "channel_id"),
  /** GET /users/@me/guilds. */
  currentUserGuilds: bucket("current-user-guilds", 5, 1_000, null),
  /** GET /guilds/:guild_id. */
  guild: bucket("guild", 5, 1_000, "guild_id"),
  editMessage: bucket("edit-message", 5, 5_000, "channel_id"),
  deleteMessage: bucket("delete-message", 5, 1_000, "channel_id"),
  /**
   * Every reaction route, whatever the method: one reaction per 250 ms per channel, as clients
   * widely observe (discord-api-docs #981: all reaction routes share one bucket).
   */
  reactions: bucket("reactions", 1, 250, "channel_id"),
  guildChannels: bucket("guild-channels", 10, 10_000, "guild_id"),
  guildMember: bucket("guild-member", 10, 1_000, "guild_id"),
  guildRoles: bucket("guild-roles", 10, 1_000, "guild_id"),
  /** PUT and DELETE of a member's role. */
  memberRoles: bucket("member-roles", 10, 10_000, "guild_id"),
  /** GET /applications/@me. */
  application: bucket("application", 10, 10_000, null),
  /** GET of global and guild commands. */
  readCommands: bucket("read-commands", 10, 10_000, null),
  /** PUT and POST of global and guild commands. */
  writeCommands: bucket("write-commands", 10, 20_000, null),
  /** Interaction follow-ups and the original response: per webhook, i.e. application id and token. */
  webhook: bucket("webhook", 5, 2_000, "application_id/interaction_token"),
  /** POST /interactions/:id/:token/callback: only the first one can succeed anyway. */
  interactionCallback: bucket("interaction-callback", 5, 1_000, "interaction_id/interaction_token"),
} as const satisfies Record<string, RouteBucket>;

/** The global limit: config.restGlobalPerSecond requests per one-second window per token. */
export function globalRule(perSecond: number): WindowRule {
  return { limit: perSecond, windowMs: 1_000 };
}

/** The value of a route's major parameter in a request: "<id>" or "<id>/<token>". */
export function majorValue(
  route: RouteBucket,
  param: (name: string) => string | undefined,
): string | undefined {
  if (!route.major) return undefined;
  return route.major
    .split("/")
    .map((name) => param(name) ?? "")
    .join("/");
}

/** Buckets are kept per token, then per major parameter value (one window per channel, say). */
export function bucketKey(tokenKey: string, route: RouteBucket, majorValue: string | undefined): string {
  return `${tokenKey}:${route.hash}:${majorValue ?? ""}`;
}
