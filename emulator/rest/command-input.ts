import { ApplicationCommandOptionType, ApplicationCommandType } from "discord-api-types/v10";
import { RestErrors } from "./errors.ts";
import {
  arrayField,
  bodyObject,
  type FieldPath,
  FormErrors,
  integerField,
  objectField,
  stringField,
} from "./form.ts";

/**
 * Application command bodies (PUT bulk overwrite, POST upsert): names, descriptions and option
 * counts checked as Discord documents them (interactions/application-commands, "Application
 * Command Naming" and "Application Command Structure"). Other fields are kept as given.
 */

/** CHAT_INPUT command and option names, with the unicode flag, exactly as Discord documents it. */
export const CHAT_INPUT_NAME = /^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u;

export const COMMAND_TEXT_LIMITS = { name: 32, description: 100, options: 25, choices: 25 } as const;

const COMMAND_TYPES = [
  ApplicationCommandType.ChatInput,
  ApplicationCommandType.User,
  ApplicationCommandType.Message,
  ApplicationCommandType.PrimaryEntryPoint,
];
const OPTION_TYPES = Object.values(ApplicationCommandOptionType).filter((v) => typeof v === "number");
/** Only subcommands and groups nest options. */
const NESTING_OPTION_TYPES: readonly number[] = [
  ApplicationCommandOptionType.Subcommand,
  ApplicationCommandOptionType.SubcommandGroup,
];

/** One command as a client defines it, reduced to the fields the emulator keeps. */
export interface CommandInput {
  type: ApplicationCommandType;
  name: string;
  description: string;
  options?: unknown[];
  name_localizations?: unknown;
  description_localizations?: unknown;
  default_member_permissions?: unknown;
  nsfw?: unknown;
  contexts?: unknown;
  integration_types?: unknown;
}

const KEPT_AS_GIVEN = [
  "name_localizations",
  "description_localizations",
  "default_member_permissions",
  "nsfw",
  "contexts",
  "integration_types",
] as const;

/** A PUT body: every command of the scope. */
export function parseCommandList(body: unknown): CommandInput[] {
  const errors = new FormErrors();
  const list = arrayField(errors, [], body, { max: Number.POSITIVE_INFINITY, required: true }) ?? [];
  const commands = list.map((value, index) => checkCommand(errors, [index], value));
  errors.throwIfAny();
  const valid = commands.filter((command) => command !== undefined);
  const keys = valid.map((command) => `${command.type}:${command.name}`);
  if (new Set(keys).size !== keys.length) {
    throw RestErrors.invalidFormBody({
      _errors: [
        { code: "APPLICATION_COMMANDS_DUPLICATE_NAME", message: "Application command names must be unique" },
      ],
    });
  }
  return valid;
}

/** A POST body: one command. */
export function parseCommand(body: unknown): CommandInput {
  const errors = new FormErrors();
  const command = checkCommand(errors, [], bodyObject(body));
  errors.throwIfAny();
  return command!;
}

function checkCommand(errors: FormErrors, path: FieldPath, value: unknown): CommandInput | undefined {
  const fields = objectField(errors, path, value, { required: true });
  if (!fields) return undefined;
  const type = integerField(errors, [...path, "type"], fields.type, { choices: COMMAND_TYPES }) ?? 1;
  const chatInput = type === ApplicationCommandType.ChatInput;
  // USER and MESSAGE commands may be mixed case and contain spaces; their description is always "".
  const name = chatInput
    ? checkChatInputName(errors, [...path, "name"], fields.name)
    : stringField(errors, [...path, "name"], fields.name, {
        min: 1,
        max: COMMAND_TEXT_LIMITS.name,
        required: true,
      });
  const description = chatInput ? checkDescription(errors, [...path, "description"], fields.description) : "";
  const options = chatInput ? checkOptions(errors, [...path, "options"], fields.options) : undefined;
  if (name === undefined || description === undefined) return undefined;
  const command: CommandInput = { type, name, description };
  if (options) command.options = options;
  for (const key of KEPT_AS_GIVEN) if (fields[key] !== undefined) command[key] = fields[key];
  return command;
}

function checkChatInputName(errors: FormErrors, path: FieldPath, value: unknown): string | undefined {
  const name = stringField(errors, path, value, {
    min: 1,
    max: COMMAND_TEXT_LIMITS.name,
    required: true,
    pattern: CHAT_INPUT_NAME,
  });
  // "If there is a lowercase variant of any letters used, you must use those."
  if (name !== undefined && name !== name.toLowerCase()) {
    return errors.add(path, { code: "APPLICATION_COMMAND_INVALID_NAME", message: "Command name is invalid" });
  }
  return name;
}

function checkDescription(errors: FormErrors, path: FieldPath, value: unknown): string | undefined {
  return stringField(errors, path, value, { min: 1, max: COMMAND_TEXT_LIMITS.description, required: true });
}

function checkOptions(errors: FormErrors, path: FieldPath, value: unknown): unknown[] | undefined {
  const options = arrayField(errors, path, value, { max: COMMAND_TEXT_LIMITS.options });
  for (const [index, option] of (options ?? []).entries()) checkOption(errors, [...path, index], option);
  return options;
}

function checkOption(errors: FormErrors, path: FieldPath, value: unknown): void {
  const option = objectField(errors, path, value, { required: true });
  if (!option) return;
  const type = integerField(errors, [...path, "type"], option.type, {
    choices: OPTION_TYPES,
    required: true,
  });
  checkChatInputName(errors, [...path, "name"], option.name);
  checkDescription(errors, [...path, "description"], option.description);
  arrayField(errors, [...path, "choices"], option.choices, { max: COMMAND_TEXT_LIMITS.choices });
  if (type !== undefined && NESTING_OPTION_TYPES.includes(type)) {
    checkOptions(errors, [...path, "options"], option.options);
  }
}
