import type { DiscordProfile, Presence } from "../schemas/ingest.ts";
import type { Membership } from "./membership.ts";
import type { SequenceHold } from "./sequence-tracker.ts";

/**
 * The forward buffer: at most one pending delta per user. A new event for a user already waiting
 * merges into their delta, the latest value of each facet winning, so the buffer is bounded by the
 * number of users, not of events, however long the Worker is away. Facets are states, not events,
 * which is why merging keeps per-user order: sending the latest of each is the same as sending them
 * all in order. Users leave in the order they first started waiting.
 */

/** What one Discord event says about one user; an absent facet says nothing about it. */
export interface UserUpdate {
  userId: string;
  user?: DiscordProfile;
  /** null: no longer in any monitored guild. */
  membership?: Membership;
  presence?: Presence;
}

export interface PendingDelta extends UserUpdate {
  /** When the oldest event merged in was received (performance.now()): where forward latency starts. */
  receivedAt: number;
  /** Gateway sequences this delta holds until the Worker has it; one per shard session at most. */
  holds: SequenceHold[];
}

/**
 * Merges `newer` into `older`'s place: newer facets win, older ones fill the gaps. Returns the merged
 * delta and the holds it no longer needs: for each shard session only the lowest sequence matters,
 * since all of a delta's holds are released together.
 */
export function mergeDeltas(
  older: PendingDelta,
  newer: PendingDelta,
): { merged: PendingDelta; spare: SequenceHold[] } {
  const merged: PendingDelta = {
    userId: older.userId,
    receivedAt: Math.min(older.receivedAt, newer.receivedAt),
    holds: [],
  };
  const user = newer.user ?? older.user;
  const membership = newer.membership !== undefined ? newer.membership : older.membership;
  const presence = newer.presence ?? older.presence;
  if (user !== undefined) merged.user = user;
  if (membership !== undefined) merged.membership = membership;
  if (presence !== undefined) merged.presence = presence;

  const spare: SequenceHold[] = [];
  const lowest = new Map<string, SequenceHold>();
  for (const hold of [...older.holds, ...newer.holds]) {
    const key = `${hold.shardId}:${hold.epoch}`;
    const kept = lowest.get(key);
    if (!kept) lowest.set(key, hold);
    else if (hold.seq < kept.seq) {
      spare.push(kept);
      lowest.set(key, hold);
    } else spare.push(hold);
  }
  merged.holds = [...lowest.values()];
  return { merged, spare };
}

export class Coalescer {
  #pending = new Map<string, PendingDelta>();

  /** Adds one user's update; returns holds made redundant by merging, for the caller to release. */
  add(update: UserUpdate, receivedAt: number, hold: SequenceHold | null): SequenceHold[] {
    const delta: PendingDelta = { ...update, receivedAt, holds: hold ? [hold] : [] };
    const waiting = this.#pending.get(update.userId);
    if (!waiting) {
      this.#pending.set(update.userId, delta);
      return [];
    }
    const { merged, spare } = mergeDeltas(waiting, delta);
    // Map.set on an existing key keeps its place: the user keeps their turn.
    this.#pending.set(update.userId, merged);
    return spare;
  }

  /** Removes and returns up to `max` deltas, the longest-waiting first. */
  take(max: number): PendingDelta[] {
    const taken: PendingDelta[] = [];
    for (const [userId, delta] of this.#pending) {
      if (taken.length >= max) break;
      taken.push(delta);
      this.#pending.delete(userId);
    }
    return taken;
  }

  /**
   * Puts back deltas that were taken but not delivered. They are older than anything that arrived
   * for the same users since, so they merge underneath it, and they go back to the front of the line.
   * Returns the holds made redundant.
   */
  restore(deltas: PendingDelta[]): SequenceHold[] {
    const spare: SequenceHold[] = [];
    const restored = new Map<string, PendingDelta>();
    for (const older of deltas) {
      const newer = this.#pending.get(older.userId);
      if (!newer) {
        restored.set(older.userId, older);
        continue;
      }
      const result = mergeDeltas(older, newer);
      spare.push(...result.spare);
      restored.set(older.userId, result.merged);
      this.#pending.delete(older.userId);
    }
    this.#pending = new Map([...restored, ...this.#pending]);
    return spare;
  }

  /** Users waiting. */
  get size(): number {
    return this.#pending.size;
  }

  has(userId: string): boolean {
    return this.#pending.has(userId);
  }
}
