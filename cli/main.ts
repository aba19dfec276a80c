import { type ParseArgsOptionsConfig, parseArgs } from "node:util";
import { PorchlightClient } from "../client/index.ts";
import type { Command, OptionSpec, OptionValues } from "./command.ts";
import { guildChannels, guildMember } from "./commands/guild.ts";
import { kvDelete, kvGet, kvSet } from "./commands/kv.ts";
import { messageChannel, messageDirect } from "./commands/message.ts";
import { presenceGet, presenceWatch } from "./commands/presence.ts";
import { describeFailure, EXIT, exitCodeFor, UsageError } from "./exit-codes.ts";
import { commandHelp, groupHelp, programHelp, SETTING_OPTIONS } from "./help.ts";
import type { Io } from "./io.ts";
import { readSettings } from "./settings.ts";

/**
 * `porchlight <command>`: finds the command named by the leading words, parses its flags
 * strictly, and turns whatever it throws into one line on stderr and an exit code.
 */

export const COMMANDS: readonly Command[] = [
  messageDirect,
  messageChannel,
  guildChannels,
  guildMember,
  presenceGet,
  presenceWatch,
  kvGet,
  kvSet,
  kvDelete,
];

const parseConfig = (options: Record<string, OptionSpec>): ParseArgsOptionsConfig =>
  Object.fromEntries(
    Object.entries(options).map(([name, spec]) => [
      name,
      name === "help" ? { type: "boolean", short: "h" } : { type: spec.type },
    ]),
  );

/** Every flag any command knows, so the words can be found wherever the flags are put. */
const ALL_OPTIONS = parseConfig(
  Object.assign({}, SETTING_OPTIONS, ...COMMANDS.map((command) => command.options)),
);

/** The command whose words begin `words`, the longest such. */
function findCommand(words: readonly string[]): Command | undefined {
  let found: Command | undefined;
  for (const command of COMMANDS) {
    const matches = command.path.every((word, i) => words[i] === word);
    if (matches && command.path.length > (found?.path.length ?? 0)) found = command;
  }
  return found;
}

/** Commands under `path` (`kv` → kv get, set, delete). */
const commandsUnder = (path: readonly string[]) =>
  COMMANDS.filter(
    (command) => command.path.length > path.length && path.every((word, i) => command.path[i] === word),
  );

function parse(argv: string[], options: ParseArgsOptionsConfig, strict: boolean) {
  try {
    return parseArgs({ args: argv, options, strict, allowPositionals: true });
  } catch (error) {
    // parseArgs words its errors well ("Unknown option '--nope'"); they are the caller's mistake.
    throw new UsageError((error as Error).message);
  }
}

export async function main(argv: string[], io: Io): Promise<number> {
  let helpTopic = "";
  try {
    const loose = parse(argv, ALL_OPTIONS, false);
    const words = loose.positionals;
    const wantsHelp = loose.values.help === true;
    if (words[0] === "help") return help(words.slice(1), io, true);
    if (words.length === 0) return help([], io, wantsHelp);
    const command = findCommand(words);
    if (!command) {
      const group = words[0]!;
      if (commandsUnder([group]).length === 0) throw new UsageError(`unknown command: ${group}`);
      if (words.length === 1) return help([group], io, wantsHelp);
      helpTopic = `${group} `;
      throw new UsageError(`unknown command: ${group} ${words[1]}`);
    }
    const name = command.path.join(" ");
    helpTopic = `${name} `;
    if (wantsHelp) return help(command.path, io, true);

    const strict = parse(argv, parseConfig({ ...SETTING_OPTIONS, ...command.options }), true);
    const args = strict.positionals.slice(command.path.length);
    if (args.length < command.minArgs || args.length > command.maxArgs) {
      const problem = args.length < command.minArgs ? "missing arguments" : "too many arguments";
      throw new UsageError(`${problem}: porchlight ${name} ${command.usage}`);
    }
    const values = strict.values as OptionValues;
    const settings = readSettings(values as Record<string, string | undefined>, io.env);
    if (command.needs === "key" && !settings.key) {
      throw new UsageError(`${name} needs the proxy key: --key or PORCHLIGHT_KEY`);
    }
    if (command.needs === "token" && !settings.token) {
      throw new UsageError(
        `${name} needs the user's token: --token or PORCHLIGHT_TOKEN (the bot's /storage token create)`,
      );
    }
    const client = new PorchlightClient({
      url: settings.url,
      key: settings.key,
      token: settings.token,
      timeoutMs: settings.timeoutMs,
    });
    return await command.run({ args, values, settings, client, io });
  } catch (error) {
    io.err(`porchlight: ${describeFailure(error)}`);
    if (error instanceof UsageError) io.err(`Run porchlight ${helpTopic}--help for usage.`);
    return exitCodeFor(error);
  }
}

/**
 * The help for `topic`: the program's (no words), a group's (`kv`) or a command's. Asked for, it
 * goes to stdout with exit 0; shown because the command was incomplete, to stderr with exit 2.
 */
function help(topic: readonly string[], io: Io, asked: boolean): number {
  const command = findCommand(topic);
  const nested = commandsUnder(topic);
  let text: string;
  if (topic.length === 0) text = programHelp(COMMANDS);
  else if (command && command.path.length === topic.length) text = commandHelp(command, nested);
  else if (topic.length === 1 && nested.length > 0) text = groupHelp(topic[0]!, nested);
  else {
    io.err(`porchlight: unknown command: ${topic.join(" ")}`);
    io.err("Run porchlight --help for usage.");
    return EXIT.usage;
  }
  if (asked) io.out(text);
  else io.err(text);
  return asked ? EXIT.ok : EXIT.usage;
}
