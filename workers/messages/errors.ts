import { PROXY_ERROR_TYPES } from "../../schemas/message-error-types.ts";
import type { MessageError, MessageErrorType } from "../../schemas/messages.ts";
import { PROXY_ERRORS, type ProxyErrorCode } from "../../schemas/proxy.ts";

/**
 * The message API's one error shape, `{error: {type, status, code, text}}`, and how each failure
 * maps to it (README, "Messages": the table). Pure, so the table is tested as a table.
 */

export interface Failure {
  /** The status the caller gets. */
  httpStatus: number;
  body: MessageError;
}

const failure = (httpStatus: number, error: MessageError["error"]): Failure => ({
  httpStatus,
  body: { error },
});

/** Discord's own error answer (not made by the proxy). */
export function fromDiscord(status: number, body: unknown): Failure {
  const discord = (typeof body === "object" && body !== null ? body : {}) as {
    code?: unknown;
    message?: unknown;
    retry_after?: unknown;
  };
  const code = typeof discord.code === "number" ? discord.code : 0;
  const text =
    typeof discord.message === "string" ? discord.message.slice(0, 500) : `Discord answered ${status}`;
  const error = (type: MessageErrorType, extra: Partial<MessageError["error"]> = {}) => ({
    type,
    status,
    code,
    text,
    ...extra,
  });
  if (status === 429) {
    const retryAfter = typeof discord.retry_after === "number" ? discord.retry_after : undefined;
    return failure(429, error("rate_limited", retryAfter === undefined ? {} : { retry_after: retryAfter }));
  }
  // Discord refused the bot's own token: nothing the caller can fix; the proxy now holds the bot.
  if (status === 401) return failure(503, error("discord_unavailable"));
  if (status >= 500) return failure(502, error("discord_unavailable"));
  // 405 would mean we called a route Discord does not have: ours to fix, not the caller's.
  if (status === 405) return failure(500, error("internal"));
  return failure(status, error("discord_error"));
}

/** One of the proxy's own refusals (its ProxyError code), before or instead of Discord's answer. */
export function fromProxy(code: ProxyErrorCode, message: string, retryAfter?: number): Failure {
  const status = PROXY_ERRORS[code].status;
  const error: MessageError["error"] = { type: PROXY_ERROR_TYPES[code], status, code, text: message };
  if (retryAfter !== undefined) error.retry_after = retryAfter;
  return failure(status, error);
}

/** A 429 the proxy made in reject mode. */
export function proxyRateLimited(retryAfter: number): Failure {
  return failure(429, {
    type: "rate_limited",
    status: 429,
    code: 0,
    text: "Discord's rate limit for this route is spent.",
    retry_after: retryAfter,
  });
}

export function invalidInput(text: string, path: Array<string | number>): Failure {
  return failure(400, { type: "invalid_input", status: 400, code: 0, text, path });
}

export function internal(
  text = "Porchlight failed; nothing was sent twice, but the send may or may not have happened.",
): Failure {
  return failure(500, { type: "internal", status: 500, code: 0, text });
}

export function respond(failure: Failure): Response {
  const headers = new Headers({ "content-type": "application/json" });
  const retryAfter = failure.body.error.retry_after;
  if (retryAfter !== undefined) headers.set("retry-after", String(Math.max(1, Math.ceil(retryAfter))));
  return new Response(JSON.stringify(failure.body), { status: failure.httpStatus, headers });
}
