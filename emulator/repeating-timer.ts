/**
 * A callback run every `intervalMs` until stopped, for the emulator's own activity (the simulator's
 * churn, the seeded members' life). Unref'd: the server keeps the process alive, and a forgotten
 * timer should not.
 */
export class RepeatingTimer {
  #timer: ReturnType<typeof setInterval> | null = null;

  get running(): boolean {
    return this.#timer !== null;
  }

  /** Starts `tick` every `intervalMs`, replacing whatever ran before. */
  start(intervalMs: number, tick: () => void): void {
    this.stop();
    this.#timer = setInterval(tick, intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }
}
