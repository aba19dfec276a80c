import { GatewayDispatchEvents, GatewayIntentBits } from "discord-api-types/v10";
import { describe, expect, it } from "vitest";
import {
  intentNames,
  intentsForEvents,
  parseForwardEvents,
  parseIntents,
} from "../../../gateway-runner/intents.ts";

const I = GatewayIntentBits;
const CURRENT_NAMES = [
  "Guilds",
  "GuildMembers",
  "GuildModeration",
  "GuildExpressions",
  "GuildIntegrations",
  "GuildWebhooks",
  "GuildInvites",
  "GuildVoiceStates",
  "GuildPresences",
  "GuildMessages",
  "GuildMessageReactions",
  "GuildMessageTyping",
  "DirectMessages",
  "DirectMessageReactions",
  "DirectMessageTyping",
  "MessageContent",
  "GuildScheduledEvents",
  "AutoModerationConfiguration",
  "AutoModerationExecution",
  "GuildMessagePolls",
  "DirectMessagePolls",
] as const;
const ALL_KNOWN = CURRENT_NAMES.reduce((all, name) => all | I[name], 0);
const HIGHEST_KNOWN = I.DirectMessagePolls;
const ALL_EVENTS: string[] = Object.values(GatewayDispatchEvents);

/** GuildMessagePolls → GUILD_MESSAGE_POLLS, the spelling Discord's docs use. */
const screamingSnake = (name: string) => name.replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase();

function errorOf(result: { error: string } | object): string {
  expect(result).toHaveProperty("error");
  return (result as { error: string }).error;
}

describe("parseIntents: a bitfield", () => {
  it.each([0, 1, I.GuildMessages, HIGHEST_KNOWN, ALL_KNOWN])("takes the number %i", (bits) => {
    expect(parseIntents(bits)).toEqual({ bits });
  });

  it.each([
    ["0", 0],
    ["512", 512],
    [" 513 ", 513],
    ["00512", 512],
    [String(HIGHEST_KNOWN), HIGHEST_KNOWN],
    [String(ALL_KNOWN), ALL_KNOWN],
  ])("takes the digits %j", (text, bits) => {
    expect(parseIntents(text)).toEqual({ bits });
  });

  it("refuses a bit no intent has, and says which", () => {
    expect(errorOf(parseIntents(1 << 22))).toBe("sets bits that are no intent: 1 << 22");
    expect(errorOf(parseIntents(String(1 << 22)))).toBe("sets bits that are no intent: 1 << 22");
    expect(errorOf(parseIntents(HIGHEST_KNOWN * 2))).toBe("sets bits that are no intent: 1 << 26");
    expect(errorOf(parseIntents(I.Guilds | (1 << 17)))).toBe("sets bits that are no intent: 1 << 17");
  });

  it("sees bits beyond 32, which JavaScript's bitwise operators would drop", () => {
    expect(errorOf(parseIntents(2 ** 40))).toBe("sets bits that are no intent: 1 << 40");
    expect(errorOf(parseIntents(2 ** 32 + 1))).toBe("sets bits that are no intent: 1 << 32");
    expect(errorOf(parseIntents("36028797018963968"))).toBe("sets bits that are no intent: 1 << 55");
  });

  it("lists at most eight unknown bits", () => {
    // Bits 0-39: the unknown ones are 17-19, 22, 23 and 26-39, nineteen in all.
    const error = errorOf(parseIntents(String(2 ** 40 - 1)));
    expect(error).toBe(
      "sets bits that are no intent: 1 << 17, 1 << 18, 1 << 19, 1 << 22, 1 << 23, 1 << 26, 1 << 27, 1 << 28 and 11 more",
    );
  });

  it.each([-1, "-1", "-512"])("refuses the negative %j", (value) => {
    expect(errorOf(parseIntents(value))).toBe(`must not be negative (${value})`);
  });

  it.each([1.5, "1.5", "512.", ".5", "-1.5", Number.NaN, Number.POSITIVE_INFINITY])(
    "refuses %j, which is not a whole number",
    (value) => {
      expect(errorOf(parseIntents(value))).toBe(
        `must be intent names or a whole-number bitfield; ${value} is not a whole number`,
      );
    },
  );
});

