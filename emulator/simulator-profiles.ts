import { UserFlags } from "discord-api-types/v10";
import { HEX, type SeededRandom } from "./seeded-random.ts";
import { snowflake } from "./snowflake.ts";

/**
 * Who the simulated crowd is: deterministic ids, and seeded usernames, display names, avatar
 * hashes and badges in the shapes Discord uses. Pure.
 */

export interface SimulatedProfile {
  username: string;
  global_name: string | null;
  avatar: string | null;
  public_flags: number;
}

/** Simulated accounts "were created" from here on, well before the seeded world's users. */
const SIMULATED_EPOCH = Date.UTC(2022, 0, 1);

/**
 * Simulated user `index` of a run seeded with `seed`: different seeds (below a million apart) give
 * disjoint crowds, and the same seed always the same ids. 4096 users share each millisecond.
 */
export function simulatedUserId(seed: number, index: number): string {
  const seedSlot = (seed >>> 0) % 1_000_000;
  return snowflake(SIMULATED_EPOCH + seedSlot * 16 + Math.floor(index / 4096), index % 4096);
}

const ADJECTIVES = [
  "quiet",
  "brave",
  "lunar",
  "fuzzy",
  "rapid",
  "cosmic",
  "sleepy",
  "neon",
  "mossy",
  "amber",
];
const NOUNS = ["otter", "falcon", "comet", "maple", "pixel", "badger", "lantern", "harbor", "fern", "kite"];
const DISPLAY_NAMES = [
  "Zoë",
  "Łukasz",
  "Søren",
  "Amélie",
  "Chidi",
  "Mika 🌙",
  "Noor ✨",
  "Kenji",
  "Ана",
  "李雷",
  "José",
];

/** Badges a user may show; the HypeSquad houses exclude each other. */
const RARE_BADGES: readonly (readonly [UserFlags, number])[] = [
  [UserFlags.ActiveDeveloper, 0.1],
  [UserFlags.PremiumEarlySupporter, 0.08],
  [UserFlags.VerifiedDeveloper, 0.03],
  [UserFlags.BugHunterLevel1, 0.03],
  [UserFlags.BugHunterLevel2, 0.01],
  [UserFlags.Hypesquad, 0.02],
  [UserFlags.Partner, 0.01],
  [UserFlags.CertifiedModerator, 0.01],
  [UserFlags.Staff, 0.005],
];
const HOUSES = [
  UserFlags.HypeSquadOnlineHouse1,
  UserFlags.HypeSquadOnlineHouse2,
  UserFlags.HypeSquadOnlineHouse3,
];

/** Usernames end in the index, so they are unique within a crowd (at most 32 characters). */
export function randomProfile(rng: SeededRandom, index: number): SimulatedProfile {
  return {
    username: randomUsername(rng, index),
    global_name: randomGlobalName(rng),
    avatar: randomAvatar(rng),
    public_flags: randomBadges(rng),
  };
}

export function randomUsername(rng: SeededRandom, index: number): string {
  return `${rng.pick(ADJECTIVES)}_${rng.pick(NOUNS)}${index}`;
}

/** A display name, sometimes unset (null), as many accounts have none. */
export function randomGlobalName(rng: SeededRandom): string | null {
  return rng.chance(0.15) ? null : rng.pick(DISPLAY_NAMES);
}

/** 32 hex digits; "a_" in front marks an animated avatar; null is the default avatar. */
export function randomAvatar(rng: SeededRandom): string | null {
  if (rng.chance(0.1)) return null;
  return `${rng.chance(0.2) ? "a_" : ""}${rng.string(HEX, 32)}`;
}

function randomBadges(rng: SeededRandom): number {
  let flags = rng.chance(0.4) ? rng.pick(HOUSES) : 0;
  for (const [flag, likelihood] of RARE_BADGES) if (rng.chance(likelihood)) flags |= flag;
  return flags;
}
