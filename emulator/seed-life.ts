import { isSpotify, playOn } from "./playlist.ts";
import { changedPresence, type Habits } from "./presence-changes.ts";
import { RepeatingTimer } from "./repeating-timer.ts";
import { SEED, SEED_MEMBERS } from "./seed.ts";
import { SeededRandom } from "./seeded-random.ts";
import { SimulatorError } from "./simulator.ts";
import type { World } from "./world.ts";

/**
 * The seeded members, alive, for the local demo: whoever listens to Spotify (ada) plays on through
 * the seeded playlist as each track ends, and every `paceMs` one of them, in turn, changes one
 * thing (a status, a game started or stopped, a custom status). The simulator's crowd is another
 * matter: many strangers churning at a rate, for load; this is the few people the README names,
 * changing at a pace a person can follow. Still until start(), so tests see the seeded world as
 * written. Changes go through the world's methods, so the gateway announces each one; the world is
 * the truth, so a presence set from outside (the control API) is where the next change starts.
 */

export interface SeedLifeOptions {
  /** Milliseconds between two changes, at least MIN_PACE_MS. */
  paceMs: number;
  /** Default 1; the same seed makes the same changes in the same order. */
  seed?: number;
}

export interface SeedLifeStatus {
  running: boolean;
  pace_ms: number;
  /** Changes made by turns so far (tracks that moved on not counted). */
  changes: number;
  /** Tracks that began because the one before ended. */
  tracks: number;
}

export const MIN_PACE_MS = 50;
/** How often the timer looks for an ended track, whatever the pace. */
const TICK_MS = 250;
const DEFAULT_SEED = 1;

export class SeedLife {
  readonly #world: World;
  readonly #guildId: string;
  readonly #memberIds: readonly string[];
  readonly #clock: () => number;
  #rng = new SeededRandom(DEFAULT_SEED);
  #habits = new Map<string, Habits>();
  #paceMs = 0;
  #nextChangeAt = 0;
  #turn = 0;
  #changes = 0;
  #tracks = 0;
  readonly #timer = new RepeatingTimer();

  constructor(
    world: World,
    options: { guildId?: string; memberIds?: readonly string[]; clock?: () => number } = {},
  ) {
    this.#world = world;
    this.#guildId = options.guildId ?? SEED.guildId;
    this.#memberIds = options.memberIds ?? SEED_MEMBERS.map((member) => member.id);
    this.#clock = options.clock ?? Date.now;
  }

  /**
   * Starts changing from the presences the members have now; what they have now also fixes their
   * habits (the platforms they use, whether they go offline). With `timer: false` nothing happens
   * until step() is called, for tests on an injected clock.
   */
  start(options: SeedLifeOptions, { timer = true } = {}): SeedLifeStatus {
    const { paceMs, seed = DEFAULT_SEED } = options;
    if (!Number.isFinite(paceMs) || paceMs < MIN_PACE_MS)
      throw new SimulatorError(400, `pace must be at least ${MIN_PACE_MS} ms between changes, got ${paceMs}`);
    if (!Number.isInteger(seed)) throw new SimulatorError(400, `seed must be an integer, got ${seed}`);
    if (!this.#world.guilds.has(this.#guildId))
      throw new SimulatorError(
        409,
        `the world has no guild ${this.#guildId} for the seeded members to live in`,
      );
    this.stop();
    const guild = this.#world.requireGuild(this.#guildId);
    this.#habits = new Map(
      this.#memberIds.map((id) => {
        const presence = guild.presences.get(id);
        const platforms = Object.keys(presence?.client_status ?? {}) as Habits["platforms"];
        return [id, { platforms: platforms.length > 0 ? platforms : ["desktop"], goesOffline: !presence }];
      }),
    );
    this.#rng = new SeededRandom(seed);
    this.#paceMs = paceMs;
    this.#turn = 0;
    this.#nextChangeAt = this.#clock() + paceMs;
    if (timer) this.#timer.start(Math.min(TICK_MS, paceMs), () => this.step());
    return this.status();
  }

  stop(): SeedLifeStatus {
    this.#timer.stop();
    return this.status();
  }

  status(): SeedLifeStatus {
    return {
      running: this.#timer.running,
      pace_ms: this.#paceMs,
      changes: this.#changes,
      tracks: this.#tracks,
    };
  }

  /**
   * Everything due by now: the next track for whoever's has ended, and the changes whose turn has
   * come. After a stall (a blocked event loop, a clock jumped forward) each member changes at most
   * once, and the pace starts again from now.
   */
  step(): void {
    const now = this.#clock();
    const guild = this.#world.guilds.get(this.#guildId);
    if (!guild) return;
    for (const id of this.#memberIds) this.#playOn(id, now);
    let due = 0;
    while (now >= this.#nextChangeAt && due < this.#memberIds.length) {
      this.#changeNext(now);
      this.#nextChangeAt += this.#paceMs;
      due++;
    }
    if (now >= this.#nextChangeAt) this.#nextChangeAt = now + this.#paceMs;
  }

  #playOn(id: string, now: number): void {
    const presence = this.#world.guilds.get(this.#guildId)?.presences.get(id);
    if (!presence?.activities.some(isSpotify)) return;
    let moved = false;
    const activities = presence.activities.map((activity) => {
      const next = isSpotify(activity) ? playOn(activity, id, now) : null;
      if (next) moved = true;
      return next ?? activity;
    });
    if (!moved) return;
    this.#world.setPresence(this.#guildId, { user: { id }, ...presence, activities });
    this.#tracks++;
  }

  /** The next member in turn who is still in the guild changes one thing. */
  #changeNext(now: number): void {
    const guild = this.#world.requireGuild(this.#guildId);
    for (let tried = 0; tried < this.#memberIds.length; tried++) {
      const id = this.#memberIds[this.#turn++ % this.#memberIds.length]!;
      if (!guild.members.has(id)) continue;
      const presence = changedPresence(
        guild.presences.get(id) ?? null,
        this.#habits.get(id)!,
        this.#rng,
        now,
      );
      this.#world.setPresence(this.#guildId, { user: { id }, ...presence });
      this.#changes++;
      return;
    }
  }
}
