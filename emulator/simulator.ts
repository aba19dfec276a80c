import { setImmediate as nextTurn } from "node:timers/promises";
import { RepeatingTimer } from "./repeating-timer.ts";
import { SeededRandom } from "./seeded-random.ts";
import { randomPresence } from "./simulator-activities.ts";
import {
  randomAvatar,
  randomGlobalName,
  randomProfile,
  randomUsername,
  simulatedUserId,
} from "./simulator-profiles.ts";
import type { EmulatedGuild, World } from "./world.ts";

/**
 * Presence churn for the local demo and the benchmarks: a crowd of simulated members who come
 * online, listen to Spotify, play games, set statuses, change profiles, leave and come back,
 * through the world's own methods so the gateway announces every change. A seed makes a run
 * reproducible; the clock is injectable so tests can pin timestamps.
 */

export interface SimulatorOptions {
  /** Simulated members, 1 to MAX_SIMULATED_USERS. */
  users: number;
  /** Changes per second, 0 to MAX_RATE; fractions work (0.5 = one every two seconds). */
  rate: number;
  /** Default: the world's first guild. */
  guildId?: string;
  /** Default 1. */
  seed?: number;
}

export interface SimulatorStatus {
  running: boolean;
  users: number;
  rate: number;
  guild_id: string | null;
  /** Changes made so far by the timer, churn() and burst(); joining at start() is not counted. */
  updates: number;
}

export const MAX_SIMULATED_USERS = 10_000;
export const MAX_RATE = 10_000;
export const MAX_BURST = 1_000_000;
const DEFAULT_SEED = 1;
const TICK_MS = 50;
/** After a stall (a blocked event loop), at most this much owed work is caught up. */
const MAX_BACKLOG_SECONDS = 0.5;
/** Presence updates per event-loop turn in a burst; sockets drain between chunks. */
const BURST_CHUNK = 500;
/** Share of simulated users online when they join. */
const ONLINE_AT_START = 0.75;
/** What one change is, in proportion: mostly presences, sometimes a profile, now and then a leave or a return. */
const CHANGE_WEIGHTS = [
  ["presence", 85],
  ["profile", 6],
  ["rejoin", 5],
  ["leave", 4],
] as const;

export class SimulatorError extends Error {
  readonly status: 400 | 409;
  constructor(status: 400 | 409, message: string) {
    super(message);
    this.status = status;
  }
}

/** The crowd of one start(): who is currently a member of the guild and who has left. */
interface Crowd {
  guildId: string;
  rng: SeededRandom;
  size: number;
  members: string[];
  away: string[];
  /** Usernames changed so far; numbers new usernames so they stay unique. */
  renames: number;
}

/** How many changes are due after `elapsedMs` at `rate`, carrying the fraction to the next tick. */
export function accrue(owed: number, rate: number, elapsedMs: number): { due: number; owed: number } {
  const total = Math.min(owed + (rate * elapsedMs) / 1000, Math.max(1, rate * MAX_BACKLOG_SECONDS));
  const due = Math.floor(total);
  return { due, owed: total - due };
}

export class Simulator {
  readonly #world: World;
  readonly #clock: () => number;
  #crowd: Crowd | null = null;
  #rate = 0;
  readonly #timer = new RepeatingTimer();
  #updates = 0;

  constructor(world: World, clock: () => number = Date.now) {
    this.#world = world;
    this.#clock = clock;
  }

  /** Creates the crowd (or reuses it: the same seed means the same users) and starts the churn. */
  start(options: SimulatorOptions): SimulatorStatus {
    const { users, rate, seed = DEFAULT_SEED } = options;
    if (!Number.isInteger(users) || users < 1 || users > MAX_SIMULATED_USERS)
      throw new SimulatorError(
        400,
        `users must be an integer from 1 to ${MAX_SIMULATED_USERS}, got ${users}`,
      );
    if (!Number.isFinite(rate) || rate < 0 || rate > MAX_RATE)
      throw new SimulatorError(400, `rate must be from 0 to ${MAX_RATE} changes per second, got ${rate}`);
    if (!Number.isInteger(seed)) throw new SimulatorError(400, `seed must be an integer, got ${seed}`);
    const guild = options.guildId
      ? this.#world.requireGuild(options.guildId)
      : this.#world.guilds.values().next().value;
    if (!guild) throw new SimulatorError(409, "the world has no guild to simulate members in");

    this.stop();
    this.#crowd = this.#gather(guild, users, seed);
    this.#rate = rate;
    if (rate > 0) this.#startTimer();
    return this.status();
  }

  /** Stops the churn; the simulated users stay where they are. */
  stop(): SimulatorStatus {
    this.#timer.stop();
    return this.status();
  }

  status(): SimulatorStatus {
    return {
      running: this.#timer.running,
      users: this.#crowd?.size ?? 0,
      rate: this.#rate,
      guild_id: this.#crowd?.guildId ?? null,
      updates: this.#updates,
    };
  }

  /** Makes `count` changes now, of every kind the timer makes. */
  churn(count: number): void {
    if (!Number.isInteger(count) || count < 0)
      throw new SimulatorError(400, `count must be a whole number of changes, got ${count}`);
    const crowd = this.#requireCrowd();
    for (let i = 0; i < count; i++) this.#change(crowd);
  }

