import { ActivityType, type GatewayActivity } from "discord-api-types/v10";
import { customStatusActivity, playingGame } from "./activities.ts";
import type { SeededRandom } from "./seeded-random.ts";
import { type Platform, randomGameSession, randomStatusLine } from "./simulator-activities.ts";
import type { PresenceStatus, StoredPresence } from "./world.ts";

/**
 * One change a person makes to their presence, from the presence they have now: a new status, a
 * game started or stopped, a custom status set, changed or cleared. Everything else they show (a
 * Spotify track, their other activities) stays as it was. Pure: time comes in as `now`, randomness
 * as a SeededRandom, so the same seed makes the same changes.
 */

/** What stays true of a person whatever they change. */
export interface Habits {
  /** Where they come online when they were offline. */
  platforms: readonly Platform[];
  /** Someone who was offline at the start comes online now and then, and goes again. */
  goesOffline: boolean;
}

const CHANGES = [
  ["status", 3],
  ["game", 2],
  ["custom", 2],
] as const;
const ONLINE_STATUSES: readonly PresenceStatus[] = ["online", "idle", "dnd"];

/** The presence after one change; `current` null means offline, and the change is coming online. */
export function changedPresence(
  current: StoredPresence | null,
  habits: Habits,
  rng: SeededRandom,
  now: number,
): StoredPresence {
  if (!current) return withStatus({ status: "online", activities: [], client_status: {} }, "online", habits);
  const change = rng.weighted(CHANGES);
  if (change === "game") return { ...current, activities: toggleGame(current.activities, rng, now) };
  if (change === "custom")
    return { ...current, activities: changeCustomStatus(current.activities, rng, now) };
  const choices = [...ONLINE_STATUSES, ...(habits.goesOffline ? ["offline" as const] : [])];
  return withStatus(current, rng.pick(choices.filter((status) => status !== current.status)), habits);
}

/** Every platform they are on shows the new status; offline keeps nothing, as on Discord. */
function withStatus(current: StoredPresence, status: PresenceStatus, habits: Habits): StoredPresence {
  if (status === "offline") return { status, activities: [], client_status: {} };
  const platforms = Object.keys(current.client_status) as Platform[];
  const on = platforms.length > 0 ? platforms : habits.platforms;
  return { ...current, status, client_status: Object.fromEntries(on.map((platform) => [platform, status])) };
}

/** A game stopped if one is running, else one started just now. */
function toggleGame(
  activities: readonly GatewayActivity[],
  rng: SeededRandom,
  now: number,
): GatewayActivity[] {
  const others = activities.filter((activity) => activity.type !== ActivityType.Playing);
  if (others.length < activities.length) return others;
  return [...activities, playingGame(randomGameSession(rng), now)];
}

/** A custom status cleared half the time there is one; otherwise a new one, set now, first as Discord lists it. */
function changeCustomStatus(
  activities: readonly GatewayActivity[],
  rng: SeededRandom,
  now: number,
): GatewayActivity[] {
  const others = activities.filter((activity) => activity.type !== ActivityType.Custom);
  if (others.length < activities.length && rng.chance(0.5)) return others;
  const { text, emoji } = randomStatusLine(rng);
  return [customStatusActivity(text, emoji, now), ...others];
}
