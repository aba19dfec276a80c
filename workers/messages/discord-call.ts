import type { ProxyErrorCode } from "../../schemas/proxy.ts";
import { PROXY_HEADERS } from "../../schemas/proxy.ts";
import { forward } from "../proxy/forward.ts";
import type { Caller } from "../proxy/keys.ts";
import type { ProxyCall } from "../proxy/request.ts";
import { type Failure, fromDiscord, fromProxy, internal, proxyRateLimited } from "./errors.ts";

/**
 * One Discord call for the message API, made through the REST proxy's own path (the bot's
 * rate-limit object, its deadline and its refusals), with the answer read as JSON and every
 * failure turned into the message API's error shape.
 */

/** `text` is Discord's body as it came, so an answer passed on whole is not serialised again. */
export type DiscordResult<T> =
  | { ok: true; status: number; value: T; text: string }
  | { ok: false; failure: Failure };

export async function discordCall<T>(
  env: Parameters<typeof forward>[0],
  ctx: Parameters<typeof forward>[1],
  caller: Caller,
  options: Pick<ProxyCall, "onLimit" | "timeoutMs" | "auditLogReason">,
  method: string,
  route: string,
  body?: unknown,
): Promise<DiscordResult<T>> {
  const bytes = body === undefined ? null : new TextEncoder().encode(JSON.stringify(body));
  const response = await forward(
    env,
    ctx,
    caller,
    { method, route, search: "", ...options },
    bytes,
    bytes ? "application/json" : null,
  );
  const text = await response.text();
  const json = parse(text);
  if (response.ok) return { ok: true, status: response.status, value: json as T, text };
  if (response.headers.get(PROXY_HEADERS.generated) === "1") {
    const made = (json ?? {}) as { code?: ProxyErrorCode; message?: string; retry_after?: number };
    if (response.status === 429) return { ok: false, failure: proxyRateLimited(made.retry_after ?? 1) };
    if (made.code) return { ok: false, failure: fromProxy(made.code, made.message ?? "", made.retry_after) };
    return { ok: false, failure: internal() };
  }
  return { ok: false, failure: fromDiscord(response.status, json) };
}

function parse(text: string): unknown {
  if (text === "") return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
