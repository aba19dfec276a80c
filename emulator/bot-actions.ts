/**
 * What the bot did, for a test to assert on without scraping channels: its messages sent, edited
 * and deleted, its reactions and its answers to interactions, in order. Bounded: the oldest entries go first, and `after()`
 * says how many a reader missed.
 */

export type BotActionKind =
  | "message_create"
  | "message_update"
  | "message_delete"
  | "reaction_add"
  | "reaction_remove"
  | "interaction_response";

export interface BotAction {
  /** 1, 2, 3…: a reader asks for what came after the last one it saw. */
  seq: number;
  at: string;
  kind: BotActionKind;
  /** The channel; null for an interaction's response that created no message. */
  channel_id: string | null;
  /** The message; null for an interaction's response that created none. */
  message_id: string | null;
  /** The message's content after a create or an update. */
  content?: string;
  /** The emoji of a reaction, as `name` or `name:id`. */
  emoji?: string;
  /** An interaction response's interaction and type (4 a message, 5 deferred, 6 and 7 updates, …). */
  interaction_id?: string;
  response_type?: number;
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
