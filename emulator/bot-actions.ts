/**
 * What the bot did, for a test to assert on without scraping channels: its messages sent, edited
 * and deleted, and its reactions, in order. Bounded: the oldest entries go first, and `after()`
 * says how many a reader missed.
 */

export type BotActionKind =
  | "message_create"
  | "message_update"
  | "message_delete"
  | "reaction_add"
  | "reaction_remove";

export interface BotAction {
  /** 1, 2, 3…: a reader asks for what came after the last one it saw. */
  seq: number;
  at: string;
  kind: BotActionKind;
  channel_id: string;
  message_id: string;
  /** The message's content after a create or an update. */
  content?: string;
  /** The emoji of a reaction, as `name` or `name:id`. */
  emoji?: string;
}

export const BOT_ACTIONS_KEPT = 1_000;

export class BotActionLog {
  readonly #kept: BotAction[] = [];
  #seq = 0;

  record(action: Omit<BotAction, "seq" | "at">, now = new Date()): void {
    this.#kept.push({ seq: ++this.#seq, at: now.toISOString(), ...action });
    if (this.#kept.length > BOT_ACTIONS_KEPT) this.#kept.shift();
  }

  /** The actions after `seq`, oldest first, and how many of those are no longer kept. */
  after(seq: number): { actions: BotAction[]; missed: number } {
    const actions = this.#kept.filter((action) => action.seq > seq);
    const first = actions[0]?.seq ?? this.#seq + 1;
    return { actions, missed: Math.max(0, first - seq - 1) };
  }
}