  /**
   * Emits exactly `count` presence updates as fast as the event loop allows, in chunks with a
   * turn of the loop between them, and resolves when all are dispatched. Needs start() first;
   * start with rate 0 for bursts alone.
   */
  async burst(count: number): Promise<void> {
    if (!Number.isInteger(count) || count < 1 || count > MAX_BURST)
      throw new SimulatorError(400, `count must be an integer from 1 to ${MAX_BURST}, got ${count}`);
    const crowd = this.#requireCrowd();
    for (let done = 0; done < count; ) {
      const chunkEnd = Math.min(count, done + BURST_CHUNK);
      for (; done < chunkEnd; done++) {
        if (!this.#changePresence(crowd))
          throw new SimulatorError(409, `no simulated user is a member of guild ${crowd.guildId} any more`);
        this.#updates++;
      }
      if (done < count) await nextTurn();
    }
  }

  #startTimer(): void {
    let last = performance.now();
    let owed = 0;
    this.#timer.start(TICK_MS, () => {
      const now = performance.now();
      const step = accrue(owed, this.#rate, now - last);
      last = now;
      owed = step.owed;
      if (this.#crowd) this.churn(step.due);
    });
  }

  #requireCrowd(): Crowd {
    if (!this.#crowd)
      throw new SimulatorError(409, "the simulator has no users yet: start it first (rate 0 to only burst)");
    return this.#crowd;
  }

  /** Every user's profile and presence is drawn even when it already exists, so a seed always replays the same. */
  #gather(guild: EmulatedGuild, size: number, seed: number): Crowd {
    const rng = new SeededRandom(seed);
    const crowd: Crowd = { guildId: guild.id, rng, size, members: [], away: [], renames: 0 };
    const now = this.#clock();
    for (let index = 0; index < size; index++) {
      const id = simulatedUserId(seed, index);
      const profile = randomProfile(rng, index);
      const joinedAt = new Date(now - rng.int(0, 3 * 365 * 86_400_000));
      const presence = rng.chance(ONLINE_AT_START) ? randomPresence(rng, id, now, { online: true }) : null;
      if (!this.#world.users.has(id)) this.#world.createUser({ id, discriminator: "0", ...profile });
      if (this.#world.addMember(guild.id, id, joinedAt) && presence)
        this.#world.setPresence(guild.id, { user: { id }, ...presence });
      crowd.members.push(id);
    }
    return crowd;
  }

  #change(crowd: Crowd): void {
    const kind = crowd.rng.weighted(CHANGE_WEIGHTS);
    const changed =
      (kind === "leave" && this.#leave(crowd)) ||
      (kind === "rejoin" && this.#rejoin(crowd)) ||
      (kind === "profile" && this.#changeProfile(crowd)) ||
      // A presence change otherwise; with every member gone, someone comes back instead.
      this.#changePresence(crowd) ||
      this.#rejoin(crowd);
    if (changed) this.#updates++;
  }

  /** One PRESENCE_UPDATE; false when no simulated user is a member. */
  #changePresence(crowd: Crowd): boolean {
    const id = this.#pickMember(crowd);
    if (!id) return false;
    this.#world.setPresence(crowd.guildId, { user: { id }, ...randomPresence(crowd.rng, id, this.#clock()) });
    return true;
  }

  #changeProfile(crowd: Crowd): boolean {
    const id = this.#pickMember(crowd);
    if (!id) return false;
    const change = crowd.rng.weighted<"username" | "global_name" | "avatar">([
      ["username", 1],
      ["global_name", 2],
      ["avatar", 2],
    ]);
    const patch =
      change === "username"
        ? { username: randomUsername(crowd.rng, crowd.size + crowd.renames++) } // past every index: still unique
        : change === "global_name"
          ? { global_name: randomGlobalName(crowd.rng) }
          : { avatar: randomAvatar(crowd.rng) };
    this.#world.updateUser(id, patch);
    return true;
  }

  #leave(crowd: Crowd): boolean {
    const id = this.#pickMember(crowd, { remove: true });
    if (!id) return false;
    this.#world.removeMember(crowd.guildId, id);
    crowd.away.push(id);
    return true;
  }

  #rejoin(crowd: Crowd): boolean {
    if (crowd.away.length === 0) return false;
    const id = takeAt(crowd.away, crowd.rng.int(0, crowd.away.length - 1));
    this.#world.addMember(crowd.guildId, id, new Date(this.#clock()));
    crowd.members.push(id);
    if (crowd.rng.chance(ONLINE_AT_START))
      this.#world.setPresence(crowd.guildId, {
        user: { id },
        ...randomPresence(crowd.rng, id, this.#clock(), { online: true }),
      });
    return true;
  }

  /**
   * A random current member. The world is the truth: a member removed behind the simulator's back
   * (the control API, a test) moves to `away` when picked.
   */
  #pickMember(crowd: Crowd, options: { remove?: boolean } = {}): string | null {
    const guild = this.#world.requireGuild(crowd.guildId);
    while (crowd.members.length > 0) {
      const index = crowd.rng.int(0, crowd.members.length - 1);
      const id = crowd.members[index]!;
      if (!guild.members.has(id)) {
        crowd.away.push(takeAt(crowd.members, index));
        continue;
      }
      return options.remove ? takeAt(crowd.members, index) : id;
    }
    return null;
  }
}

/** Removes and returns items[index] in O(1) by moving the last item into its place. */
function takeAt(items: string[], index: number): string {
  const taken = items[index]!;
  items[index] = items[items.length - 1]!;
  items.pop();
  return taken;
}
