import type { GlyphName } from "./glyphs.ts";

/**
 * A badge for each of Discord's documented public flags (developers/resources/user, "User Flags"),
 * keyed by the name Lantern's `flags.human_readable` gives the bit (durable-objects/payloads/
 * flags.ts), in the order Discord's profile shows them.
 *
 * The undocumented bits that discord.js also names (MFASMS, PremiumPromoDismissed,
 * HasUnreadUrgentMessages, DisablePremium, Spammer, Quarantined, Collaborator,
 * RestrictedCollaborator) are Discord's internal state, not badges a profile shows, so they draw
 * nothing; neither does a bit nobody has named yet. Lantern's card threw on any flag missing from
 * its table (its bug 13); here a name without an entry is simply skipped.
 */

export interface Badge {
  flag: string;
  /** What Discord calls the badge; the SVG's <title> for it. */
  title: string;
  colour: string;
  glyph: GlyphName;
}

const BADGES: readonly Badge[] = [
  { flag: "Staff", title: "Discord Staff", colour: "#5865f2", glyph: "star" },
  { flag: "Partner", title: "Partnered Server Owner", colour: "#4752c4", glyph: "infinity" },
  { flag: "CertifiedModerator", title: "Moderator Programs Alumni", colour: "#eb459e", glyph: "shield" },
  { flag: "Hypesquad", title: "HypeSquad Events", colour: "#f0b232", glyph: "house" },
  { flag: "HypeSquadOnlineHouse1", title: "HypeSquad Bravery", colour: "#9c84ef", glyph: "diamond" },
  { flag: "HypeSquadOnlineHouse2", title: "HypeSquad Brilliance", colour: "#f47b67", glyph: "diamond" },
  { flag: "HypeSquadOnlineHouse3", title: "HypeSquad Balance", colour: "#2fb8a0", glyph: "diamond" },
  { flag: "BugHunterLevel1", title: "Discord Bug Hunter", colour: "#3ba55c", glyph: "bug" },
  { flag: "BugHunterLevel2", title: "Discord Bug Hunter (Gold)", colour: "#e0a21b", glyph: "bug" },
  { flag: "ActiveDeveloper", title: "Active Developer", colour: "#23a55a", glyph: "code" },
  { flag: "VerifiedDeveloper", title: "Early Verified Bot Developer", colour: "#3e70dd", glyph: "robot" },
  { flag: "PremiumEarlySupporter", title: "Early Supporter", colour: "#7289da", glyph: "heart" },
  { flag: "VerifiedBot", title: "Verified App", colour: "#5865f2", glyph: "check" },
  { flag: "BotHTTPInteractions", title: "Supports Commands", colour: "#6d6f78", glyph: "slash" },
  { flag: "TeamPseudoUser", title: "Team User", colour: "#6d6f78", glyph: "people" },
];

/** Every flag name that has a badge, in display order. */
export const BADGE_FLAGS: readonly string[] = BADGES.map((badge) => badge.flag);

/** The badges for a user's flag names, in display order; names without a badge are skipped. */
export function badgesFor(flagNames: readonly string[]): Badge[] {
  const names = new Set(flagNames);
  return BADGES.filter((badge) => names.has(badge.flag));
}
