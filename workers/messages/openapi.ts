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

/**
 * The message API in /openapi.json. Its routes read their bodies by hand (bounded, after the key
 * is checked), so they are declared here for the docs from the same zod schemas they validate with.
 */

const json = <T extends z.ZodType>(schema: T) => ({ "application/json": { schema } });
const id = z.string().meta({ description: "A Discord id (17 to 20 digits)." });
const Message = z
  .record(z.string(), z.unknown())
  .meta({ id: "DiscordMessage", description: "Discord's message object." });
const errors = {
  400: {
    description: "invalid_input: the field that broke a limit is in `path`.",
    content: json(MessageError),
  },
  401: { description: "unauthorized: no proxy key, or a wrong one.", content: json(MessageError) },
  403: {
    description: "discord_error: Discord refused (missing permissions, code 50013).",
    content: json(MessageError),
  },
  404: {
    description: "discord_error: unknown user, channel, message or member.",
    content: json(MessageError),
  },
  409: {
    description: "conflict: the Idempotency-Key is in use or was used for another request.",
    content: json(MessageError),
  },
  429: {
    description: "rate_limited: see retry_after (reject mode, or Discord's own).",
    content: json(MessageError),
  },
  500: { description: "internal: Porchlight failed; never an empty success.", content: json(MessageError) },
  502: {
    description: "discord_unavailable: Discord could not be reached or failed.",
    content: json(MessageError),
  },
  503: {
    description: "discord_unavailable: the bot is locked, banned or out of invalid-request budget.",
    content: json(MessageError),
  },
  504: {
    description: "timeout: the deadline (X-Porchlight-Timeout) passed; a send may still have happened.",
    content: json(MessageError),
  },
};
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
  app.openAPIRegistry.registerPath({
    method: "post",
    path: "/v1/messages/direct",
    tags,
    summary: "Send a direct message (the DM channel is opened once and remembered)",
    request: { headers, body: { content: json(DirectMessage), required: true } },
    responses: { 200: { description: "The message Discord created.", content: json(Message) }, ...errors },
  });
  app.openAPIRegistry.registerPath({
    method: "post",
    path: "/v1/channels/{channel_id}/messages",
    tags,
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
    summary: "Delete a message",
    request: { params: z.object({ channel_id: id, message_id: id }) },
    responses: { 204: { description: "Deleted." }, ...errors },
  });
  app.openAPIRegistry.registerPath({
    method: "get",
    path: "/v1/guilds/{guild_id}/channels",
    tags,
    summary: "A guild's channels, with their categories",
    request: { params: z.object({ guild_id: id }) },
    responses: { 200: { description: "The channels.", content: json(z.array(GuildChannel)) }, ...errors },
  });
  app.openAPIRegistry.registerPath({
    method: "get",
    path: "/v1/guilds/{guild_id}/members/{user_id}",
    tags,
    summary: "A guild member",
    request: { params: z.object({ guild_id: id, user_id: id }) },
    responses: {
      200: { description: "Discord's member object.", content: json(z.record(z.string(), z.unknown())) },
      ...errors,
    },
  });
}
