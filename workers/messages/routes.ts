import type { OpenAPIHono } from "@hono/zod-openapi";
import type { APIChannel, APIMessage } from "discord-api-types/v10";
import type { Context } from "hono";
import type { z } from "zod";
import { messageLedger } from "../../durable-objects/message-ledger.ts";
import {
  ChannelMessage,
  DirectMessage,
  type GuildChannel,
  MESSAGE_LIMITS,
  MessageEdit,
} from "../../schemas/messages.ts";
import { Snowflake } from "../../schemas/snowflake.ts";
import type { Env } from "../../settings/env.ts";
import { proxyBots, proxyTimeouts } from "../../settings/proxy.ts";
import { sha256Hex } from "../../settings/secrets.ts";
import { readBody } from "../body.ts";
import { type Caller, callerOf } from "../proxy/keys.ts";
import { checkCallOptions, type ProxyCall } from "../proxy/request.ts";
import { discordCall } from "./discord-call.ts";
import { type Failure, fromProxy, internal, invalidInput, respond } from "./errors.ts";
import { documentMessages } from "./openapi.ts";

/**
 * The message API: discordproxy's calls (a direct message, a channel message, a guild's
 * channels) and what its users reached for (edits, deletes, members, idempotent sends), as JSON
 * over HTTP, on the REST proxy's path to Discord. Every input is checked against Discord's limits
 * before anything is sent, so a bad message costs no invalid request at Discord.
 */

type AppContext = Context<{ Bindings: Env }>;
type CallOptions = Pick<ProxyCall, "onLimit" | "timeoutMs" | "auditLogReason">;
interface Call {
  c: AppContext;
  caller: Caller;
  options: CallOptions;
}

/** Far above any message Discord takes (2,000 characters of content, 6,000 of embeds, 5 rows). */
const MAX_BODY_BYTES = 256 * 1024;
const IDEMPOTENCY_KEY = /^[A-Za-z0-9_\-:.]{1,64}$/;

export function registerMessages(app: OpenAPIHono<{ Bindings: Env }>): void {
  documentMessages(app);
  app.post("/v1/messages/direct", (c) =>
    handle(c, async (call) => {
      const input = await bodyOf(c, DirectMessage);
      if (isFailure(input)) return input;
      const { user_id, ...message } = input;
      return sendDirect(call, user_id, message);
    }),
  );
  app.post("/v1/channels/:channel_id/messages", (c) =>
    handle(c, async (call) => {
      const channelId = idParam(c, "channel_id");
      if (isFailure(channelId)) return channelId;
      const message = await bodyOf(c, ChannelMessage);
      if (isFailure(message)) return message;
      return idempotent(call, `POST /channels/${channelId}/messages`, message, (sent) =>
        discordCall<APIMessage>(
          c.env,
          c.executionCtx,
          call.caller,
          call.options,
          "POST",
          `/channels/${channelId}/messages`,
          sent,
        ),
      );
    }),
  );
  app.patch("/v1/channels/:channel_id/messages/:message_id", (c) =>
    handle(c, async (call) => {
      const ids = idParams(c, "channel_id", "message_id");
      if (isFailure(ids)) return ids;
      const edit = await bodyOf(c, MessageEdit);
      if (isFailure(edit)) return edit;
      return answer(
        await discordCall<APIMessage>(
          c.env,
          c.executionCtx,
          call.caller,
          call.options,
          "PATCH",
          `/channels/${ids.channel_id}/messages/${ids.message_id}`,
          edit,
        ),
      );
    }),
  );
  app.delete("/v1/channels/:channel_id/messages/:message_id", (c) =>
    handle(c, async (call) => {
      const ids = idParams(c, "channel_id", "message_id");
      if (isFailure(ids)) return ids;
      const result = await discordCall(
        c.env,
        c.executionCtx,
        call.caller,
        call.options,
        "DELETE",
        `/channels/${ids.channel_id}/messages/${ids.message_id}`,
      );
      return result.ok ? new Response(null, { status: 204 }) : result.failure;
    }),
  );
  app.get("/v1/guilds/:guild_id/channels", (c) =>
    handle(c, async (call) => {
      const guildId = idParam(c, "guild_id");
      if (isFailure(guildId)) return guildId;
      const result = await discordCall<APIChannel[]>(
        c.env,
        c.executionCtx,
        call.caller,
        call.options,
        "GET",
        `/guilds/${guildId}/channels`,
      );
      if (!result.ok) return result.failure;
      return Response.json(result.value.map(guildChannel));
    }),
  );
  app.get("/v1/guilds/:guild_id/members/:user_id", (c) =>
    handle(c, async (call) => {
      const ids = idParams(c, "guild_id", "user_id");
      if (isFailure(ids)) return ids;
      return answer(
        await discordCall(
          c.env,
          c.executionCtx,
          call.caller,
          call.options,
          "GET",
          `/guilds/${ids.guild_id}/members/${ids.user_id}`,
        ),
      );
    }),
  );
}

