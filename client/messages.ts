import type { APIGuildMember, APIMessage } from "discord-api-types/v10";
import type { ChannelMessage, DirectMessage, GuildChannel, MessageEdit } from "../schemas/messages.ts";
import type { OnLimit } from "../schemas/proxy.ts";
import { PorchlightError } from "./errors.ts";
import { type CallOptions, type HttpRequest, segment, type Transport } from "./http.ts";

/**
 * The message API (/v1/messages/direct, /v1/channels/:id/messages…, /v1/guilds/:id/…): Discord
 * messages and guild reads through Porchlight's proxy, authenticated with a proxy key. Bodies are
 * typed from schemas/messages.ts; answers are Discord's own objects.
 */

export interface MessageCallOptions extends CallOptions {
  /** `queue` (the server's default): wait for Discord's limits; `reject`: be refused at once with a 429. */
  onLimit?: OnLimit;
}

export interface SendOptions extends MessageCallOptions {
  /**
   * Makes the send safe to retry: a repeat with the same key returns the first send's message
   * instead of posting again, so the client retries it after a lost answer, a 429 or a 5xx.
   * 1 to 64 of A-Z a-z 0-9 _ - : .
   */
  idempotencyKey?: string;
}

/** A message for a direct send: what DirectMessage takes besides the user. */
export type DirectMessageBody = Omit<DirectMessage, "user_id">;

const HEADERS = {
  timeout: "x-porchlight-timeout",
  onLimit: "x-porchlight-on-limit",
  idempotencyKey: "idempotency-key",
} as const;

/** The proxy key and the per-call headers every message API request carries. */
function keyedRequest(
  key: string | undefined,
  request: Omit<HttpRequest, "headers">,
  options: SendOptions,
): HttpRequest {
  if (!key) throw new PorchlightError("the message API needs a proxy key: pass `key` to the client");
  const headers: Record<string, string> = { authorization: `Bot ${key}` };
  if (options.onLimit) headers[HEADERS.onLimit] = options.onLimit;
  if (options.idempotencyKey !== undefined) headers[HEADERS.idempotencyKey] = options.idempotencyKey;
  return {
    ...request,
    headers,
    timeoutMs: options.timeoutMs,
    signal: options.signal,
    onLimit: options.onLimit,
    deadlineHeader: HEADERS.timeout,
  };
}

export class MessagesApi {
  readonly #transport: Transport;
  readonly #key: string | undefined;

  constructor(transport: Transport, key: string | undefined) {
    this.#transport = transport;
    this.#key = key;
  }

  /** A direct message to a user; the DM channel is opened by the server once and remembered. */
  async direct(userId: string, message: DirectMessageBody, options: SendOptions = {}): Promise<APIMessage> {
    const json: DirectMessage = { user_id: userId, ...message };
    return this.#transport.json(
      keyedRequest(this.#key, { method: "POST", path: "/v1/messages/direct", json }, options),
    );
  }

  /** A message in a channel (a guild's, or a DM channel by its id). */
  async send(channelId: string, message: ChannelMessage, options: SendOptions = {}): Promise<APIMessage> {
    const path = `/v1/channels/${segment(channelId)}/messages`;
    return this.#transport.json(keyedRequest(this.#key, { method: "POST", path, json: message }, options));
  }

  /** Replaces the fields given; never retried, as an edit whose answer was lost may have applied. */
  async edit(
    channelId: string,
    messageId: string,
    edit: MessageEdit,
    options: MessageCallOptions = {},
  ): Promise<APIMessage> {
    const path = `/v1/channels/${segment(channelId)}/messages/${segment(messageId)}`;
    return this.#transport.json(keyedRequest(this.#key, { method: "PATCH", path, json: edit }, options));
  }

  async delete(channelId: string, messageId: string, options: MessageCallOptions = {}): Promise<void> {
    const path = `/v1/channels/${segment(channelId)}/messages/${segment(messageId)}`;
    await this.#transport.send(keyedRequest(this.#key, { method: "DELETE", path }, options));
  }
}

export class GuildsApi {
  readonly #transport: Transport;
  readonly #key: string | undefined;

  constructor(transport: Transport, key: string | undefined) {
    this.#transport = transport;
    this.#key = key;
  }

  /** The guild's channels with their categories (parent_id), as the bot sees them. */
  async channels(guildId: string, options: MessageCallOptions = {}): Promise<GuildChannel[]> {
    const path = `/v1/guilds/${segment(guildId)}/channels`;
    return this.#transport.json(keyedRequest(this.#key, { method: "GET", path }, options));
  }

  async member(guildId: string, userId: string, options: MessageCallOptions = {}): Promise<APIGuildMember> {
    const path = `/v1/guilds/${segment(guildId)}/members/${segment(userId)}`;
    return this.#transport.json(keyedRequest(this.#key, { method: "GET", path }, options));
  }
}
