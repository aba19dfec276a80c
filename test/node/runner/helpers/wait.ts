import { setTimeout as sleep } from "node:timers/promises";

/** Generous: two noisy cores can stall a process for seconds. Tests wait for conditions, never times. */
export const WAIT_MS = 20_000;

/** Polls until `condition` holds; fails naming `what` (and the last state `describe` gives). */
export async function waitFor(
  what: string,
  condition: () => boolean | Promise<boolean>,
  options: { timeoutMs?: number; describe?: () => unknown } = {},
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? WAIT_MS);
  while (!(await condition())) {
    if (Date.now() > deadline) {
      const state = options.describe ? `\nlast state: ${JSON.stringify(options.describe(), null, 1)}` : "";
      throw new Error(`timed out waiting for ${what}${state}`);
    }
    await sleep(25);
  }
}