/** The channel as the API lists it: what an application picks a channel by, with its category. */
export function guildChannel(channel: APIChannel): GuildChannel {
  const c = channel as APIChannel & { name?: string | null; parent_id?: string | null; position?: number };
  return {
    id: c.id,
    name: c.name ?? "",
    type: c.type,
    parent_id: c.parent_id ?? null,
    position: c.position ?? 0,
  };
}

/** The key first (a stranger is refused before anything is read), then the call's headers, then the route. */
async function handle(c: AppContext, run: (call: Call) => Promise<Response | Failure>): Promise<Response> {
  const bots = proxyBots(c.env);
  if (bots.length === 0)
    return respond(fromProxy("not_configured", "This deployment has no bot: DISCORD_TOKEN is unset."));
  const caller = await callerOf(c.req.raw.headers, bots);
  if (!caller) return respond(fromProxy("unauthorized", "Send a proxy key as `Authorization: Bot <key>`."));
  const options = checkCallOptions(c.req.raw.headers, proxyTimeouts(c.env));
  if (!options.ok) return respond(invalidInput(options.message, ["headers"]));
  try {
    const result = await run({ c, caller, options: options.value });
    return result instanceof Response ? result : respond(result);
  } catch (error) {
    console.error("messages: unexpected failure", c.req.method, c.req.routePath, error);
    return respond(internal());
  }
}

async function bodyOf<T extends z.ZodType>(c: AppContext, schema: T): Promise<z.output<T> | Failure> {
  const text = await readBody(c, MAX_BODY_BYTES);
  if (text === null) return invalidInput(`The body is larger than ${MAX_BODY_BYTES} bytes.`, []);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return invalidInput("The body is not JSON.", []);
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  return invalidInput(
    issue.message,
    issue.path.map((p) => (typeof p === "symbol" ? String(p) : p)),
  );
}

function idParam(c: AppContext, name: string): string | Failure {
  const value = c.req.param(name) ?? "";
  return Snowflake.safeParse(value).success
    ? value
    : invalidInput("must be a Discord id (17 to 20 digits)", [name]);
}

function idParams<N extends string>(c: AppContext, ...names: N[]): Record<N, string> | Failure {
  const ids = {} as Record<N, string>;
  for (const name of names) {
    const id = idParam(c, name);
    if (isFailure(id)) return id;
    ids[name] = id;
  }
  return ids;
}

function isFailure(value: unknown): value is Failure {
  return typeof value === "object" && value !== null && "httpStatus" in value && "body" in value;
}

function answer(result: Awaited<ReturnType<typeof discordCall>>): Response | Failure {
  return result.ok ? passOn(result.text, result.status) : result.failure;
}

/**
 * A direct message: the DM channel is opened once and remembered, so after the first a DM costs
 * one Discord request. A remembered channel Discord no longer knows is opened again, once.
 */
