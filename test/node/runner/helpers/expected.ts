import { isDeepStrictEqual } from "node:util";
import type { World } from "../../../../emulator/world.ts";
import { DiscordProfile, type Presence } from "../../../../schemas/ingest.ts";
import type { UserRecord } from "./receiver.ts";

/**
 * What the Worker should end up knowing, read straight from the emulator's world: every member of
 * the monitored guilds with their profile, earliest join, guilds and presence (offline when none is
 * stored).
 */
export interface ExpectedUser {
  user: DiscordProfile;
  membership: { joined_at: string; guild_ids: string[] };
  presence: Presence;
}

export function expectedUsers(world: World, guildIds: string[]): Map<string, ExpectedUser> {
  const expected = new Map<string, ExpectedUser>();
  for (const guildId of guildIds) {
    const guild = world.guilds.get(guildId);
    if (!guild) continue;
    for (const [userId, member] of guild.members) {
      const stored = guild.presences.get(userId);
      const presence: Presence = stored
        ? {
            status: stored.status,
            client_status: stored.client_status,
            activities: stored.activities as never,
          }
        : { status: "offline", client_status: {}, activities: [] };
      const previous = expected.get(userId);
      const joined = member.joined_at ?? "";
      const joinedAt =
        previous && Date.parse(previous.membership.joined_at) <= Date.parse(joined)
          ? previous.membership.joined_at
          : joined;
      expected.set(userId, {
        user: DiscordProfile.parse(world.users.get(userId)),
        membership: {
          joined_at: joinedAt,
          guild_ids: [...(previous?.membership.guild_ids ?? []), guildId].sort(),
        },
        presence: previous && previous.presence.status !== "offline" ? previous.presence : presence,
      });
    }
  }
  return expected;
}

/** Differences between what the receiver holds and the world; empty when they agree. */
export function differences(
  received: Map<string, UserRecord>,
  expected: Map<string, ExpectedUser>,
): string[] {
  const problems: string[] = [];
  for (const [userId, want] of expected) {
    const got = received.get(userId);
    if (!got) {
      problems.push(`${userId}: never received`);
      continue;
    }
    for (const facet of ["user", "membership", "presence"] as const) {
      if (!isDeepStrictEqual(got[facet], want[facet])) {
        problems.push(
          `${userId}.${facet}: got ${JSON.stringify(got[facet])}, want ${JSON.stringify(want[facet])}`,
        );
      }
    }
  }
  for (const [userId, got] of received) {
    if (!expected.has(userId) && got.membership !== null) {
      problems.push(`${userId}: not a member any more, but membership is ${JSON.stringify(got.membership)}`);
    }
  }
  return problems;
}
