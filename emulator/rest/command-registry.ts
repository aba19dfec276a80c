import { type APIApplicationCommand, ApplicationCommandType } from "discord-api-types/v10";
import type { CommandInput } from "./command-input.ts";
import { RestErrors } from "./errors.ts";

/**
 * How Discord stores a scope's commands (the global list, or one guild's): a command keeps its
 * id while its type and name stay the same, gets a new `version` when its definition changes,
 * and each scope holds at most 100 CHAT_INPUT, 15 USER, 15 MESSAGE and 1 PRIMARY_ENTRY_POINT
 * commands. Pure: new ids come from the `nextId` given.
 */

export const COMMAND_LIMITS: Readonly<Record<ApplicationCommandType, number>> = {
  [ApplicationCommandType.ChatInput]: 100,
  [ApplicationCommandType.User]: 15,
  [ApplicationCommandType.Message]: 15,
  [ApplicationCommandType.PrimaryEntryPoint]: 1,
};

export interface CommandScope {
  applicationId: string;
  /** null for global commands. */
  guildId: string | null;
}

type CommandDefinition = Omit<APIApplicationCommand, "id" | "version">;

/** PUT: the scope's commands become exactly `inputs`. */
export function overwriteCommands(
  existing: readonly APIApplicationCommand[],
  inputs: readonly CommandInput[],
  scope: CommandScope,
  nextId: () => string,
): APIApplicationCommand[] {
  checkLimits(inputs);
  return inputs.map((input) => store(findSame(existing, input), definitionOf(input, scope), nextId));
}

/** POST: creates the command, or updates the one with the same type and name. */
export function upsertCommand(
  existing: readonly APIApplicationCommand[],
  input: CommandInput,
  scope: CommandScope,
  nextId: () => string,
): { commands: APIApplicationCommand[]; command: APIApplicationCommand; created: boolean } {
  const current = findSame(existing, input);
  if (!current) checkLimits([...existing, input]);
  const command = store(current, definitionOf(input, scope), nextId);
  const commands = current ? existing.map((c) => (c === current ? command : c)) : [...existing, command];
  return { commands, command, created: !current };
}

function findSame(
  existing: readonly APIApplicationCommand[],
  input: CommandInput,
): APIApplicationCommand | undefined {
  return existing.find(
    (c) => (c.type ?? ApplicationCommandType.ChatInput) === input.type && c.name === input.name,
  );
}

function checkLimits(commands: readonly { type?: ApplicationCommandType }[]): void {
  for (const [type, limit] of Object.entries(COMMAND_LIMITS)) {
    const count = commands.filter(
      (c) => (c.type ?? ApplicationCommandType.ChatInput) === Number(type),
    ).length;
    if (count > limit) throw RestErrors.tooManyCommands(limit);
  }
}

function store(
  current: APIApplicationCommand | undefined,
  definition: CommandDefinition,
  nextId: () => string,
): APIApplicationCommand {
  if (current && sameDefinition(current, definition)) return current;
  return { id: current?.id ?? nextId(), version: nextId(), ...definition } as APIApplicationCommand;
}

function sameDefinition(current: APIApplicationCommand, definition: CommandDefinition): boolean {
  const { id: _id, version: _version, ...stored } = current;
  return JSON.stringify(stored) === JSON.stringify(definition);
}

function definitionOf(input: CommandInput, scope: CommandScope): CommandDefinition {
  return {
    application_id: scope.applicationId,
    ...(scope.guildId ? { guild_id: scope.guildId } : {}),
    type: input.type,
    name: input.name,
    name_localizations: input.name_localizations ?? null,
    description: input.description,
    description_localizations: input.description_localizations ?? null,
    ...(input.options ? { options: input.options } : {}),
    default_member_permissions: input.default_member_permissions ?? null,
    nsfw: input.nsfw ?? false,
    // Installation and interaction contexts only apply to global commands.
    ...(scope.guildId
      ? {}
      : { integration_types: input.integration_types ?? [0], contexts: input.contexts ?? null }),
  } as CommandDefinition;
}
