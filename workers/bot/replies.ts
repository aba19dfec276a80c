import type {
  APIActionRowComponent,
  APIButtonComponent,
  APIInteractionResponse,
} from "discord-api-types/v10";
import { RESET_CANCEL_ID, RESET_CONFIRM_ID } from "./commands.ts";
import { BUTTON_STYLE, COMPONENT, EPHEMERAL, RESPONSE } from "./discord.ts";

/**
 * What the bot says, as Discord interaction responses: pure functions of what happened. Every
 * message is ephemeral (only the invoking user sees it: tokens and values are theirs) and mentions
 * nobody, whatever a stored value contains.
 */

/** Discord refuses a message whose content is longer than this. */
export const MAX_CONTENT_LENGTH = 2000;
/** Room a value gets in /storage get; the rest is cut, and the API serves it whole. */
const MAX_SHOWN_VALUE = 1500;
/** Characters of each value /storage list shows. */
const PREVIEW_LENGTH = 60;

export const pong = (): APIInteractionResponse => ({ type: RESPONSE.pong });

/** A new ephemeral message answering the interaction. */
export function message(
  content: string,
  components?: APIActionRowComponent<APIButtonComponent>[],
): APIInteractionResponse {
  return {
    type: RESPONSE.message,
    data: {
      content: clip(content),
      flags: EPHEMERAL,
      allowed_mentions: { parse: [] },
      ...(components ? { components } : {}),
    },
  };
}

/** Replaces the message a button was on, buttons included: a question answered cannot be answered twice. */
export function update(content: string): APIInteractionResponse {
  return {
    type: RESPONSE.updateMessage,
    data: { content: clip(content), components: [], allowed_mentions: { parse: [] } },
  };
}

/** Cuts text to Discord's limit, ending it with an ellipsis so the cut shows. */
export function clip(text: string, max = MAX_CONTENT_LENGTH): string {
  if (text.length <= max) return text;
  const marker = "…";
  return text.slice(0, max - marker.length) + marker;
}

/** A value in a code block that nothing inside can close early. */
export function codeBlock(value: string): string {
  // A zero-width space between backticks keeps a stored ``` from ending the block.
  return "```\n" + value.replaceAll("```", "`\u200b`\u200b`") + "\n```";
}

/** One line of a value for a list: whitespace collapsed, backticks made harmless, cut short. */
export function preview(value: string): string {
  return clip(value.replace(/\s+/g, " ").replaceAll("`", "'"), PREVIEW_LENGTH);
}

/** Where the token is used: this deployment's two write APIs. */
export interface ApiUrls {
  lanyard: string;
  lantern: string;
}

export function apiUrls(origin: string, userId: string): ApiUrls {
  return {
    lanyard: `${origin}/v1/users/@me/kv/<key>`,
    lantern: `${origin}/api/v1/users/${userId}/storage/<key>`,
  };
}

export const replies = {
  ping: () => message("Pong! Porchlight's bot is listening."),

  tokenCreated: (token: string, urls: ApiUrls) =>
    message(
      [
        "Your new write token. It is shown only this once, so keep it now; it replaces any token you had, which stops working.",
        codeBlock(token),
        "Send it as the `Authorization` header:",
        `• Lanyard: \`PUT ${urls.lanyard}\` with the value as the body`,
        `• Lantern: \`PUT ${urls.lantern}\` with \`{"value": "…"}\``,
        "Revoke it with `/storage token revoke`.",
      ].join("\n"),
    ),

  tokenRevoked: (hadOne: boolean) =>
    message(
      hadOne
        ? "Your write token is revoked: requests carrying it are refused from now on."
        : "You had no write token, so there was nothing to revoke.",
    ),

  saved: (key: string, changed: boolean) =>
    message(changed ? `Saved \`${key}\`.` : `\`${key}\` already had that value.`),

  value: (key: string, value: string) => {
    const shown = value.slice(0, MAX_SHOWN_VALUE);
    const rest = value.length - shown.length;
    const more = rest > 0 ? `\n…and ${rest} more characters; the API serves the whole value.` : "";
    return message(`\`${key}\`:\n${codeBlock(shown)}${more}`);
  },

  noSuchKey: (key: string) => message(`You have no key \`${key}\`.`),

  deleted: (key: string) => message(`Deleted \`${key}\`.`),

  list: (pairs: Record<string, string>) => {
    const keys = Object.keys(pairs).sort();
    if (keys.length === 0) return message("You have no keys yet; add one with `/storage set`.");
    const header = keys.length === 1 ? "Your key:" : `Your ${keys.length} keys:`;
    const lines: string[] = [];
    let length = header.length;
    for (const [index, key] of keys.entries()) {
      const line = `\`${key}\` ${preview(pairs[key]!)}`;
      // Leave room for the closing "…and N more" line.
      if (length + line.length + 1 > MAX_CONTENT_LENGTH - 40) {
        lines.push(`…and ${keys.length - index} more.`);
        break;
      }
      lines.push(line);
      length += line.length + 1;
    }
    return message([header, ...lines].join("\n"));
  },

  resetQuestion: (count: number) =>
    message(`Delete all ${count === 1 ? "1 key" : `${count} keys`} of your storage? This cannot be undone.`, [
      {
        type: COMPONENT.actionRow,
        components: [
          {
            type: COMPONENT.button,
            style: BUTTON_STYLE.danger,
            label: "Delete all",
            custom_id: RESET_CONFIRM_ID,
          },
          {
            type: COMPONENT.button,
            style: BUTTON_STYLE.secondary,
            label: "Cancel",
            custom_id: RESET_CANCEL_ID,
          },
        ],
      },
    ]),

  nothingToReset: () => message("Your storage is already empty."),

  resetDone: (changed: boolean) =>
    update(changed ? "Deleted every key of your storage." : "Your storage was already empty."),

  resetCancelled: () => update("Cancelled: nothing was deleted."),

  notMonitored: () =>
    message(
      "Porchlight keeps storage only for members of the server it monitors. Join that server, then try again.",
    ),

  rateLimited: (seconds: number) => message(`You're writing too fast: try again in ${seconds} s.`),

  /** A broken limit (key, value length, pair count), in the store's own words. */
  refused: (reason: string) => message(reason),

  unknown: (name: string) =>
    message(
      `I don't know ${name}. My commands may be out of date; ask whoever runs me to register them again.`,
    ),
};
