/**
 * Reads of users' objects in flight in this isolate, by user id, so that concurrent cache misses
 * for one user share one object call (request coalescing): when a popular user's entry is purged,
 * the readers that arrive before it is stored again wait for the first one's read instead of each
 * asking the object.
 *
 * A purge supersedes the read in flight for its user: readers that arrive after it start a read of
 * their own, which sees the change, and the superseded read's answer is not stored, since it may
 * predate the change and would stay in the cache for a whole TTL. Isolates share nothing, so in a
 * data centre with several isolates a change can still be followed by one read per isolate, and a
 * read in flight in another isolate during a purge may store what it read (the staleness bound of
 * edge-cache.ts covers it: at most one TTL).
 */
export class InFlightReads<T> {
  readonly #reads = new Map<string, InFlightRead<T>>();

  /** The read in flight for `key`, if any. */
  join(key: string): Promise<T> | undefined {
    return this.#reads.get(key)?.value;
  }

  /**
   * Registers `value` as the read for `key` until it settles. `stillCurrent()` says, once it has,
   * whether its answer may be stored: false when a purge came meanwhile.
   */
  lead(key: string, value: Promise<T>): { stillCurrent(): boolean } {
    const read: InFlightRead<T> = { value, superseded: false };
    this.#reads.set(key, read);
    const forget = () => {
      if (this.#reads.get(key) === read) this.#reads.delete(key);
    };
    value.then(forget, forget);
    return { stillCurrent: () => !read.superseded };
  }

  /** The user changed: later readers must not get what is being read now. */
  supersede(key: string): void {
    const read = this.#reads.get(key);
    if (!read) return;
    read.superseded = true;
    this.#reads.delete(key);
  }

  get size(): number {
    return this.#reads.size;
  }
}

interface InFlightRead<T> {
  value: Promise<T>;
  superseded: boolean;
}