describe("parseIntents: names", () => {
  it("reads a comma-separated list, ignoring whitespace and empty items", () => {
    expect(parseIntents("Guilds,GuildMessages")).toEqual({ bits: I.Guilds | I.GuildMessages });
    expect(parseIntents("  Guilds ,\tGuildMessages  ")).toEqual({ bits: I.Guilds | I.GuildMessages });
    expect(parseIntents(",Guilds,,GuildMessages,")).toEqual({ bits: I.Guilds | I.GuildMessages });
    expect(parseIntents("Guilds,Guilds")).toEqual({ bits: I.Guilds });
  });

  it("reads an empty list as no intents", () => {
    expect(parseIntents("")).toEqual({ bits: 0 });
    expect(parseIntents("  ")).toEqual({ bits: 0 });
    expect(parseIntents(" , ,")).toEqual({ bits: 0 });
    expect(parseIntents([])).toEqual({ bits: 0 });
    expect(parseIntents(["", " "])).toEqual({ bits: 0 });
  });

  it("reads a TOML array of names", () => {
    expect(parseIntents(["Guilds", " GUILD_MEMBERS "])).toEqual({ bits: I.Guilds | I.GuildMembers });
  });

  it.each([
    "GuildMessages",
    "GUILD_MESSAGES",
    "guild_messages",
    "guildmessages",
    "GUILDMESSAGES",
    "gUiLd_MeSsAgEs",
  ])("takes %j as GuildMessages", (name) => {
    expect(parseIntents(name)).toEqual({ bits: I.GuildMessages });
  });

  it.each(CURRENT_NAMES)("knows %s in discord.js's and Discord's spellings", (name) => {
    expect(parseIntents(name)).toEqual({ bits: I[name] });
    expect(parseIntents(screamingSnake(name))).toEqual({ bits: I[name] });
  });

  it("knows the names Discord's docs use", () => {
    expect(parseIntents("GUILDS, GUILD_MODERATION, GUILD_EXPRESSIONS, AUTO_MODERATION_EXECUTION")).toEqual({
      bits: I.Guilds | I.GuildModeration | I.GuildExpressions | I.AutoModerationExecution,
    });
    expect(parseIntents(["DIRECT_MESSAGE_POLLS", "MESSAGE_CONTENT"])).toEqual({
      bits: I.DirectMessagePolls | I.MessageContent,
    });
  });

  it("still takes the deprecated aliases for renamed intents", () => {
    expect(parseIntents("GuildBans")).toEqual({ bits: I.GuildModeration });
    expect(parseIntents("GUILD_EMOJIS_AND_STICKERS")).toEqual({ bits: I.GuildExpressions });
  });

  it("names an unknown intent, lists the valid ones, and repeats nothing else", () => {
    const error = errorOf(parseIntents("Guilds, Bogus1, Bogus2"));
    expect(error).toMatch(/^unknown intent "Bogus1"; the intents are Guilds, GuildMembers, /);
    expect(error).toContain("DirectMessagePolls (Discord's GUILD_MESSAGES spelling works too)");
    expect(error).not.toContain("Bogus2");
    expect(error).not.toContain("GuildBans");
    for (const name of CURRENT_NAMES) expect(error).toContain(name);
    expect(errorOf(parseIntents(["Nope"]))).toMatch(/^unknown intent "Nope";/);
  });

  it("is not fooled by Object's own property names", () => {
    expect(errorOf(parseIntents("constructor"))).toMatch(/^unknown intent "constructor";/);
    expect(errorOf(parseIntents("__proto__"))).toMatch(/^unknown intent "__proto__";/);
  });

  it("refuses a bitfield among names", () => {
    expect(errorOf(parseIntents("Guilds, 512"))).toBe(
      '"512" is a bitfield: give it alone, not among intent names',
    );
    expect(errorOf(parseIntents(["512"]))).toBe('"512" is a bitfield: give it alone, not among intent names');
  });

  it("reads numbers in other notations as names, so refuses them", () => {
    expect(errorOf(parseIntents("0x200"))).toMatch(/^unknown intent "0x200";/);
    expect(errorOf(parseIntents("1e3"))).toMatch(/^unknown intent "1e3";/);
  });
});

