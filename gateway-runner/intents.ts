import { GatewayDispatchEvents, GatewayIntentBits } from "discord-api-types/v10";

/**
 * The runner's INTENTS and FORWARD_EVENTS settings: reading them, and which intents the forwarded
 * events need. Pure: no I/O, so config.ts can call it while validating and tests need no gateway.
 *
 * Error messages follow config.ts: a phrase that reads after the setting's name, and never more of
 * the value than the item at fault.
 */

export type IntentsResult = { bits: number } | { error: string };
export type ForwardEventsResult = { events: string[] } | { error: string };

// A numeric enum also maps each value back to a name; only the name → bit entries are intents.
const INTENT_ENTRIES = Object.entries(GatewayIntentBits).filter(
  (entry): entry is [string, number] => typeof entry[1] === "number",
);

// discord-api-types keeps renamed intents' old names as deprecated aliases (GuildBans for
// GuildModeration, GuildEmojisAndStickers for GuildExpressions), each declared after the current
// name, so the first name seen for a bit is the one to show. The aliases are still accepted.
const CURRENT_NAMES = new Map<number, string>();
for (const [name, bit] of INTENT_ENTRIES) if (!CURRENT_NAMES.has(bit)) CURRENT_NAMES.set(bit, name);

/** `GuildMessages`, `GUILD_MESSAGES`, `guild_messages` and `guildmessages` are one name. */
const nameKey = (name: string) => name.replaceAll("_", "").toLowerCase();
const INTENT_BY_KEY = new Map(INTENT_ENTRIES.map(([name, bit]) => [nameKey(name), bit]));

// BigInt, because JavaScript's bitwise operators cut numbers to 32 bits and a bitfield may be longer.
const KNOWN_BITS = INTENT_ENTRIES.reduce((all, [, bit]) => all | BigInt(bit), 0n);

const VALID_NAMES = `${[...CURRENT_NAMES.values()].join(", ")} (Discord's GUILD_MESSAGES spelling works too)`;

/** At most this many unknown bits are listed; a pasted wrong number should not fill the screen. */
const MAX_LISTED_BITS = 8;

/**
 * INTENTS, given as intent names or as the bitfield itself (as Spectacles has DISCORD_INTENTS and
 * DISCORD_RAW_INTENTS): a number or a string of digits is the bitfield; otherwise a comma-separated
 * list of names, or an array of them from TOML. An empty list is no intents (0).
 */
export function parseIntents(value: string | number | readonly string[]): IntentsResult {
  if (typeof value === "number") return fromBitfield(value);
  if (typeof value !== "string") return fromNames(value);
  const text = value.trim();
  if (/^\d+$/.test(text)) return fromBitfield(BigInt(text));
  // Meant as a bitfield, but not a whole number of bits: say so, rather than "unknown intent".
  if (/^-\d+$/.test(text)) return negative(text);
  if (/^-?(\d+\.?\d*|\.\d+)$/.test(text)) return notWhole(text);
  return fromNames(text.split(","));
}

const negative = (shown: string | number) => ({ error: `must not be negative (${shown})` });
const notWhole = (shown: string | number) => ({
  error: `must be intent names or a whole-number bitfield; ${shown} is not a whole number`,
});

function fromBitfield(value: number | bigint): IntentsResult {
  if (typeof value === "number") {
    if (!Number.isInteger(value)) return notWhole(value);
    if (value < 0) return negative(value);
  }
  const bits = BigInt(value);
  const unknown = bits & ~KNOWN_BITS;
  if (unknown !== 0n) return { error: `sets bits that are no intent: ${describeBits(unknown)}` };
  return { bits: Number(bits) };
}

function describeBits(bits: bigint): string {
  const positions = [...bits.toString(2)]
    .reverse()
    .flatMap((digit, position) => (digit === "1" ? [position] : []));
  const listed = positions.slice(0, MAX_LISTED_BITS).map((position) => `1 << ${position}`);
  const more = positions.length - listed.length;
  return listed.join(", ") + (more > 0 ? ` and ${more} more` : "");
}

function fromNames(items: readonly string[]): IntentsResult {
  let bits = 0;
  for (const raw of items) {
    const item = raw.trim();
    if (item === "") continue;
    if (/^\d+$/.test(item)) {
      return { error: `${JSON.stringify(item)} is a bitfield: give it alone, not among intent names` };
    }
    const bit = INTENT_BY_KEY.get(nameKey(item));
    if (bit === undefined) {
      return { error: `unknown intent ${JSON.stringify(item)}; the intents are ${VALID_NAMES}` };
    }
    bits |= bit;
  }
  return { bits };
}

/** The current PascalCase names of the intents set in `bits`, lowest bit first, for the start-up log. */
export function intentNames(bits: number): string[] {
  return [...CURRENT_NAMES].filter(([bit]) => (bits & bit) !== 0).map(([, name]) => name);
}

