import { z } from "zod";
import { Snowflake } from "./snowflake.ts";

/**
 * The message API (/v1/messages/direct, /v1/channels/:id/messages, /v1/guilds/:id/…): what an
 * application sends, checked against every limit Discord enforces before anything reaches Discord
 * (so a bad message costs no invalid request there), and the one error shape every route answers
 * with. The client library (client/) and the CLI (cli/) take their types from here.
 */

/** Discord's documented limits for a message (developers/resources/message, embed limits). */
export const MESSAGE_LIMITS = {
  content: 2_000,
  embeds: 10,
  embedTitle: 256,
  embedDescription: 4_096,
  embedFields: 25,
  fieldName: 256,
  fieldValue: 1_024,
  footerText: 2_048,
  authorName: 256,
  /** Title, description, field names and values, footer text and author name, over all embeds. */
  embedCharacters: 6_000,
  componentRows: 5,
  /** An Idempotency-Key header, or a nonce. */
  idempotencyKey: 64,
  nonce: 25,
} as const;

const url = z.url({ protocol: /^https?$/ }).max(2_048);

export const Embed = z
  .strictObject({
    title: z.string().max(MESSAGE_LIMITS.embedTitle).optional(),
    description: z.string().max(MESSAGE_LIMITS.embedDescription).optional(),
    url: url.optional(),
    color: z.int().min(0).max(0xffffff).optional(),
    timestamp: z.iso.datetime({ offset: true }).optional(),
    footer: z
      .strictObject({ text: z.string().min(1).max(MESSAGE_LIMITS.footerText), icon_url: url.optional() })
      .optional(),
    image: z.strictObject({ url }).optional(),
    thumbnail: z.strictObject({ url }).optional(),
    author: z
      .strictObject({
        name: z.string().min(1).max(MESSAGE_LIMITS.authorName),
        url: url.optional(),
        icon_url: url.optional(),
      })
      .optional(),
    fields: z
      .array(
        z.strictObject({
          name: z.string().min(1).max(MESSAGE_LIMITS.fieldName),
          value: z.string().min(1).max(MESSAGE_LIMITS.fieldValue),
          inline: z.boolean().optional(),
        }),
      )
      .max(MESSAGE_LIMITS.embedFields)
      .optional(),
  })
  .meta({
    id: "Embed",
    description: "Discord's embed, within its limits.",
    example: { title: "porchlight 0.1.0", description: "All checks passed.", color: 0x2ea043 },
  });
export type Embed = z.output<typeof Embed>;

export const AllowedMentions = z.strictObject({
  parse: z.array(z.enum(["roles", "users", "everyone"])).optional(),
  roles: z.array(Snowflake).max(100).optional(),
  users: z.array(Snowflake).max(100).optional(),
  replied_user: z.boolean().optional(),
});

/** Characters Discord counts toward the 6,000 of a message's embeds. */
export function embedCharacters(embeds: Embed[]): number {
  let total = 0;
  for (const e of embeds) {
    total += (e.title?.length ?? 0) + (e.description?.length ?? 0);
    total += (e.footer?.text.length ?? 0) + (e.author?.name.length ?? 0);
    for (const f of e.fields ?? []) total += f.name.length + f.value.length;
  }
  return total;
}

const editFields = {
  content: z.string().max(MESSAGE_LIMITS.content).optional(),
  embeds: z.array(Embed).max(MESSAGE_LIMITS.embeds).optional(),
  allowed_mentions: AllowedMentions.optional(),
  /** Action rows as Discord takes them; Discord checks their insides. */
  components: z.array(z.record(z.string(), z.unknown())).max(MESSAGE_LIMITS.componentRows).optional(),
};

const messageFields = {
  ...editFields,
  /** Discord's own de-duplication: with enforce_nonce, a repeat within minutes returns the first message. */
  nonce: z.union([z.string().min(1).max(MESSAGE_LIMITS.nonce), z.int()]).optional(),
  enforce_nonce: z.boolean().optional(),
};

function checkMessage(
  message: { content?: string; embeds?: Embed[] },
  ctx: z.RefinementCtx,
  needsBody: boolean,
) {
  if (needsBody && !message.content && !message.embeds?.length)
    ctx.addIssue({
      code: "custom",
      path: ["content"],
      message: "a message needs content or at least one embed",
    });
  if (message.embeds && embedCharacters(message.embeds) > MESSAGE_LIMITS.embedCharacters)
    ctx.addIssue({
      code: "custom",
      path: ["embeds"],
      message: `embeds may hold ${MESSAGE_LIMITS.embedCharacters} characters in all`,
    });
}

