import {
  type APIGuildMember,
  GatewayDispatchEvents,
  type GatewayDispatchPayload,
  type GatewayPresenceUpdate,
} from "discord-api-types/v10";
import type { Presence } from "../schemas/ingest.ts";
import type { UserUpdate } from "./coalescer.ts";
import { MemberRegistry } from "./membership.ts";
import { OFFLINE, toJoinedAt, toPresence, toProfile, userIdOf } from "./normalize.ts";

/**
 * Turns gateway dispatches into user updates for the members of the monitored guilds, and keeps the
 * member registry that decides who those are. Pure: no sockets, no timers. Events of other guilds,
 * and of users who are not members, produce nothing.
 *
 * A member list is complete only once a full member request has been answered (GUILD_CREATE of a
 * large guild lists only some members, and after a restart that resumed its session the runner has
 * seen no GUILD_CREATE at all). Until then a guild is "loading": a presence update there is taken as
 * proof of membership, since Discord sends presences only for members. A monitored guild the bot is
 * not in (its shard's READY did not list it, or GUILD_DELETE removed the bot) is not loading: no
 * list will ever come for it.
 */
export class PresenceRouter {
  readonly #monitored: ReadonlySet<string>;
  readonly #registry = new MemberRegistry();
  readonly #loaded = new Set<string>();
  readonly #absent = new Set<string>();

  constructor(monitoredGuildIds: Iterable<string>) {
    this.#monitored = new Set(monitoredGuildIds);
  }

  isMonitored(guildId: string | undefined): guildId is string {
    return guildId !== undefined && this.#monitored.has(guildId);
  }

