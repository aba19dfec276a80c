import type { RESTPutAPIApplicationCommandsJSONBody } from "discord-api-types/v10";
import { KV_LIMITS } from "../../schemas/kv.ts";
import { COMMAND_TYPE, CONTEXT, INTEGRATION, OPTION } from "./discord.ts";

/**
 * The bot's slash commands, as registered with Discord (scripts/register-commands.ts) and routed by
 * the Worker (router.ts). Shared by both, so it imports nothing from the Workers runtime.
 */

/** Discord caps a string option at 6000 characters, below the store's 30,000: longer values go through the API. */
const MAX_STRING_OPTION_LENGTH = 6000;

/** Custom ids of the buttons under /storage reset's question. */
export const RESET_CONFIRM_ID = "storage:reset:confirm";
export const RESET_CANCEL_ID = "storage:reset:cancel";

// Usable in a server the bot was added to and in a DM with it; the storage is the invoking user's
// wherever they ask from.
const reach = {
  contexts: [CONTEXT.guild, CONTEXT.botDm],
  integration_types: [INTEGRATION.guildInstall],
};

const keyOption = {
  type: OPTION.string,
  name: "key",
  description: "Letters, digits and underscores",
  required: true,
  min_length: 1,
  max_length: KV_LIMITS.maxKeyLength,
} as const;

const valueOption = {
  type: OPTION.string,
  name: "value",
  description: "The text to store",
  required: true,
  max_length: Math.min(KV_LIMITS.maxValueLength, MAX_STRING_OPTION_LENGTH),
} as const;

const subcommand = (
  name: string,
  description: string,
  options?: (typeof keyOption | typeof valueOption)[],
) => ({
  type: OPTION.subcommand,
  name,
  description,
  ...(options ? { options } : {}),
});

export const COMMANDS = [
  {
    type: COMMAND_TYPE.chatInput,
    name: "ping",
    description: "Check that Porchlight's bot answers",
    ...reach,
  },
  {
    type: COMMAND_TYPE.chatInput,
    name: "storage",
    description: "Your key-value pairs, shown with your presence",
    ...reach,
    options: [
      {
        type: OPTION.subcommandGroup,
        name: "token",
        description: "Your write token for the storage API",
        options: [
          subcommand("create", "Create a write token (it replaces any previous one)"),
          subcommand("revoke", "Revoke your write token"),
        ],
      },
      subcommand("set", "Set a key to a value", [keyOption, valueOption]),
      subcommand("get", "Show a key's value", [keyOption]),
      subcommand("delete", "Delete a key", [keyOption]),
      subcommand("list", "List your keys"),
      subcommand("reset", "Delete all your keys (asks first)"),
    ],
  },
] satisfies RESTPutAPIApplicationCommandsJSONBody;
