/**
 * The two timing pieces of a batch loop (forwarder.ts, queue-sink.ts): the one pending send, and
 * the drain that waits for the loop to run dry.
 */

/** At most one timer at a time: starting it while it is pending changes nothing. */
export class FlushTimer {
  readonly #run: () => void;
  readonly #setTimer: (callback: () => void, ms: number) => NodeJS.Timeout;
  #timer: NodeJS.Timeout | null = null;

  constructor(run: () => void, setTimer: (callback: () => void, ms: number) => NodeJS.Timeout = setTimeout) {
    this.#run = run;
    this.#setTimer = setTimer;
  }

  get pending(): boolean {
    return this.#timer !== null;
  }

  start(delayMs: number): void {
    if (this.#timer) return;
    this.#timer = this.#setTimer(() => {
      this.#timer = null;
      this.#run();
    }, delayMs);
  }

  clear(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }
}

/**
 * Resolves when `isEmpty()` holds (checked each time `notify()` is called) or after `timeoutMs`,
 * whichever comes first: a drain.
 */
export class EmptyWaiters {
  readonly #waiters: (() => void)[] = [];

  async wait(isEmpty: () => boolean, timeoutMs: number): Promise<boolean> {
    if (isEmpty()) return true;
    let timeout: NodeJS.Timeout | undefined;
    const emptied = new Promise<boolean>((resolve) => this.#waiters.push(() => resolve(true)));
    const expired = new Promise<boolean>((resolve) => {
      timeout = setTimeout(() => resolve(false), timeoutMs);
    });
    const drained = await Promise.race([emptied, expired]);
    clearTimeout(timeout);
    return drained;
  }

  /** Called whenever something settled: wakes the waiters once nothing is left. */
  notify(isEmpty: boolean): void {
    if (isEmpty) for (const resolve of this.#waiters.splice(0)) resolve();
  }
}
