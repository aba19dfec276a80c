/**
 * How far Discord's clock is ahead of ours, bounded from below so that a reset read on Discord's
 * clock is never placed earlier on ours than it really is. Pure: time comes in as arguments.
 *
 * Why: a bucket's reset reckoned as "the answer's arrival plus Reset-After" is late by the answer's
 * whole trip back (Discord, then the Worker, then this object), and under load that trip is long;
 * on a 1 s bucket it costs a few percent of the bot's throughput in every window. Every answer
 * also says Discord's time when it answered (X-RateLimit-Reset less Reset-After), and it arrived
 * here no earlier than that, so `discordNow - arrival` is at most the true offset. The largest of
 * recent samples is the tightest such bound: the offset less the quickest trip back seen. A reset
 * placed with it is still never early, whatever the skew between the two clocks; it is late only
 * by that quickest trip.
 *
 * (Workers' clocks advance only at I/O; a settle's arrival is I/O, so its time is never before it.)
 *
 * Samples are kept per slot for a short while only, so a clock that drifts is followed, and
 * DISCORD_CLOCK_MARGIN_MS covers Discord's own machines disagreeing by a little. A clock that steps
 * back shows at once: Discord answered after the request was sent, so `discordNow - sentAt` is at
 * least the offset, and a bound above that is from before the step; everything is forgotten then.
 */

/** Recent enough to follow a drifting clock, long enough to see a quick answer now and then. */
const SLOT_MS = 5_000;
const SLOTS = 6;
/** Held back from the bound for Discord's servers' clocks differing among themselves. */
export const DISCORD_CLOCK_MARGIN_MS = 10;

export class DiscordClock {
  /** [slot start, the largest sample in it], oldest first. */
  readonly #slots: [number, number][] = [];

  /** A request sent at `sentAt` was answered when Discord's time was `discordNow`, and that arrived at `arrivedAt`. */
  observe(discordNow: number, sentAt: number, arrivedAt: number): void {
    const slot = arrivedAt - (arrivedAt % SLOT_MS);
    this.#forget(arrivedAt);
    if (this.#bound() > discordNow - sentAt) this.#slots.length = 0;
    const sample = discordNow - arrivedAt;
    const last = this.#slots.at(-1);
    if (last && last[0] === slot) last[1] = Math.max(last[1], sample);
    else this.#slots.push([slot, sample]);
  }

  /** `discordTime` on our clock, never earlier than it really is; null while nothing is known. */
  toLocal(discordTime: number, now: number): number | null {
    this.#forget(now);
    if (this.#slots.length === 0) return null;
    return discordTime - this.#bound() + DISCORD_CLOCK_MARGIN_MS;
  }

  #bound(): number {
    return Math.max(...this.#slots.map(([, sample]) => sample));
  }

  #forget(now: number): void {
    while (this.#slots.length > 0 && this.#slots[0]![0] <= now - SLOTS * SLOT_MS) this.#slots.shift();
  }
}
