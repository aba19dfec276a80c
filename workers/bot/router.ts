import type { CommandOption, Interaction } from "../../schemas/interactions.ts";
import { RESET_CANCEL_ID, RESET_CONFIRM_ID } from "./commands.ts";
import { INTERACTION, OPTION } from "./discord.ts";

/**
 * From an interaction to what the bot should do, without doing it: pure, so every command's routing
 * is tested without a runtime. The handlers (handlers.ts) carry the actions out.
 */

export type BotAction =
  | { kind: "ping" }
  | { kind: "token_create" }
  | { kind: "token_revoke" }
  | { kind: "set"; key: string; value: string }
  | { kind: "get"; key: string }
  | { kind: "delete"; key: string }
  | { kind: "list" }
  | { kind: "reset_ask" }
  | { kind: "reset_confirm" }
  | { kind: "reset_cancel" }
  /** A command or button this version does not know, as the user saw it ("/storage frob"). */
  | { kind: "unknown"; name: string };

export type Routed =
  | { kind: "pong" }
  | { kind: "act"; userId: string; action: BotAction }
  /** Not something Discord sends for these commands; the endpoint answers 400. */
  | { kind: "refuse"; reason: string };

export function routeInteraction(interaction: Interaction): Routed {
  if (interaction.type === INTERACTION.ping) return { kind: "pong" };
  // In a guild Discord sends the member, in a DM the user: never both.
  const userId = interaction.member?.user.id ?? interaction.user?.id;
  if (!userId) return { kind: "refuse", reason: "the interaction names no user" };
  switch (interaction.type) {
    case INTERACTION.command:
      return {
        kind: "act",
        userId,
        action: commandAction(interaction.data?.name ?? "", interaction.data?.options),
      };
    case INTERACTION.component:
      return { kind: "act", userId, action: componentAction(interaction.data?.custom_id ?? "") };
    default:
      return { kind: "refuse", reason: `interaction type ${interaction.type} is not supported` };
  }
}

/** The command as a path of names ("storage token create") and the options of its leaf by name. */
export function commandPath(
  name: string,
  options: CommandOption[] = [],
): { path: string; values: Record<string, unknown> } {
  const names = [name];
  let leaf = options;
  for (;;) {
    const nested = leaf.find(
      (option) => option.type === OPTION.subcommand || option.type === OPTION.subcommandGroup,
    );
    if (!nested) break;
    names.push(nested.name);
    leaf = nested.options ?? [];
  }
  return {
    path: names.join(" "),
    values: Object.fromEntries(leaf.map((option) => [option.name, option.value])),
  };
}

type Values = Record<string, unknown>;
const text = (value: unknown): value is string => typeof value === "string";
const withKey = (make: (key: string) => BotAction) => (values: Values) =>
  text(values.key) ? make(values.key) : null;

/** Every command path the bot answers; null when an option it needs is missing. */
const COMMAND_ACTIONS: Record<string, (values: Values) => BotAction | null> = {
  ping: () => ({ kind: "ping" }),
  "storage token create": () => ({ kind: "token_create" }),
  "storage token revoke": () => ({ kind: "token_revoke" }),
  "storage set": (values) =>
    text(values.key) && text(values.value) ? { kind: "set", key: values.key, value: values.value } : null,
  "storage get": withKey((key) => ({ kind: "get", key })),
  "storage delete": withKey((key) => ({ kind: "delete", key })),
  "storage list": () => ({ kind: "list" }),
  "storage reset": () => ({ kind: "reset_ask" }),
};

export function commandAction(name: string, options?: CommandOption[]): BotAction {
  const { path, values } = commandPath(name, options);
  // Own properties only: a command named "constructor" is unknown, not Object's.
  const make = Object.hasOwn(COMMAND_ACTIONS, path) ? COMMAND_ACTIONS[path] : undefined;
  return make?.(values) ?? { kind: "unknown", name: `/${path}` };
}

export function componentAction(customId: string): BotAction {
  if (customId === RESET_CONFIRM_ID) return { kind: "reset_confirm" };
  if (customId === RESET_CANCEL_ID) return { kind: "reset_cancel" };
  return { kind: "unknown", name: `the button ${customId}` };
}
