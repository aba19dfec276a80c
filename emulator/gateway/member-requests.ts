import {
  GatewayCloseCodes,
  type GatewayGuildMembersChunkDispatchData,
  GatewayIntentBits,
} from "discord-api-types/v10";
import { isSnowflake } from "../snowflake.ts";
import type { EmulatedGuild, World } from "../world.ts";
import { type Rejection, reject } from "./protocol.ts";

/**
 * Op 8 (Request Guild Members): parsing and answering, as pure functions. Discord's documented
 * limits: one guild per request, a prefix query returns at most 100 members, at most 100 user_ids,
 * chunks of at most 1000 members, a nonce of at most 32 bytes (a longer one is dropped, not echoed),
 * presences only with GUILD_PRESENCES, and the whole member list only with GUILD_MEMBERS.
 */

export const MEMBER_REQUEST_LIMITS = {
  queryResults: 100,
  userIds: 100,
  chunkSize: 1000,
  nonceBytes: 32,
} as const;

export type MemberRequest = {
  guildId: string;
  presences: boolean;
  nonce: string | undefined;
} & (
  | { kind: "all"; limit: number }
  | { kind: "query"; query: string; limit: number }
  | { kind: "ids"; userIds: string[] }
);

function invalid(message: string): Rejection {
  return reject(GatewayCloseCodes.UnknownOpcode, `Invalid payload for REQUEST_GUILD_MEMBERS: ${message}`);
}

export function parseMemberRequest(d: unknown, intents: number): MemberRequest | Rejection {
  if (typeof d !== "object" || d === null || Array.isArray(d)) return invalid("d must be an object");
  const { guild_id, query, limit, presences, user_ids, nonce } = d as Record<string, unknown>;
  if (!isSnowflake(guild_id)) return invalid("guild_id must be one guild id (a snowflake string)");
  if (presences !== undefined && typeof presences !== "boolean")
    return invalid("presences must be a boolean");
  if (nonce !== undefined && typeof nonce !== "string") return invalid("nonce must be a string");
  const base = {
    guildId: guild_id,
    // Discord: "GUILD_PRESENCES intent is required to set presences = true. Otherwise, it will always be false."
    presences: presences === true && (intents & GatewayIntentBits.GuildPresences) !== 0,
    nonce:
      nonce !== undefined && Buffer.byteLength(nonce) <= MEMBER_REQUEST_LIMITS.nonceBytes ? nonce : undefined,
  };
  if (user_ids !== undefined) {
    const ids = typeof user_ids === "string" ? [user_ids] : user_ids;
    if (!Array.isArray(ids) || !ids.every(isSnowflake)) return invalid("user_ids must be snowflakes");
    if (ids.length > MEMBER_REQUEST_LIMITS.userIds) {
      return invalid(`at most ${MEMBER_REQUEST_LIMITS.userIds} user_ids per request, got ${ids.length}`);
    }
    return { ...base, kind: "ids", userIds: [...new Set(ids)] };
  }
  if (typeof query !== "string") return invalid("one of query or user_ids is required");
  if (typeof limit !== "number" || !Number.isInteger(limit) || limit < 0) {
    return invalid("limit must be a non-negative integer when query is given");
  }
  if (query === "") {
    if ((intents & GatewayIntentBits.GuildMembers) === 0) {
      return invalid("requesting the entire member list (query '') needs the GUILD_MEMBERS intent");
    }
    return { ...base, kind: "all", limit };
  }
  return {
    ...base,
    kind: "query",
    query,
    limit: Math.min(limit || Infinity, MEMBER_REQUEST_LIMITS.queryResults),
  };
}

/** The member ids a request selects, in join order, and the requested ids that are not members. */
export function selectMembers(
  world: World,
  guild: EmulatedGuild,
  request: MemberRequest,
): { ids: string[]; notFound: string[] | undefined } {
  if (request.kind === "ids") {
    const ids = request.userIds.filter((id) => guild.members.has(id));
    return { ids, notFound: request.userIds.filter((id) => !guild.members.has(id)) };
  }
  const cap = request.limit === 0 ? Infinity : request.limit;
  const prefix = request.kind === "query" ? request.query.toLowerCase() : "";
  const ids: string[] = [];
  for (const id of guild.members.keys()) {
    if (ids.length >= cap) break;
    if (prefix && !world.users.get(id)?.username.toLowerCase().startsWith(prefix)) continue;
    ids.push(id);
  }
  return { ids, notFound: undefined };
}

/** GUILD_MEMBERS_CHUNK payloads answering a request: always at least one, even when nothing matched. */
export function memberChunks(
  world: World,
  guild: EmulatedGuild,
  request: MemberRequest,
): GatewayGuildMembersChunkDispatchData[] {
  const { ids, notFound } = selectMembers(world, guild, request);
  const chunkCount = Math.max(1, Math.ceil(ids.length / MEMBER_REQUEST_LIMITS.chunkSize));
  const chunks: GatewayGuildMembersChunkDispatchData[] = [];
  for (let index = 0; index < chunkCount; index++) {
    const chunkIds = ids.slice(
      index * MEMBER_REQUEST_LIMITS.chunkSize,
      (index + 1) * MEMBER_REQUEST_LIMITS.chunkSize,
    );
    chunks.push({
      guild_id: guild.id,
      members: chunkIds.map((id) => world.memberPayload(guild, id)),
      chunk_index: index,
      chunk_count: chunkCount,
      ...(notFound ? { not_found: notFound } : {}),
      ...(request.presences
        ? {
            presences: chunkIds
              .filter((id) => guild.presences.has(id))
              .map((id) => world.presencePayload(guild, id)),
          }
        : {}),
      ...(request.nonce !== undefined ? { nonce: request.nonce } : {}),
    });
  }
  return chunks;
}
