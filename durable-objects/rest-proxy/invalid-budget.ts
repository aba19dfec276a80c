/**
 * Discord's invalid-request ban, counted before it happens: 10,000 answers with 401, 403 or a
 * non-shared 429 in 10 minutes get the address banned by Cloudflare for about an hour. The proxy
 * counts them per bot over a sliding 10 minutes, in 10-second slots (60 numbers, however busy the
 * bot), and refuses every request once the budget is spent, until enough slots have slid out.
 */

export const BUDGET_WINDOW_MS = 10 * 60_000;
export const BUDGET_SLOT_MS = 10_000;

/** [slot start (epoch ms), count] pairs, oldest first: what the object persists. */
export type BudgetSlots = Array<[number, number]>;

export class InvalidBudget {
  readonly #budget: number;
  #slots: BudgetSlots;

  constructor(budget: number, slots: BudgetSlots = []) {
    this.#budget = budget;
    this.#slots = slots.map(([start, count]) => [start, count]);
  }

  get budget(): number {
    return this.#budget;
  }

  /** Counts `n` invalid answers at `now`; returns the slot to persist. */
  record(now: number, n = 1): [number, number] {
    this.#slide(now);
    const start = now - (now % BUDGET_SLOT_MS);
    const last = this.#slots.at(-1);
    if (last && last[0] === start) last[1] += n;
    else this.#slots.push([start, n]);
    return [...this.#slots.at(-1)!] as [number, number];
  }

  used(now: number): number {
    this.#slide(now);
    return this.#slots.reduce((sum, [, count]) => sum + count, 0);
  }

  /** 0 while requests may go; otherwise ms until enough invalid answers have slid out of the window. */
  refusedForMs(now: number): number {
    let used = this.used(now);
    if (used < this.#budget) return 0;
    for (const [start, count] of this.#slots) {
      used -= count;
      if (used < this.#budget) return start + BUDGET_SLOT_MS + BUDGET_WINDOW_MS - now;
    }
    return BUDGET_WINDOW_MS;
  }

  /** Drops slots wholly older than the window (a slot counts until its last moment has slid out). */
  #slide(now: number): void {
    const oldest = now - BUDGET_WINDOW_MS;
    while (this.#slots.length > 0 && this.#slots[0]![0] + BUDGET_SLOT_MS <= oldest) this.#slots.shift();
  }
}