describe("intentNames", () => {
  it("names the set bits, lowest first", () => {
    expect(intentNames(0)).toEqual([]);
    expect(intentNames(I.GuildMessages | I.Guilds)).toEqual(["Guilds", "GuildMessages"]);
    expect(intentNames(HIGHEST_KNOWN)).toEqual(["DirectMessagePolls"]);
    expect(intentNames(ALL_KNOWN)).toEqual([...CURRENT_NAMES]);
  });

  it("uses the current names, not the deprecated aliases", () => {
    expect(intentNames(I.GuildModeration | I.GuildExpressions)).toEqual([
      "GuildModeration",
      "GuildExpressions",
    ]);
  });

  it("ignores bits no intent has", () => {
    expect(intentNames(I.Guilds | (1 << 22))).toEqual(["Guilds"]);
  });

  it("round-trips through parseIntents", () => {
    const bits = I.Guilds | I.GuildPresences | I.MessageContent | I.DirectMessagePolls;
    expect(parseIntents(intentNames(bits).join(","))).toEqual({ bits });
  });
});

describe("intentsForEvents", () => {
  it.each([
    ["GUILD_CREATE", I.Guilds],
    ["GUILD_UPDATE", I.Guilds],
    ["GUILD_ROLE_DELETE", I.Guilds],
    ["CHANNEL_CREATE", I.Guilds],
    ["CHANNEL_DELETE", I.Guilds],
    ["THREAD_CREATE", I.Guilds],
    ["THREAD_LIST_SYNC", I.Guilds],
    ["STAGE_INSTANCE_UPDATE", I.Guilds],
    ["CHANNEL_PINS_UPDATE", I.Guilds | I.DirectMessages],
    ["THREAD_MEMBERS_UPDATE", I.Guilds | I.GuildMembers],
    ["GUILD_MEMBER_ADD", I.GuildMembers],
    ["GUILD_MEMBER_UPDATE", I.GuildMembers],
    ["GUILD_MEMBER_REMOVE", I.GuildMembers],
    ["GUILD_AUDIT_LOG_ENTRY_CREATE", I.GuildModeration],
    ["GUILD_BAN_ADD", I.GuildModeration],
    ["GUILD_BAN_REMOVE", I.GuildModeration],
    ["GUILD_EMOJIS_UPDATE", I.GuildExpressions],
    ["GUILD_STICKERS_UPDATE", I.GuildExpressions],
    ["GUILD_SOUNDBOARD_SOUND_CREATE", I.GuildExpressions],
    ["GUILD_SOUNDBOARD_SOUNDS_UPDATE", I.GuildExpressions],
    ["GUILD_INTEGRATIONS_UPDATE", I.GuildIntegrations],
    ["INTEGRATION_CREATE", I.GuildIntegrations],
    ["INTEGRATION_DELETE", I.GuildIntegrations],
    ["WEBHOOKS_UPDATE", I.GuildWebhooks],
    ["INVITE_CREATE", I.GuildInvites],
    ["INVITE_DELETE", I.GuildInvites],
    ["VOICE_STATE_UPDATE", I.GuildVoiceStates],
    ["VOICE_CHANNEL_EFFECT_SEND", I.GuildVoiceStates],
    ["PRESENCE_UPDATE", I.GuildPresences],
    ["MESSAGE_CREATE", I.GuildMessages | I.DirectMessages],
    ["MESSAGE_UPDATE", I.GuildMessages | I.DirectMessages],
    ["MESSAGE_DELETE", I.GuildMessages | I.DirectMessages],
    ["MESSAGE_DELETE_BULK", I.GuildMessages],
    ["MESSAGE_REACTION_ADD", I.GuildMessageReactions | I.DirectMessageReactions],
    ["MESSAGE_REACTION_REMOVE_ALL", I.GuildMessageReactions | I.DirectMessageReactions],
    ["MESSAGE_REACTION_REMOVE_EMOJI", I.GuildMessageReactions | I.DirectMessageReactions],
    ["TYPING_START", I.GuildMessageTyping | I.DirectMessageTyping],
    ["GUILD_SCHEDULED_EVENT_CREATE", I.GuildScheduledEvents],
    ["GUILD_SCHEDULED_EVENT_USER_REMOVE", I.GuildScheduledEvents],
    ["AUTO_MODERATION_RULE_CREATE", I.AutoModerationConfiguration],
    ["AUTO_MODERATION_RULE_DELETE", I.AutoModerationConfiguration],
    ["AUTO_MODERATION_ACTION_EXECUTION", I.AutoModerationExecution],
    ["MESSAGE_POLL_VOTE_ADD", I.GuildMessagePolls | I.DirectMessagePolls],
    ["MESSAGE_POLL_VOTE_REMOVE", I.GuildMessagePolls | I.DirectMessagePolls],
  ])("%s needs %i", (event, bits) => {
    expect(intentsForEvents([event])).toBe(bits);
  });

  it.each([
    "READY",
    "RESUMED",
    "INTERACTION_CREATE",
    "USER_UPDATE",
    "APPLICATION_COMMAND_PERMISSIONS_UPDATE",
    "ENTITLEMENT_CREATE",
    "ENTITLEMENT_UPDATE",
    "ENTITLEMENT_DELETE",
    "GUILD_MEMBERS_CHUNK",
    "VOICE_SERVER_UPDATE",
    "RATE_LIMITED",
  ])("%s needs no intent", (event) => {
    expect(intentsForEvents([event])).toBe(0);
  });

  it("is the union of each event's intents", () => {
    expect(intentsForEvents([])).toBe(0);
    expect(intentsForEvents(["READY", "PRESENCE_UPDATE", "GUILD_CREATE", "PRESENCE_UPDATE"])).toBe(
      I.GuildPresences | I.Guilds,
    );
    expect(intentsForEvents(["MESSAGE_CREATE", "MESSAGE_REACTION_ADD"])).toBe(
      I.GuildMessages | I.DirectMessages | I.GuildMessageReactions | I.DirectMessageReactions,
    );
  });

  it("never implies MessageContent, which is privileged and sends no events of its own", () => {
    expect(intentsForEvents(ALL_EVENTS) & I.MessageContent).toBe(0);
    expect(intentsForEvents(["MESSAGE_CREATE", "MESSAGE_UPDATE"]) & I.MessageContent).toBe(0);
  });

  it("implies every other intent for some event, and nothing that is no intent", () => {
    expect(intentsForEvents(ALL_EVENTS)).toBe(ALL_KNOWN & ~I.MessageContent);
  });

  it("reads names in any case, and adds nothing for names it does not know", () => {
    expect(intentsForEvents(["message_create"])).toBe(I.GuildMessages | I.DirectMessages);
    expect(intentsForEvents(["NOPE", "constructor", "__proto__", "toString"])).toBe(0);
  });
});

