import { z } from "zod";
import { Snowflake } from "./snowflake.ts";

/**
 * The parts of a Discord interaction the bot reads (developers/interactions/receiving-and-responding,
 * "Interaction Object"). Everything else Discord sends is ignored, so a new field never breaks it.
 * Only a correctly signed body is parsed, so a failure here means Discord changed, not an attack.
 */

/** A command option: a value, or, for a subcommand or group, the options beneath it. */
export interface CommandOption {
  name: string;
  type: number;
  value?: unknown;
  options?: CommandOption[];
}

export const CommandOption: z.ZodType<CommandOption> = z.object({
  name: z.string(),
  type: z.int(),
  value: z.unknown().optional(),
  get options() {
    return z.array(CommandOption).optional();
  },
});

const User = z.object({ id: Snowflake });

export const Interaction = z.object({
  type: z.int(),
  data: z
    .object({
      /** Application commands: the command's name and its options. */
      name: z.string().optional(),
      options: z.array(CommandOption).optional(),
      /** Message components: the custom_id of the button that was pressed. */
      custom_id: z.string().optional(),
    })
    .optional(),
  /** Set in a guild: the invoking member. */
  member: z.object({ user: User }).optional(),
  /** Set in a DM: the invoking user. */
  user: User.optional(),
});
export type Interaction = z.output<typeof Interaction>;
