/**
 * Names for a user's public flags, as Lantern's `human_readable` gives them: discord.js names the
 * bits after discord-api-types' UserFlags, and this table copies those names ("Staff",
 * "Hypesquad", "BugHunterLevel2", …). It is written out rather than imported: discord-api-types
 * ships CommonJS whose named exports come through undefined in the workerd test runner, and a
 * Worker gains nothing from bundling all of it for 23 strings.
 *
 * Two of Lantern's bugs are avoided. discord.js tests bits with 32-bit `&`, so flags above bit 31
 * (Quarantined is bit 44) never show; BigInt sees all 53 bits. And Lantern's card throws on a flag
 * it has no badge for; a bit nobody has named yet is left out of the names (it stays in `bitfield`).
 */
const NAMED_FLAGS: readonly (readonly [name: string, bit: number])[] = [
  ["Staff", 0],
  ["Partner", 1],
  ["Hypesquad", 2],
  ["BugHunterLevel1", 3],
  ["MFASMS", 4],
  ["PremiumPromoDismissed", 5],
  ["HypeSquadOnlineHouse1", 6],
  ["HypeSquadOnlineHouse2", 7],
  ["HypeSquadOnlineHouse3", 8],
  ["PremiumEarlySupporter", 9],
  ["TeamPseudoUser", 10],
  ["HasUnreadUrgentMessages", 13],
  ["BugHunterLevel2", 14],
  ["VerifiedBot", 16],
  ["VerifiedDeveloper", 17],
  ["CertifiedModerator", 18],
  ["BotHTTPInteractions", 19],
  ["Spammer", 20],
  ["DisablePremium", 21],
  ["ActiveDeveloper", 22],
  ["Quarantined", 44],
  ["Collaborator", 50],
  ["RestrictedCollaborator", 51],
];

export function flagNames(bitfield: number): string[] {
  if (!Number.isSafeInteger(bitfield) || bitfield <= 0) return [];
  const bits = BigInt(bitfield);
  return NAMED_FLAGS.filter(([, bit]) => ((bits >> BigInt(bit)) & 1n) === 1n).map(([name]) => name);
}