async function sendDirect(
  call: Call,
  userId: string,
  message: z.output<typeof ChannelMessage>,
): Promise<Response | Failure> {
  const { c, caller, options } = call;
  const ledger = messageLedger(c.env, caller.bot.name);
  for (let attempt = 0; attempt < 2; attempt++) {
    let channelId = await ledger.dmChannel(userId);
    const remembered = channelId !== null;
    if (!channelId) {
      const opened = await discordCall<APIChannel>(
        c.env,
        c.executionCtx,
        caller,
        options,
        "POST",
        "/users/@me/channels",
        { recipient_id: userId },
      );
      if (!opened.ok) return opened.failure;
      channelId = opened.value.id;
      await ledger.rememberDmChannel(userId, channelId);
    }
    const sent = await idempotent(call, `POST /dm/${userId}`, message, (body) =>
      discordCall<APIMessage>(
        c.env,
        c.executionCtx,
        caller,
        options,
        "POST",
        `/channels/${channelId}/messages`,
        body,
      ),
    );
    const unknownChannel = isFailure(sent) && sent.body.error.code === 10003;
    if (!(unknownChannel && remembered)) return sent;
    await ledger.forgetDmChannel(userId);
  }
  return internal();
}

/**
 * A send that an Idempotency-Key (or a nonce with enforce_nonce) makes safe to retry: the first
 * answer is kept for a day and given to every retry of the same request, and Discord gets a nonce
 * with enforce_nonce, so even a send whose answer was lost is not posted twice.
 */
async function idempotent(
  call: Call,
  scope: string,
  message: z.output<typeof ChannelMessage>,
  send: (body: z.output<typeof ChannelMessage>) => ReturnType<typeof discordCall<APIMessage>>,
): Promise<Response | Failure> {
  const header = call.c.req.header("idempotency-key");
  if (header !== undefined && !IDEMPOTENCY_KEY.test(header))
    return invalidInput(
      `Idempotency-Key must be 1 to ${MESSAGE_LIMITS.idempotencyKey} of A-Z, a-z, 0-9, _ - : .`,
      ["headers", "idempotency-key"],
    );
  const key =
    header ?? (message.enforce_nonce && message.nonce !== undefined ? `nonce:${message.nonce}` : null);
  if (key === null) {
    const result = await send(message);
    return result.ok ? passOn(result.text) : result.failure;
  }
  const fingerprint = await sha256Hex(`${scope}\n${JSON.stringify(message)}`);
  const ledger = messageLedger(call.c.env, call.caller.bot.name);
  const claim = await ledger.claim(key, fingerprint, call.options.timeoutMs + 5_000);
  if (claim.kind === "replay")
    return new Response(claim.body, {
      status: claim.status,
      headers: { "content-type": "application/json", "idempotent-replayed": "true" },
    });
  if (claim.kind === "in_progress")
    return conflict("A send with this Idempotency-Key is still in progress; retry shortly.", 1);
  if (claim.kind === "mismatch") return conflict("This Idempotency-Key was used for another request.");
  const nonce = message.nonce ?? (await sha256Hex(`idempotency:${key}`)).slice(0, MESSAGE_LIMITS.nonce);
  const result = await send({ ...message, nonce, enforce_nonce: true });
  if (result.ok) {
    await ledger.complete(key, 200, result.text);
    return passOn(result.text);
  }
  // Refused before or by Discord, nothing was posted: a retry may go. A timeout or an unreachable
  // Discord leaves the claim until it lapses, and the nonce answers for the rest.
  if (result.failure.body.error.type !== "timeout" && result.failure.httpStatus !== 502)
    await ledger.release(key);
  return result.failure;
}

/** Discord's JSON answer, passed on as it came. */
function passOn(text: string, status = 200): Response {
  return new Response(text, { status, headers: { "content-type": "application/json" } });
}

function conflict(text: string, retryAfter?: number): Failure {
  const error: Failure["body"]["error"] = { type: "conflict", status: 409, code: 0, text };
  if (retryAfter !== undefined) error.retry_after = retryAfter;
  return { httpStatus: 409, body: { error } };
}
