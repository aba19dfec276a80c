import type { PorchlightClient } from "../client/index.ts";
import type { Io } from "./io.ts";
import type { Settings } from "./settings.ts";

/** What a command is: its words, its arguments, its own flags, and what it does. */

export interface OptionSpec {
  type: "string" | "boolean";
  /** The value's placeholder in help (`<text>`); string options only. */
  value?: string;
  description: string;
}

export type OptionValues = Record<string, string | boolean | undefined>;

export interface CommandContext {
  /** The arguments after the command's words. */
  args: string[];
  values: OptionValues;
  settings: Settings;
  client: PorchlightClient;
  io: Io;
}

export interface Command {
  /** The words that name it: ["message", "direct"]. */
  path: readonly string[];
  /** Its arguments as help shows them: "<user_id> <content>". */
  usage: string;
  summary: string;
  /** More help: what it prints, what the arguments may be. */
  details?: string;
  options: Record<string, OptionSpec>;
  /** A setting it cannot run without: the proxy key (message API) or the user's token (kv writes). */
  needs?: "key" | "token";
  minArgs: number;
  /** Infinity for a list. */
  maxArgs: number;
  /** Resolves with the exit code; throws what exit-codes.ts turns into a line and a code. */
  run(context: CommandContext): Promise<number>;
}