  /** Monitored guilds the bot is in whose full member list has not arrived yet in this process. */
  loadingGuilds(): string[] {
    return [...this.#monitored].filter((id) => !this.#loaded.has(id) && !this.#absent.has(id));
  }

  /**
   * Monitored guilds a shard's READY did not list: the bot is not in them, so their member lists
   * will not come, and reconciling the others must not wait for them. A GUILD_CREATE undoes it.
   */
  notJoined(guildIds: Iterable<string>): void {
    for (const guildId of guildIds) if (this.isMonitored(guildId)) this.#absent.add(guildId);
  }

  /** Users in at least one monitored guild. */
  get memberCount(): number {
    return this.#registry.size;
  }

  handle(payload: GatewayDispatchPayload): UserUpdate[] {
    switch (payload.t) {
      case GatewayDispatchEvents.GuildCreate: {
        const d = payload.d;
        if (!this.isMonitored(d.id) || ("unavailable" in d && d.unavailable)) return [];
        this.#absent.delete(d.id);
        return this.#snapshot(d.id, d.members ?? [], d.presences);
      }
      case GatewayDispatchEvents.GuildMembersChunk: {
        const d = payload.d;
        if (!this.isMonitored(d.guild_id)) return [];
        return this.#snapshot(d.guild_id, d.members ?? [], d.presences);
      }
      case GatewayDispatchEvents.GuildMemberAdd:
      case GatewayDispatchEvents.GuildMemberUpdate: {
        // An update carries the whole member, joined_at included: it is as good as an add.
        const d = payload.d;
        if (!this.isMonitored(d.guild_id)) return [];
        const update = this.#memberSeen(d.guild_id, d as APIGuildMember);
        return update ? [update] : [];
      }
      case GatewayDispatchEvents.GuildMemberRemove: {
        const d = payload.d;
        const userId = userIdOf(d);
        if (!this.isMonitored(d.guild_id) || userId === null) return [];
        if (!this.#registry.isMember(userId, d.guild_id) && this.#loaded.has(d.guild_id)) return [];
        return [this.#memberLeft(userId, d.guild_id, d.user)];
      }
      case GatewayDispatchEvents.PresenceUpdate: {
        const d = payload.d;
        const userId = userIdOf(d);
        if (!this.isMonitored(d.guild_id) || userId === null) return [];
        if (!this.#registry.isMember(userId, d.guild_id) && this.#loaded.has(d.guild_id)) return [];
        return [{ userId, presence: toPresence(d) }];
      }
      case GatewayDispatchEvents.GuildDelete: {
        // `unavailable` is an outage: the members are still there. Without it the bot was removed.
        const d = payload.d;
        if (!this.isMonitored(d.id) || d.unavailable) return [];
        this.#loaded.delete(d.id);
        this.#absent.add(d.id);
        return this.#registry.membersOf(d.id).map((userId) => this.#memberLeft(userId, d.id, undefined));
      }
      default:
        return [];
    }
  }

  /**
   * A full member list has arrived (every chunk of one all-members request). Members the registry
   * still places in the guild but the list lacks left while nobody was listening: they leave now.
   */
  completeMemberList(guildId: string, memberIds: ReadonlySet<string>): UserUpdate[] {
    if (!this.isMonitored(guildId)) return [];
    this.#loaded.add(guildId);
    return this.#registry
      .membersOf(guildId)
      .filter((userId) => !memberIds.has(userId))
      .map((userId) => this.#memberLeft(userId, guildId, undefined));
  }

  /**
   * The Worker's record of a guild's members (it outlives this process), against the complete member
   * list this process has: each id the Worker holds in the guild that the registry does not left
   * while no runner was listening (or while one with an expired session was down), and leaves now,
   * as completeMemberList would have made them leave.
   *
   * Null (not yet) while any monitored guild is loading, this one or another: a user the registry
   * lacks may be a member of a guild not listed yet, and a leave now would carry `membership: null`
   * (USER_LEFT, presence wiped) and a rejoin when that list arrives. Once every list is complete
   * the registry knows each user's guilds, so each leave's membership (null, or the guilds that
   * remain) is right. Nothing for a guild the bot is not in: its members left with GUILD_DELETE.
   */
  reconcile(guildId: string, workerMemberIds: Iterable<string>): UserUpdate[] | null {
    if (!this.isMonitored(guildId) || this.#absent.has(guildId)) return [];
    if (this.loadingGuilds().length > 0) return null;
    const updates: UserUpdate[] = [];
    for (const userId of new Set(workerMemberIds)) {
      if (this.#registry.isMember(userId, guildId)) continue;
      const update = this.#memberLeft(userId, guildId, undefined);
      // A member elsewhere whose join time is unknown yet: nothing to say until it is.
      if (update.membership !== undefined) updates.push(update);
    }
    return updates;
  }

  /**
   * GUILD_CREATE and member chunks: members with their presences. Both carry presences only for
   * members who are not offline, so a member without one is offline; a chunk requested without
   * presences has no `presences` at all and says nothing about them.
   */
  #snapshot(
    guildId: string,
    members: readonly APIGuildMember[],
    presences: readonly Partial<GatewayPresenceUpdate>[] | undefined,
  ): UserUpdate[] {
    const presenceByUser = new Map<string, Presence>();
    for (const presence of presences ?? []) {
      const userId = userIdOf(presence);
      if (userId !== null) presenceByUser.set(userId, toPresence(presence));
    }
    const updates: UserUpdate[] = [];
    for (const member of members) {
      const userId = userIdOf(member);
      const presence = presences === undefined ? undefined : (presenceByUser.get(userId ?? "") ?? OFFLINE);
      const update = this.#memberSeen(guildId, member, presence);
      if (update) updates.push(update);
    }
    return updates;
  }

  #memberSeen(guildId: string, member: APIGuildMember, presence?: Presence): UserUpdate | null {
    const userId = userIdOf(member);
    if (userId === null) return null;
    this.#registry.join(userId, guildId, toJoinedAt(member.joined_at));
    const update: UserUpdate = { userId };
    const user = toProfile(member.user);
    const membership = this.#registry.membership(userId);
    if (user) update.user = user;
    if (membership !== undefined) update.membership = membership;
    if (presence) update.presence = presence;
    return update;
  }

  /**
   * A user who left every monitored guild also goes offline: the object forgets their presence on a
   * leave, but a leave and a rejoin merged in one flush window reach it as a join only, and Discord
   * sends a rejoined member's presence afresh. Carrying OFFLINE makes the merged delta say the same.
   */
  #memberLeft(userId: string, guildId: string, rawUser: unknown): UserUpdate {
    this.#registry.leave(userId, guildId);
    const update: UserUpdate = { userId };
    const user = toProfile(rawUser);
    const membership = this.#registry.membership(userId);
    if (user) update.user = user;
    if (membership !== undefined) update.membership = membership;
    if (membership === null) update.presence = OFFLINE;
    return update;
  }
}