describe("parseForwardEvents", () => {
  it("upper-cases, deduplicates and keeps the order given", () => {
    expect(parseForwardEvents(["typing_start", "Message_Create", "TYPING_START", "message_create"])).toEqual({
      events: ["TYPING_START", "MESSAGE_CREATE"],
    });
  });

  it("ignores whitespace and empty items", () => {
    expect(parseForwardEvents([" MESSAGE_CREATE ", "", "  "])).toEqual({ events: ["MESSAGE_CREATE"] });
    expect(parseForwardEvents([])).toEqual({ events: [] });
  });

  it("takes every dispatch Discord sends", () => {
    expect(parseForwardEvents(ALL_EVENTS)).toEqual({ events: ALL_EVENTS });
  });

  it.each(["*", "MESSAGE_*", "*_UPDATE"])("refuses the wildcard %j", (name) => {
    expect(errorOf(parseForwardEvents(["READY", name]))).toBe(
      `${JSON.stringify(name)}: wildcards are not accepted; name each event`,
    );
  });

  it("names an unknown event, and repeats nothing else", () => {
    const error = errorOf(parseForwardEvents(["READY", "HELLO_WORLD", "ALSO_BOGUS"]));
    expect(error).toBe('unknown gateway event "HELLO_WORLD"');
    expect(errorOf(parseForwardEvents(["constructor"]))).toBe('unknown gateway event "constructor"');
  });

  it.each([
    ["MESSAGE_CREAT", "MESSAGE_CREATE"],
    ["MESSAGE_CRAETE", "MESSAGE_CREATE"],
    ["messageCreate", "MESSAGE_CREATE"],
    ["guildMemberAdd", "GUILD_MEMBER_ADD"],
    ["PRESENCES_UPDATE", "PRESENCE_UPDATE"],
    ["message-delete", "MESSAGE_DELETE"],
  ])("suggests the near miss for %j", (name, guess) => {
    expect(errorOf(parseForwardEvents([name]))).toBe(
      `unknown gateway event ${JSON.stringify(name)} (did you mean ${guess}?)`,
    );
  });
});
