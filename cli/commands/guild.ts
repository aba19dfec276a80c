import type { Command } from "../command.ts";
import { channelLines } from "../format.ts";

/** `guild channels` and `guild member`: what the bot sees of a guild, through the message API. */

const json = { type: "boolean", description: "print the answer as JSON" } as const;

export const guildChannels: Command = {
  path: ["guild", "channels"],
  usage: "<guild_id>",
  summary: "list a guild's channels (needs the proxy key)",
  details: `Prints one line a channel, tab-separated: id, type, name, category ("-" for none);
categories first, each followed by its channels.`,
  options: { json },
  needs: "key",
  minArgs: 1,
  maxArgs: 1,
  async run({ args, values, client, settings, io }) {
    const channels = await client.guilds.channels(args[0]!, { timeoutMs: settings.timeoutMs });
    if (values.json) io.out(JSON.stringify(channels, null, 2));
    else for (const line of channelLines(channels)) io.out(line);
    return 0;
  },
};

export const guildMember: Command = {
  path: ["guild", "member"],
  usage: "<guild_id> <user_id>",
  summary: "show a member of a guild (needs the proxy key)",
  details: "Prints the member's username, nickname, roles and when they joined.",
  options: { json },
  needs: "key",
  minArgs: 2,
  maxArgs: 2,
  async run({ args, values, client, settings, io }) {
    const member = await client.guilds.member(args[0]!, args[1]!, { timeoutMs: settings.timeoutMs });
    if (values.json) {
      io.out(JSON.stringify(member, null, 2));
      return 0;
    }
    const name = member.user.global_name ?? member.user.username;
    const nick = member.nick ? `, nick ${member.nick}` : "";
    io.out(
      `${name} (${member.user.username})${nick}, joined ${member.joined_at}, roles: ${member.roles.join(", ") || "none"}`,
    );
    return 0;
  },
};
