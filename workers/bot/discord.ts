/**
 * Discord's numbers the bot uses (developers/interactions), written out: discord-api-types ships
 * CommonJS whose named exports come through undefined in the workerd test runner (see
 * durable-objects/payloads/flags.ts), so only its types are imported. The literals are checked
 * against those types where they are used.
 */

export const INTERACTION = { ping: 1, command: 2, component: 3 } as const;

export const RESPONSE = { pong: 1, message: 4, updateMessage: 7 } as const;

export const OPTION = { subcommand: 1, subcommandGroup: 2, string: 3 } as const;

export const COMMAND_TYPE = { chatInput: 1 } as const;

export const COMPONENT = { actionRow: 1, button: 2 } as const;

export const BUTTON_STYLE = { secondary: 2, danger: 4 } as const;

/** Where a command may be used: a guild, or a DM with the bot. */
export const CONTEXT = { guild: 0, botDm: 1 } as const;

export const INTEGRATION = { guildInstall: 0 } as const;

/** Message flag: only the invoking user sees the message. */
export const EPHEMERAL = 64;
