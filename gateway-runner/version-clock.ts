/**
 * Versions for user deltas: the wall clock in milliseconds times 1000, plus one for each version
 * minted in the same millisecond. The Worker keeps the newest version per user and ignores older
 * ones, so versions must keep increasing across restarts; deriving them from the clock does that
 * without persisting a counter, as long as a restart takes longer than the thousand versions per
 * millisecond the counter can absorb (it then borrows from the next milliseconds, never goes back).
 * Within a process they never go backwards, even if the wall clock is stepped back.
 */
export class VersionClock {
  readonly #now: () => number;
  #last = 0;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  next(): number {
    this.#last = Math.max(Math.floor(this.#now()) * 1000, this.#last + 1);
    return this.#last;
  }
}
