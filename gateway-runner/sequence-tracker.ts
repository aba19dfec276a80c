/**
 * Which gateway sequence each shard may safely resume from after a crash: the last one whose events
 * the Worker has acknowledged. Every event that produced a delta holds its sequence until the batch
 * carrying that delta is accepted (or dropped for good); the checkpoint is then one less than the
 * lowest sequence still held, or the highest sequence handled when nothing is held. Acks may come
 * back in any order, since a user's delta may wait in the buffer while later users' are sent.
 *
 * A new session numbers its events from 1 again, so holds belong to an epoch: those taken under a
 * session that has since ended count for nothing when released.
 */

export interface SequenceHold {
  readonly shardId: number;
  readonly epoch: number;
  readonly seq: number;
}

interface ShardProgress {
  epoch: number;
  /** Highest sequence whose dispatch has been handled. */
  handled: number;
  /** Sequences still held, with how many deltas hold each. */
  held: Map<number, number>;
}

export class SequenceTracker {
  readonly #shards = new Map<number, ShardProgress>();
  #epochs = 0;

  /** A session begins on the shard (READY), or is loaded from the store at start with its sequence. */
  startSession(shardId: number, sequence: number): void {
    this.#epochs += 1;
    this.#shards.set(shardId, { epoch: this.#epochs, handled: sequence, held: new Map() });
  }

  /** The shard's session is gone (invalidated, or the shard destroyed): nothing left to resume. */
  endSession(shardId: number): void {
    this.#shards.delete(shardId);
  }

  /** The dispatch with this sequence has been handled: its deltas, if any, are held already. */
  handled(shardId: number, seq: number): void {
    const progress = this.#shards.get(shardId);
    if (progress && seq > progress.handled) progress.handled = seq;
  }

  /** Holds `seq` until released; null when the shard has no session to checkpoint. */
  hold(shardId: number, seq: number): SequenceHold | null {
    const progress = this.#shards.get(shardId);
    if (!progress) return null;
    progress.held.set(seq, (progress.held.get(seq) ?? 0) + 1);
    return { shardId, epoch: progress.epoch, seq };
  }

  release(hold: SequenceHold): void {
    const progress = this.#shards.get(hold.shardId);
    if (!progress || progress.epoch !== hold.epoch) return;
    const count = progress.held.get(hold.seq) ?? 0;
    if (count <= 1) progress.held.delete(hold.seq);
    else progress.held.set(hold.seq, count - 1);
  }

  /** The sequence to resume from, or null when the shard has no session. */
  acknowledged(shardId: number): number | null {
    const progress = this.#shards.get(shardId);
    if (!progress) return null;
    let lowestHeld = Number.POSITIVE_INFINITY;
    for (const seq of progress.held.keys()) if (seq < lowestHeld) lowestHeld = seq;
    return Math.max(0, Math.min(progress.handled, lowestHeld - 1));
  }
}