/** POST /v1/channels/:channel_id/messages. */
export const ChannelMessage = z
  .strictObject(messageFields)
  .superRefine((m, ctx) => checkMessage(m, ctx, true))
  .meta({
    id: "ChannelMessage",
    description: "A message: content or at least one embed.",
    example: {
      content: "Deploy finished.",
      embeds: [
        {
          title: "porchlight 0.1.0",
          description: "All checks passed.",
          color: 0x2ea043,
          fields: [{ name: "Region", value: "WEUR", inline: true }],
        },
      ],
      allowed_mentions: { parse: [] },
    },
  });
export type ChannelMessage = z.output<typeof ChannelMessage>;

/** POST /v1/messages/direct. */
export const DirectMessage = z
  .strictObject({ user_id: Snowflake, ...messageFields })
  .superRefine((m, ctx) => checkMessage(m, ctx, true))
  .meta({
    id: "DirectMessage",
    description: "A message to one user, by id: content or at least one embed.",
    example: { user_id: "1191168918421504000", content: "Your build passed." },
  });
export type DirectMessage = z.output<typeof DirectMessage>;

/** PATCH /v1/channels/:channel_id/messages/:message_id: what is given is replaced. */
export const MessageEdit = z
  .strictObject(editFields)
  .superRefine((m, ctx) => checkMessage(m, ctx, false))
  .meta({
    id: "MessageEdit",
    description: "The parts of the message to replace.",
    example: { content: "Your build passed (edited)." },
  });
export type MessageEdit = z.output<typeof MessageEdit>;

/** What a failure was, for a caller deciding what to do next. */
export const MessageErrorType = z.enum([
  /** Discord refused the request (4xx other than 401 and 429): unknown user or channel, missing permission… */
  "discord_error",
  /** Discord's limits: a 429 (reject mode, or one Discord sent). */
  "rate_limited",
  /** The deadline passed, waiting or waiting for Discord. */
  "timeout",
  /** Discord could not be reached, answered 5xx, or the bot is locked, banned or out of budget. */
  "discord_unavailable",
  /** The request broke a rule before anything was sent. */
  "invalid_input",
  /** No proxy key, or a wrong one. */
  "unauthorized",
  /** The same Idempotency-Key is being sent right now, or was used for another request. */
  "conflict",
  /** Porchlight failed; never an empty success. */
  "internal",
]);
export type MessageErrorType = z.output<typeof MessageErrorType>;

export const MessageError = z
  .object({
    error: z.object({
      type: MessageErrorType.describe("What the failure was, for deciding what to do next."),
      /** Discord's HTTP status (or the proxy's own, when Discord was never asked). */
      status: z.int().describe("Discord's HTTP status, or the proxy's own when Discord was never asked."),
      /** Discord's JSON error code (10003 Unknown Channel…), or the proxy's code; 0 when none. */
      code: z
        .union([z.int(), z.string()])
        .describe("Discord's JSON error code (10003 Unknown Channel…), or the proxy's code; 0 when none."),
      text: z.string().describe("What went wrong, for a person."),
      /** For invalid_input: the field that broke the rule, as a path. */
      path: z
        .array(z.union([z.string(), z.number()]))
        .optional()
        .describe("For invalid_input: the field that broke the rule, as a path."),
      /** For rate_limited and discord_unavailable: seconds until trying again may work. */
      retry_after: z
        .number()
        .optional()
        .describe("For rate_limited and discord_unavailable: seconds until trying again may work."),
    }),
  })
  .meta({
    id: "MessageError",
    description:
      "`type` says what to do next; `status` and `code` are Discord's (or the proxy's when Discord was never asked).",
    example: { error: { type: "discord_error", status: 404, code: 10003, text: "Unknown Channel" } },
  });
export type MessageError = z.output<typeof MessageError>;

/** A guild's channel as GET /v1/guilds/:guild_id/channels lists it. */
export const GuildChannel = z
  .object({
    id: Snowflake,
    name: z.string(),
    type: z.int(),
    parent_id: Snowflake.nullable(),
    position: z.int(),
  })
  .meta({
    id: "GuildChannel",
    description: "A channel, with the category it is in (`parent_id`).",
    example: {
      id: "1301000000000000001",
      name: "general",
      type: 0,
      parent_id: "1300000000000000001",
      position: 0,
    },
  });
export type GuildChannel = z.output<typeof GuildChannel>;
