/**
 * Exponential backoff with full jitter (a random wait between 0 and the exponential step, AWS's
 * "full jitter"): many clients dropped at once, by a deploy or a Worker restart, come back spread
 * over the window instead of together, which is what makes the server's recovery smooth.
 */

export interface BackoffOptions {
  /** The first step's ceiling, in ms. */
  baseMs: number;
  /** No wait is longer than this. */
  maxMs: number;
}

/** The wait before retry number `attempt` (0 for the first retry). */
export function backoffDelay(attempt: number, options: BackoffOptions, random = Math.random): number {
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(random() * ceiling);
}

/**
 * Waits `ms`, or rejects with the signal's reason as soon as it aborts. The timer is the only
 * thing keeping a caller waiting, so it is not unref'd: a process mid-retry stays alive.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
