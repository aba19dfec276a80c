import type { Command } from "../command.ts";
import { CliFailure, EXIT } from "../exit-codes.ts";

/** `kv get`, `kv set`, `kv delete`: a user's key-value pairs; writes need the user's token. */

export const kvGet: Command = {
  path: ["kv", "get"],
  usage: "<user_id> [key]",
  summary: "a user's pairs, or one value",
  details: `With a key, prints its value as it is (exit 4 if it is not set); without, one key=value
line a pair. Reads need no token.`,
  options: { json: { type: "boolean", description: "print JSON ({key: value}, or {value})" } },
  minArgs: 1,
  maxArgs: 2,
  async run({ args, values, client, settings, io }) {
    const [userId, key] = args as [string, string | undefined];
    const call = { timeoutMs: settings.timeoutMs };
    if (key === undefined) {
      const pairs = await client.kv.get(userId, undefined, call);
      if (values.json) io.out(JSON.stringify(pairs, null, 2));
      else for (const [name, value] of Object.entries(pairs)) io.out(`${name}=${value}`);
      return 0;
    }
    const value = await client.kv.get(userId, key, call);
    if (value === undefined)
      throw new CliFailure(`not found: ${key} is not set for ${userId}`, EXIT.notFound);
    io.out(values.json ? JSON.stringify({ value }) : value);
    return 0;
  },
};

export const kvSet: Command = {
  path: ["kv", "set"],
  usage: "<user_id> <key> <value>",
  summary: "set one key (needs the user's token)",
  details: `<user_id> may be @me, the token's owner. <value> - reads it from stdin (one trailing
newline dropped). The token is --token or PORCHLIGHT_TOKEN (the bot's /storage token create).`,
  options: {},
  needs: "token",
  minArgs: 3,
  maxArgs: 3,
  async run({ args, client, settings, io }) {
    const [userId, key, given] = args as [string, string, string];
    const value = given === "-" ? (await io.readStdin()).replace(/\r?\n$/, "") : given;
    await client.kv.set(userId, key, value, { timeoutMs: settings.timeoutMs });
    io.out(`set ${key} for ${userId}`);
    return 0;
  },
};

export const kvDelete: Command = {
  path: ["kv", "delete"],
  usage: "<user_id> <key>",
  summary: "delete one key (needs the user's token)",
  details: "Exit 4 if the key is not set.",
  options: {},
  needs: "token",
  minArgs: 2,
  maxArgs: 2,
  async run({ args, client, settings, io }) {
    const [userId, key] = args as [string, string];
    await client.kv.delete(userId, key, { timeoutMs: settings.timeoutMs });
    io.out(`deleted ${key} for ${userId}`);
    return 0;
  },
};
