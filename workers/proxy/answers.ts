import {
  PROXY_ERRORS,
  PROXY_HEADERS,
  type ProxyError,
  type ProxyErrorCode,
  type RateLimitedBody,
  type Refusal,
} from "../../schemas/proxy.ts";

/**
 * The proxy's own answers. Errors are JSON with a stable `code` (schemas/proxy.ts PROXY_ERRORS).
 * A 429 the proxy makes is shaped exactly like Discord's, so discord.js, discord.py and py-cord all
 * wait it out as they would Discord's; `Via` is what keeps discord.py and py-cord from taking it
 * for a Cloudflare ban, and X-Porchlight-Generated tells an operator who sent it.
 */

export const PROXY_VIA = "1.1 porchlight";

export function proxyError(code: ProxyErrorCode, message: string, retryAfterMs?: number): Response {
  const body: ProxyError = { code, message };
  const headers = new Headers({ "content-type": "application/json", [PROXY_HEADERS.generated]: "1" });
  if (retryAfterMs !== undefined) {
    body.retry_after = retryAfterMs / 1000;
    headers.set("retry-after", String(Math.ceil(retryAfterMs / 1000)));
  }
  return new Response(JSON.stringify(body), { status: PROXY_ERRORS[code].status, headers });
}

export function rateLimited(scope: "global" | "user" | "shared", retryAfterMs: number): Response {
  const global = scope === "global";
  const body: RateLimitedBody = {
    message: "You are being rate limited.",
    retry_after: Math.max(0, retryAfterMs) / 1000,
    global,
  };
  const headers = new Headers({
    "content-type": "application/json",
    // Discord's Retry-After is whole seconds; @discordjs/rest would re-request at once without one.
    "retry-after": String(Math.max(1, Math.ceil(retryAfterMs / 1000))),
    "x-ratelimit-scope": scope,
    via: PROXY_VIA,
    [PROXY_HEADERS.generated]: "1",
  });
  // @discordjs/rest takes any X-RateLimit-Global for global, so it is sent only when it is.
  if (global) headers.set("x-ratelimit-global", "true");
  return new Response(JSON.stringify(body), { status: 429, headers });
}

export function refused(refusal: Refusal): Response {
  switch (refusal.kind) {
    case "rate_limited":
      return rateLimited(refusal.scope, refusal.retryAfterMs);
    case "proxy_timeout":
      return proxyError(
        "proxy_timeout",
        "The deadline passed while the request waited for Discord's limits; it was not sent.",
      );
    case "locked":
      return proxyError("locked", "Discord refused this bot's token (401); an operator must unlock it.");
    case "invalid_request_budget":
      return proxyError(
        "invalid_request_budget",
        "This bot is close to Discord's invalid-request ban; requests are refused until the 10-minute window slides.",
        refusal.retryAfterMs,
      );
    case "banned":
      return proxyError(
        "banned",
        "Discord's Cloudflare front has banned this address; requests are held until the ban ends.",
        refusal.retryAfterMs,
      );
  }
}
