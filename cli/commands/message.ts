import type { APIMessage, ChannelMessage, Embed, OnLimit } from "../../client/index.ts";
import type { Command, CommandContext, OptionSpec } from "../command.ts";
import { UsageError } from "../exit-codes.ts";

/** `message direct` and `message channel`: one message, with an optional embed, through the message API. */

const MESSAGE_OPTIONS: Record<string, OptionSpec> = {
  "embed-title": { type: "string", value: "<text>", description: "add an embed with this title" },
  "embed-description": { type: "string", value: "<text>", description: "the embed's description" },
  "embed-color": {
    type: "string",
    value: "<color>",
    description: "the embed's colour: #5865f2, 0x5865f2 or decimal 5793266",
  },
  "idempotency-key": {
    type: "string",
    value: "<key>",
    description:
      "makes the send safe to repeat: a second send with this key returns the first message (1-64 of A-Za-z0-9_-:.)",
  },
  "on-limit": {
    type: "string",
    value: "<queue|reject>",
    description: "at Discord's rate limit, wait (queue, the default) or fail at once with exit 5 (reject)",
  },
  json: { type: "boolean", description: "print the created message as JSON" },
};

const DETAILS = `<content> is the message's text; - reads it from stdin (one trailing newline dropped).
It may be "" when an embed is given. Prints "sent <message id> to <channel id>", or with --json
the message Discord created.`;

/** #5865f2, 0x5865f2, #fff or a decimal number: the 24-bit colour Discord takes. */
export function parseColor(text: string): number {
  const hex = /^(?:#|0x)([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(text.trim());
  let value: number;
  if (hex) {
    const digits = hex[1]!.length === 3 ? [...hex[1]!].map((d) => d + d).join("") : hex[1]!;
    value = Number.parseInt(digits, 16);
  } else if (/^\d+$/.test(text.trim())) {
    value = Number(text.trim());
  } else {
    throw new UsageError(
      `--embed-color must be #rrggbb, 0xrrggbb or a decimal number (got ${JSON.stringify(text)})`,
    );
  }
  if (value > 0xffffff) throw new UsageError(`--embed-color must be at most #ffffff (got ${text})`);
  return value;
}

function onLimitOf(value: string | boolean | undefined): OnLimit | undefined {
  if (value === undefined) return undefined;
  if (value === "queue" || value === "reject") return value;
  throw new UsageError(`--on-limit must be queue or reject (got ${JSON.stringify(value)})`);
}

async function messageOf(content: string, context: CommandContext): Promise<ChannelMessage> {
  const { values, io } = context;
  const text = content === "-" ? (await io.readStdin()).replace(/\r?\n$/, "") : content;
  const embed: Embed = {};
  if (typeof values["embed-title"] === "string") embed.title = values["embed-title"];
  if (typeof values["embed-description"] === "string") embed.description = values["embed-description"];
  if (typeof values["embed-color"] === "string") embed.color = parseColor(values["embed-color"]);
  const message: ChannelMessage = {};
  if (text !== "") message.content = text;
  if (Object.keys(embed).length > 0) message.embeds = [embed];
  if (!message.content && !message.embeds) {
    throw new UsageError(
      "the message is empty: give <content>, or an embed with --embed-title or --embed-description",
    );
  }
  return message;
}

function report(context: CommandContext, sent: APIMessage): number {
  if (context.values.json) context.io.out(JSON.stringify(sent, null, 2));
  else context.io.out(`sent ${sent.id} to ${sent.channel_id}`);
  return 0;
}

function sendOptions(context: CommandContext) {
  const key = context.values["idempotency-key"];
  return {
    timeoutMs: context.settings.timeoutMs,
    onLimit: onLimitOf(context.values["on-limit"]),
    ...(typeof key === "string" ? { idempotencyKey: key } : {}),
  };
}

/** `message direct` and `message channel`: the same command but for whom the message goes to. */
function sendCommand(kind: "direct" | "channel"): Command {
  const direct = kind === "direct";
  return {
    path: ["message", kind],
    usage: direct ? "<user_id> <content>" : "<channel_id> <content>",
    summary: direct
      ? "send a direct message to a user (needs the proxy key)"
      : "send a message to a channel (needs the proxy key)",
    details: DETAILS,
    options: MESSAGE_OPTIONS,
    needs: "key",
    minArgs: 2,
    maxArgs: 2,
    async run(context) {
      const [target, content] = context.args as [string, string];
      const message = await messageOf(content, context);
      const { messages } = context.client;
      const sent = direct
        ? await messages.direct(target, message, sendOptions(context))
        : await messages.send(target, message, sendOptions(context));
      return report(context, sent);
    },
  };
}

export const messageDirect = sendCommand("direct");
export const messageChannel = sendCommand("channel");
