/**
 * The last N serialised dispatches of one session, for RESUME. Sequence numbers of a session are
 * consecutive, so the frame for `s` sits at a position computed from the newest sequence: a ring of
 * strings, with no per-entry bookkeeping on the dispatch hot path.
 */
export class ReplayBuffer {
  readonly #capacity: number;
  readonly #frames: string[] = [];
  /** Where the next frame goes once the ring is full. */
  #next = 0;
  #lastSeq = 0;

  constructor(capacity: number) {
    this.#capacity = Math.max(0, capacity);
  }

  get size(): number {
    return this.#frames.length;
  }

  get lastSeq(): number {
    return this.#lastSeq;
  }

  /** The oldest sequence still held (lastSeq + 1 when empty). */
  get firstSeq(): number {
    return this.#lastSeq - this.#frames.length + 1;
  }

  /** Appends the frame for sequence lastSeq + 1. */
  push(frame: string): void {
    this.#lastSeq += 1;
    if (this.#capacity === 0) return;
    if (this.#frames.length < this.#capacity) {
      this.#frames.push(frame);
      return;
    }
    this.#frames[this.#next] = frame;
    this.#next = (this.#next + 1) % this.#capacity;
  }

  /**
   * Every frame with s > seq, oldest first; null when frames the client missed were already dropped.
   * `seq` must not be greater than lastSeq (the caller rejects that as an invalid sequence).
   */
  framesAfter(seq: number): string[] | null {
    if (seq < this.firstSeq - 1) return null;
    const count = this.#lastSeq - seq;
    const out: string[] = new Array(count);
    const oldest = this.#frames.length < this.#capacity ? 0 : this.#next;
    const skip = this.#frames.length - count;
    for (let i = 0; i < count; i++) out[i] = this.#frames[(oldest + skip + i) % this.#frames.length]!;
    return out;
  }
}
