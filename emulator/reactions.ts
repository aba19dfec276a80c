import type { APIPartialEmoji, APIReaction } from "discord-api-types/v10";

/**
 * Reactions on one message, as the reaction routes change them: which users reacted with which
 * emoji, in the order they did, and the `reactions` summary Discord puts on the message. Only
 * normal reactions; super reactions (burst) are not emulated.
 */

/** Discord caps a message at 20 distinct reaction emojis (30010 beyond). */
export const MAX_REACTION_EMOJIS = 20;

/** Custom emoji as a path segment: `name:id`, or `a:name:id` for an animated one. */
const CUSTOM_EMOJI = /^(?:a:)?([\w~]{2,32}):(\d{17,20})$/;
/** Something a unicode emoji is made of: a pictograph, a regional indicator or a keycap. */
const PICTOGRAPH = /\p{Extended_Pictographic}|\p{Regional_Indicator}|\u20e3/u;

/**
 * The `:emoji` path segment, already percent-decoded: a unicode emoji or a custom one. Anything
 * else is undefined (Discord answers 10014 Unknown Emoji). Unicode emoji are recognised by
 * their characters, not against Discord's list.
 */
export function parseEmoji(segment: string): APIPartialEmoji | undefined {
  const custom = CUSTOM_EMOJI.exec(segment);
  if (custom) {
    const emoji: APIPartialEmoji = { id: custom[2]!, name: custom[1]! };
    if (segment.startsWith("a:")) emoji.animated = true;
    return emoji;
  }
  if ([...segment].length > 16 || /[\s:/A-Za-z]/.test(segment) || !PICTOGRAPH.test(segment)) return undefined;
  return { id: null, name: segment };
}

/** One entry per emoji: custom emoji by id (the name may change), unicode by the characters. */
function keyOf(emoji: APIPartialEmoji): string {
  return emoji.id ?? emoji.name ?? "";
}

interface Entry {
  emoji: APIPartialEmoji;
  users: string[];
}

export class MessageReactions {
  readonly #entries = new Map<string, Entry>();

  /** Adds the user's reaction; false when it was there already. Throws past 20 emojis. */
  add(emoji: APIPartialEmoji, userId: string): boolean {
    const key = keyOf(emoji);
    let entry = this.#entries.get(key);
    if (!entry) {
      if (this.#entries.size >= MAX_REACTION_EMOJIS) throw new RangeError("too many reactions");
      entry = { emoji, users: [] };
      this.#entries.set(key, entry);
    }
    if (entry.users.includes(userId)) return false;
    entry.users.push(userId);
    return true;
  }

  /** Removes the user's reaction; false when there was none. */
  remove(emoji: APIPartialEmoji, userId: string): boolean {
    const key = keyOf(emoji);
    const entry = this.#entries.get(key);
    const index = entry?.users.indexOf(userId) ?? -1;
    if (!entry || index < 0) return false;
    entry.users.splice(index, 1);
    if (entry.users.length === 0) this.#entries.delete(key);
    return true;
  }

  /** Who reacted with `emoji`, in the order they did. */
  users(emoji: APIPartialEmoji): readonly string[] {
    return this.#entries.get(keyOf(emoji))?.users ?? [];
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The message's `reactions` as `viewerId` sees them (`me`). */
  summary(viewerId: string): APIReaction[] {
    return [...this.#entries.values()].map(({ emoji, users }) => ({
      count: users.length,
      count_details: { burst: 0, normal: users.length },
      me: users.includes(viewerId),
      me_burst: false,
      emoji,
      burst_colors: [],
    }));
  }
}
