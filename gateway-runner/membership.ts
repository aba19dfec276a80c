/**
 * Which monitored guilds each user belongs to, and since when. A user of several monitored guilds
 * stays monitored until they have left all of them, and counts as a member since the earliest join
 * (Lantern's "monitoring since").
 */

/** guild_ids: the monitored guilds the user is in, ascending, so the Worker can reconcile per guild. */
export type Membership = { joined_at: string; guild_ids?: string[] } | null;

export class MemberRegistry {
  /** userId → guildId → joined_at (null when Discord did not say). */
  readonly #guildsByUser = new Map<string, Map<string, string | null>>();

  join(userId: string, guildId: string, joinedAt: string | null): void {
    let guilds = this.#guildsByUser.get(userId);
    if (!guilds) {
      guilds = new Map();
      this.#guildsByUser.set(userId, guilds);
    }
    // A later event without joined_at must not erase the one already known.
    guilds.set(guildId, joinedAt ?? guilds.get(guildId) ?? null);
  }

  leave(userId: string, guildId: string): void {
    const guilds = this.#guildsByUser.get(userId);
    if (!guilds) return;
    guilds.delete(guildId);
    if (guilds.size === 0) this.#guildsByUser.delete(userId);
  }

  isMember(userId: string, guildId?: string): boolean {
    const guilds = this.#guildsByUser.get(userId);
    return guildId === undefined ? guilds !== undefined : (guilds?.has(guildId) ?? false);
  }

  membersOf(guildId: string): string[] {
    const ids: string[] = [];
    for (const [userId, guilds] of this.#guildsByUser) if (guilds.has(guildId)) ids.push(userId);
    return ids;
  }

  /**
   * The membership facet: the earliest joined_at over the user's monitored guilds and those guilds,
   * null once in none, and undefined while a member whose join time no event has carried yet.
   */
  membership(userId: string): Membership | undefined {
    const guilds = this.#guildsByUser.get(userId);
    if (!guilds) return null;
    let earliest: string | null = null;
    for (const joinedAt of guilds.values()) {
      if (joinedAt !== null && (earliest === null || Date.parse(joinedAt) < Date.parse(earliest))) {
        earliest = joinedAt;
      }
    }
    return earliest === null ? undefined : { joined_at: earliest, guild_ids: [...guilds.keys()].sort() };
  }

  /** Distinct users in at least one monitored guild. */
  get size(): number {
    return this.#guildsByUser.size;
  }
}