const {
  Guilds,
  GuildMembers,
  GuildModeration,
  GuildExpressions,
  GuildIntegrations,
  GuildWebhooks,
  GuildInvites,
  GuildVoiceStates,
  GuildPresences,
  GuildMessages,
  GuildMessageReactions,
  GuildMessageTyping,
  DirectMessages,
  DirectMessageReactions,
  DirectMessageTyping,
  GuildScheduledEvents,
  AutoModerationConfiguration,
  AutoModerationExecution,
  GuildMessagePolls,
  DirectMessagePolls,
} = GatewayIntentBits;

/**
 * The intents Discord requires before it sends each dispatch, from the "List of Intents":
 * https://discord.com/developers/docs/events/gateway#list-of-intents
 *
 * Every dispatch discord-api-types knows must appear, so a new one fails type-checking until someone
 * decides its intents, rather than silently needing none.
 *
 * Where an event is listed under a guild intent and a DM intent, both are asked for: whoever
 * forwards MESSAGE_CREATE expects guild and DM messages alike.
 *
 * MESSAGE_CONTENT is in no row. It sends no events of its own (it fills in content fields of
 * message events), and it is privileged: asking for it without enabling it in the Developer Portal
 * closes the connection with 4014. So it is never implied; the user sets INTENTS=MessageContent.
 */
const EVENT_INTENTS: Record<GatewayDispatchEvents, number> = {
  GUILD_CREATE: Guilds,
  GUILD_UPDATE: Guilds,
  GUILD_DELETE: Guilds,
  GUILD_ROLE_CREATE: Guilds,
  GUILD_ROLE_UPDATE: Guilds,
  GUILD_ROLE_DELETE: Guilds,
  CHANNEL_CREATE: Guilds,
  CHANNEL_UPDATE: Guilds,
  CHANNEL_DELETE: Guilds,
  CHANNEL_PINS_UPDATE: Guilds | DirectMessages,
  THREAD_CREATE: Guilds,
  THREAD_UPDATE: Guilds,
  THREAD_DELETE: Guilds,
  THREAD_LIST_SYNC: Guilds,
  THREAD_MEMBER_UPDATE: Guilds,
  // Listed under both: with Guilds alone it only reports the bot itself joining or leaving a thread;
  // other members' changes need GuildMembers (privileged).
  THREAD_MEMBERS_UPDATE: Guilds | GuildMembers,
  STAGE_INSTANCE_CREATE: Guilds,
  STAGE_INSTANCE_UPDATE: Guilds,
  STAGE_INSTANCE_DELETE: Guilds,

  // Privileged. (Discord sends the bot's own GUILD_MEMBER_UPDATE without it, but no one else's.)
  GUILD_MEMBER_ADD: GuildMembers,
  GUILD_MEMBER_UPDATE: GuildMembers,
  GUILD_MEMBER_REMOVE: GuildMembers,

  GUILD_AUDIT_LOG_ENTRY_CREATE: GuildModeration,
  GUILD_BAN_ADD: GuildModeration,
  GUILD_BAN_REMOVE: GuildModeration,

  GUILD_EMOJIS_UPDATE: GuildExpressions,
  GUILD_STICKERS_UPDATE: GuildExpressions,
  GUILD_SOUNDBOARD_SOUND_CREATE: GuildExpressions,
  GUILD_SOUNDBOARD_SOUND_UPDATE: GuildExpressions,
  GUILD_SOUNDBOARD_SOUND_DELETE: GuildExpressions,
  GUILD_SOUNDBOARD_SOUNDS_UPDATE: GuildExpressions,

  GUILD_INTEGRATIONS_UPDATE: GuildIntegrations,
  INTEGRATION_CREATE: GuildIntegrations,
  INTEGRATION_UPDATE: GuildIntegrations,
  INTEGRATION_DELETE: GuildIntegrations,

  WEBHOOKS_UPDATE: GuildWebhooks,

  INVITE_CREATE: GuildInvites,
  INVITE_DELETE: GuildInvites,

  VOICE_CHANNEL_EFFECT_SEND: GuildVoiceStates,
  VOICE_STATE_UPDATE: GuildVoiceStates,

  // Privileged.
  PRESENCE_UPDATE: GuildPresences,

  MESSAGE_CREATE: GuildMessages | DirectMessages,
  MESSAGE_UPDATE: GuildMessages | DirectMessages,
  MESSAGE_DELETE: GuildMessages | DirectMessages,
  // Guild messages only: DIRECT_MESSAGES does not list it (messages are bulk-deleted in guild channels).
  MESSAGE_DELETE_BULK: GuildMessages,

  MESSAGE_REACTION_ADD: GuildMessageReactions | DirectMessageReactions,
  MESSAGE_REACTION_REMOVE: GuildMessageReactions | DirectMessageReactions,
  MESSAGE_REACTION_REMOVE_ALL: GuildMessageReactions | DirectMessageReactions,
  MESSAGE_REACTION_REMOVE_EMOJI: GuildMessageReactions | DirectMessageReactions,

  TYPING_START: GuildMessageTyping | DirectMessageTyping,

  GUILD_SCHEDULED_EVENT_CREATE: GuildScheduledEvents,
  GUILD_SCHEDULED_EVENT_UPDATE: GuildScheduledEvents,
  GUILD_SCHEDULED_EVENT_DELETE: GuildScheduledEvents,
  GUILD_SCHEDULED_EVENT_USER_ADD: GuildScheduledEvents,
  GUILD_SCHEDULED_EVENT_USER_REMOVE: GuildScheduledEvents,

  AUTO_MODERATION_RULE_CREATE: AutoModerationConfiguration,
  AUTO_MODERATION_RULE_UPDATE: AutoModerationConfiguration,
  AUTO_MODERATION_RULE_DELETE: AutoModerationConfiguration,
  AUTO_MODERATION_ACTION_EXECUTION: AutoModerationExecution,

  MESSAGE_POLL_VOTE_ADD: GuildMessagePolls | DirectMessagePolls,
  MESSAGE_POLL_VOTE_REMOVE: GuildMessagePolls | DirectMessagePolls,

  // "Any events not listed means it's not associated with an intent and will always be sent":
  // session events, replies to the bot's own requests (GUILD_MEMBERS_CHUNK, SOUNDBOARD_SOUNDS,
  // CHANNEL_INFO), and events about the application rather than a guild.
  READY: 0,
  RESUMED: 0,
  RATE_LIMITED: 0,
  USER_UPDATE: 0,
  INTERACTION_CREATE: 0,
  APPLICATION_COMMAND_PERMISSIONS_UPDATE: 0,
  ENTITLEMENT_CREATE: 0,
  ENTITLEMENT_UPDATE: 0,
  ENTITLEMENT_DELETE: 0,
  SUBSCRIPTION_CREATE: 0,
  SUBSCRIPTION_UPDATE: 0,
  SUBSCRIPTION_DELETE: 0,
  GUILD_MEMBERS_CHUNK: 0,
  SOUNDBOARD_SOUNDS: 0,
  CHANNEL_INFO: 0,
  VOICE_SERVER_UPDATE: 0,
  VOICE_CHANNEL_STATUS_UPDATE: 0,
  VOICE_CHANNEL_START_TIME_UPDATE: 0,
};

