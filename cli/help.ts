import type { Command, OptionSpec } from "./command.ts";
import { EXIT_CODES_HELP } from "./exit-codes.ts";
import { DEFAULT_URL } from "./settings.ts";

/** Every --help page: the program's, a group's (`porchlight kv --help`) and a command's. */

/** Flags every command takes. */
export const SETTING_OPTIONS: Record<string, OptionSpec> = {
  url: {
    type: "string",
    value: "<url>",
    description: `Porchlight's URL (PORCHLIGHT_URL; default ${DEFAULT_URL}, npm start's Worker)`,
  },
  key: {
    type: "string",
    value: "<key>",
    description:
      "the proxy key, for messages and guilds (PORCHLIGHT_KEY; on a loopback URL, npm start's local key by default)",
  },
  token: {
    type: "string",
    value: "<token>",
    description: "the user's key-value write token (PORCHLIGHT_TOKEN)",
  },
  timeout: {
    type: "string",
    value: "<ms>",
    description: "each call's deadline in milliseconds (default 30000)",
  },
  help: { type: "boolean", description: "show this help" },
};

function optionLines(options: Record<string, OptionSpec>): string[] {
  const rows = Object.entries(options).map(([name, spec]) => {
    const flag = `${name === "help" ? "-h, " : ""}--${name}${spec.value ? ` ${spec.value}` : ""}`;
    return [flag, spec.description] as const;
  });
  const width = Math.max(...rows.map(([flag]) => flag.length));
  return rows.map(([flag, description]) => `  ${flag.padEnd(width)}  ${description}`);
}

function commandLines(commands: readonly Command[]): string[] {
  const rows = commands.map(
    (command) => [`${command.path.join(" ")} ${command.usage}`, command.summary] as const,
  );
  const width = Math.max(...rows.map(([usage]) => usage.length));
  return rows.map(([usage, summary]) => `  ${usage.padEnd(width)}  ${summary}`);
}

const footer = () => ["", "Settings (every command):", ...optionLines(SETTING_OPTIONS), "", EXIT_CODES_HELP];

export function programHelp(commands: readonly Command[]): string {
  return [
    "Usage: porchlight <command> [arguments] [options]",
    "",
    "Porchlight from the command line: Discord messages through its proxy, presence, key-value storage.",
    "",
    "Commands:",
    ...commandLines(commands),
    "",
    "Run porchlight <command> --help for a command's arguments and options.",
    ...footer(),
  ].join("\n");
}

export function groupHelp(group: string, commands: readonly Command[]): string {
  return [
    `Usage: porchlight ${group} <command> [arguments] [options]`,
    "",
    "Commands:",
    ...commandLines(commands),
    "",
    `Run porchlight ${group} <command> --help for its arguments and options.`,
    ...footer(),
  ].join("\n");
}

/** A command's page; `more` lists the commands under it (`presence watch` under `presence`). */
export function commandHelp(command: Command, more: readonly Command[] = []): string {
  const lines = [
    `Usage: porchlight ${command.path.join(" ")} ${command.usage} [options]`,
    "",
    `${capitalised(command.summary)}.`,
  ];
  if (command.details) lines.push("", command.details);
  if (Object.keys(command.options).length > 0) lines.push("", "Options:", ...optionLines(command.options));
  if (more.length > 0) lines.push("", "Also:", ...commandLines(more));
  lines.push(...footer());
  return lines.join("\n");
}

const capitalised = (text: string) => text[0]!.toUpperCase() + text.slice(1);
