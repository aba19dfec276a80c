import type { OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import {
  ChannelMessage,
  DirectMessage,
  GuildChannel,
  MessageEdit,
  MessageError,
} from "../../schemas/messages.ts";
import type { Env } from "../../settings/env.ts";
import { proxyKeySecurity } from "../proxy/openapi.ts";

/**
 * The message API in /openapi.json. Its routes read their bodies by hand (bounded, after the key
 * is checked), so they are declared here for the docs from the same zod schemas they validate with.
 */

const json = <T extends z.ZodType>(schema: T) => ({ "application/json": { schema } });
const id = z
  .string()
  .meta({ description: "A Discord id (17 to 20 digits).", example: "1191168918421504000" });

const MESSAGE_EXAMPLE = {
  id: "1302000000000000001",
  type: 0,
  channel_id: "1301000000000000001",
  author: { id: "1191168914227200001", username: "porchlight", discriminator: "0", bot: true },
  content: "Your build passed.",
  embeds: [],
  attachments: [],
  mentions: [],
  pinned: false,
  tts: false,
  timestamp: "2025-06-01T12:00:00.000000+00:00",
  edited_timestamp: null,
  flags: 0,
  nonce: "b1946ac92492d2347c6235b4d2",
};
const Message = z
  .record(z.string(), z.unknown())
  .meta({ id: "DiscordMessage", description: "Discord's message object.", example: MESSAGE_EXAMPLE });
const MEMBER_EXAMPLE = {
  user: { id: "1191168918421504000", username: "ada", global_name: "Ada", discriminator: "0" },
  nick: null,
  roles: ["1180000000000000010"],
  joined_at: "2024-01-02T00:00:00.000000+00:00",
  deaf: false,
  mute: false,
  flags: 0,
};
const Member = z
  .record(z.string(), z.unknown())
  .meta({ description: "Discord's guild member object.", example: MEMBER_EXAMPLE });
const Channels = z.array(GuildChannel).meta({
  example: [
    { id: "1300000000000000001", name: "Text Channels", type: 4, parent_id: null, position: 0 },
    { id: "1301000000000000001", name: "general", type: 0, parent_id: "1300000000000000001", position: 0 },
  ],
});

/** Each status the message API answers with, what it means and one answer of that kind. */
const ERRORS: Record<number, { description: string; error: MessageError["error"] }> = {
  400: {
    description: "invalid_input: the field that broke a limit is in `path`.",
    error: {
      type: "invalid_input",
      status: 400,
      code: 0,
      text: "Too big: expected string to have <=2000 characters",
      path: ["content"],
    },
  },
  401: {
    description: "unauthorized: no proxy key, or a wrong one.",
    error: {
      type: "unauthorized",
      status: 401,
      code: "unauthorized",
      text: "Send a proxy key as `Authorization: Bot <key>`.",
    },
  },
  403: {
    description: "discord_error: Discord refused (missing permissions, code 50013).",
    error: { type: "discord_error", status: 403, code: 50013, text: "Missing Permissions" },
  },
  404: {
    description: "discord_error: unknown user, channel, message or member.",
    error: { type: "discord_error", status: 404, code: 10003, text: "Unknown Channel" },
  },
  409: {
    description: "conflict: the Idempotency-Key is in use or was used for another request.",
    error: {
      type: "conflict",
      status: 409,
      code: 0,
      text: "This Idempotency-Key was used for another request.",
    },
  },
  429: {
    description: "rate_limited: see retry_after (reject mode, or Discord's own).",
    error: {
      type: "rate_limited",
      status: 429,
      code: 0,
      text: "Discord's rate limit for this route is spent.",
      retry_after: 1.25,
    },
  },
  500: {
    description: "internal: Porchlight failed; never an empty success.",
    error: {
      type: "internal",
      status: 500,
      code: 0,
      text: "Porchlight failed; nothing was sent twice, but the send may or may not have happened.",
    },
  },
  502: {
    description: "discord_unavailable: Discord could not be reached or failed.",
    error: { type: "discord_unavailable", status: 502, code: 0, text: "Discord answered 502" },
  },
  503: {
    description: "discord_unavailable: the bot is locked, banned or out of invalid-request budget.",
    error: {
      type: "discord_unavailable",
      status: 503,
      code: "locked",
      text: "Discord refused this bot's token (401); an operator must unlock it.",
    },
  },
  504: {
    description: "timeout: the deadline (X-Porchlight-Timeout) passed; a send may still have happened.",
    error: {
      type: "timeout",
      status: 504,
      code: "upstream_timeout",
      text: "Discord did not answer before the deadline; the request may still take effect.",
    },
  },
};
const errors = Object.fromEntries(
  Object.entries(ERRORS).map(([status, { description, error }]) => [
    status,
    { description, content: { "application/json": { schema: MessageError, example: { error } } } },
  ]),
);
const headers = z.object({
  "idempotency-key": z
    .string()
    .optional()
    .meta({ description: "Makes a retried send return the first send's message." }),
  "x-porchlight-timeout": z
    .string()
    .optional()
    .meta({ description: "The whole call's deadline in ms (default 30000)." }),
  "x-porchlight-on-limit": z.enum(["queue", "reject"]).optional(),
});

export function documentMessages(app: OpenAPIHono<{ Bindings: Env }>): void {
  const tags = ["Messages"];
  const security = proxyKeySecurity(app);
  app.openAPIRegistry.registerPath({
    method: "post",
    path: "/v1/messages/direct",
    tags,
    security,
    summary: "Send a direct message (the DM channel is opened once and remembered)",
    request: { headers, body: { content: json(DirectMessage), required: true } },
    responses: { 200: { description: "The message Discord created.", content: json(Message) }, ...errors },
  });
  app.openAPIRegistry.registerPath({
    method: "post",
    path: "/v1/channels/{channel_id}/messages",
    tags,
    security,
    summary: "Send a message to a channel",
    request: {
      params: z.object({ channel_id: id }),
      headers,
      body: { content: json(ChannelMessage), required: true },
    },
    responses: { 200: { description: "The message Discord created.", content: json(Message) }, ...errors },
  });
  app.openAPIRegistry.registerPath({
    method: "patch",
    path: "/v1/channels/{channel_id}/messages/{message_id}",
    tags,
    security,
    summary: "Edit a message the bot sent",
    request: {
      params: z.object({ channel_id: id, message_id: id }),
      body: { content: json(MessageEdit), required: true },
    },
    responses: { 200: { description: "The message as edited.", content: json(Message) }, ...errors },
  });
  app.openAPIRegistry.registerPath({
    method: "delete",
    path: "/v1/channels/{channel_id}/messages/{message_id}",
    tags,
    security,
    summary: "Delete a message",
    request: { params: z.object({ channel_id: id, message_id: id }) },
    responses: { 204: { description: "Deleted." }, ...errors },
  });
  app.openAPIRegistry.registerPath({
    method: "get",
    path: "/v1/guilds/{guild_id}/channels",
    tags,
    security,
    summary: "A guild's channels, with their categories",
    request: { params: z.object({ guild_id: id }) },
    responses: { 200: { description: "The channels.", content: json(Channels) }, ...errors },
  });
  app.openAPIRegistry.registerPath({
    method: "get",
    path: "/v1/guilds/{guild_id}/members/{user_id}",
    tags,
    security,
    summary: "A guild member",
    request: { params: z.object({ guild_id: id, user_id: id }) },
    responses: {
      200: { description: "Discord's member object.", content: json(Member) },
      ...errors,
    },
  });
}