// A Map, so that names like "constructor" or "__proto__" find nothing rather than Object's own.
const INTENTS_BY_EVENT = new Map<string, number>(Object.entries(EVENT_INTENTS));

/**
 * The intents to identify with so that Discord sends every one of `events` (dispatch names, as
 * parseForwardEvents returns them). Names it does not know add nothing: validate them first.
 */
export function intentsForEvents(events: readonly string[]): number {
  return events.reduce((bits, event) => bits | (INTENTS_BY_EVENT.get(event.toUpperCase()) ?? 0), 0);
}

const KNOWN_EVENTS: readonly string[] = Object.values(GatewayDispatchEvents);

/**
 * FORWARD_EVENTS: dispatch names, in any case, each one Discord sends (a GatewayDispatchEvents
 * value). Returns them upper-case, each once, in the order given.
 */
export function parseForwardEvents(names: readonly string[]): ForwardEventsResult {
  const events = new Set<string>();
  for (const raw of names) {
    const name = raw.trim();
    if (name === "") continue;
    // Forwarding is opt-in, event by event: "*" would silently start forwarding whatever Discord adds.
    if (name.includes("*")) {
      return { error: `${JSON.stringify(name)}: wildcards are not accepted; name each event` };
    }
    const event = name.toUpperCase();
    if (!KNOWN_EVENTS.includes(event)) {
      const guess = closestEvent(event);
      const hint = guess === undefined ? "" : ` (did you mean ${guess}?)`;
      return { error: `unknown gateway event ${JSON.stringify(name)}${hint}` };
    }
    events.add(event);
  }
  return { events: [...events] };
}

/** Suggestions stay within this many edits, ignoring underscores: a typo, not a different event. */
const MAX_SUGGESTION_DISTANCE = 2;

/**
 * The known event nearest `name`, if one is a near miss. Underscores are ignored, so that discord.js's
 * event names (messageCreate) lead to Discord's (MESSAGE_CREATE).
 */
function closestEvent(name: string): string | undefined {
  const target = name.replaceAll("_", "");
  let best: string | undefined;
  let bestDistance = MAX_SUGGESTION_DISTANCE + 1;
  for (const event of KNOWN_EVENTS) {
    const distance = editDistance(target, event.replaceAll("_", ""));
    if (distance < bestDistance) [best, bestDistance] = [event, distance];
  }
  return best;
}

/** Levenshtein distance: insertions, deletions and substitutions, one row at a time. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length]!;
}
