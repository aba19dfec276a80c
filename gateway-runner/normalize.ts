import {
  type ClientStatus,
  DiscordProfile,
  INGEST_LIMITS,
  type Presence,
  type PresenceStatus,
  type RawActivity,
} from "../schemas/ingest.ts";

/**
 * Discord payloads to ingest facets, as pure functions. Discord does not validate presence fields,
 * so each function reads defensively and degrades instead of throwing: one malformed field must
 * never cost a whole batch (the Worker refuses a batch with any invalid delta).
 */

const STATUSES = new Set<string>(["online", "idle", "dnd", "offline"]);
const PLATFORMS = new Set<string>(["desktop", "mobile", "web", "embedded", "vr"]);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function toStatus(value: unknown): PresenceStatus {
  return typeof value === "string" && STATUSES.has(value) ? (value as PresenceStatus) : "offline";
}

/** What a member without a presence in GUILD_CREATE or a member chunk is: offline. */
export const OFFLINE: Presence = Object.freeze({ status: "offline", client_status: {}, activities: [] });

/**
 * A PRESENCE_UPDATE's `d` (or an entry of `presences`) as the presence facet. An offline user shows
 * nothing else, whatever the payload carries: that is how Discord shows them to everyone else.
 */
export function toPresence(raw: unknown): Presence {
  if (!isRecord(raw)) return OFFLINE;
  const status = toStatus(raw.status);
  if (status === "offline") return OFFLINE;
  const clientStatus: ClientStatus = {};
  if (isRecord(raw.client_status)) {
    for (const [platform, status] of Object.entries(raw.client_status)) {
      if (PLATFORMS.has(platform) && typeof status === "string" && STATUSES.has(status)) {
        clientStatus[platform as keyof ClientStatus] = status as PresenceStatus;
      }
    }
  }
  const activities: RawActivity[] = Array.isArray(raw.activities)
    ? raw.activities.filter(isRecord).slice(0, INGEST_LIMITS.maxActivities)
    : [];
  return { status, client_status: clientStatus, activities };
}

/** A Discord user object as the profile facet; null if even its required fields are unusable. */
export function toProfile(user: unknown): DiscordProfile | null {
  if (!isRecord(user)) return null;
  const picked = {
    id: user.id,
    username: user.username,
    discriminator: user.discriminator ?? undefined,
    global_name: user.global_name ?? null,
    avatar: user.avatar ?? null,
    bot: user.bot ?? undefined,
    public_flags: user.public_flags ?? undefined,
    primary_guild: user.primary_guild ?? null,
    avatar_decoration_data: user.avatar_decoration_data ?? null,
  };
  const parsed = DiscordProfile.safeParse(picked);
  if (parsed.success) return parsed.data;
  // The decorations change shape most often; a profile without them beats no profile.
  const plain = DiscordProfile.safeParse({ ...picked, primary_guild: null, avatar_decoration_data: null });
  return plain.success ? plain.data : null;
}

/** A member's joined_at, if it is a timestamp the ingest schema accepts. */
export function toJoinedAt(value: unknown): string | null {
  if (typeof value !== "string") return null;
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(value) &&
    Number.isFinite(Date.parse(value))
    ? value
    : null;
}

/** The user id of a member, presence or user payload. */
export function userIdOf(value: unknown): string | null {
  const user = isRecord(value) && isRecord(value.user) ? value.user : value;
  return isRecord(user) && typeof user.id === "string" ? user.id : null;
}
