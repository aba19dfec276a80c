import { LEARNED_HEADERS } from "../../durable-objects/rest-proxy/answers.ts";
import type { RateLimitedBody, UpstreamAnswer } from "../../schemas/proxy.ts";

/**
 * One call to Discord and the shaping of both directions: which of the caller's headers Discord
 * gets, which of Discord's the caller gets back, and what of the answer the rate-limit object
 * needs to learn from.
 */

/** Discord requires `DiscordBot ($url, $versionNumber)`. */
export const PROXY_USER_AGENT = "DiscordBot (https://github.com/porchlight/porchlight, 0.1.0)";

/**
 * Discord's answer headers a caller may need: the body's type, and the rate-limit headers its own
 * limiter reads (so it stays truthful). Cookies, Cloudflare's tracing and hop-by-hop headers stay
 * behind; Content-Encoding too, since fetch has already decoded the body.
 */
const RETURNED_HEADERS = [
  "content-type",
  "content-disposition",
  "retry-after",
  "via",
  "date",
  "etag",
  "last-modified",
  "x-ratelimit-limit",
  "x-ratelimit-remaining",
  "x-ratelimit-reset",
  "x-ratelimit-reset-after",
  "x-ratelimit-bucket",
  "x-ratelimit-global",
  "x-ratelimit-scope",
] as const;

export interface Outgoing {
  method: string;
  url: URL;
  /** `Bot <token>`, `Bearer <token>` or null for routes whose token is in the path. */
  authorization: string | null;
  contentType: string | null;
  auditLogReason: string | null;
  body: Uint8Array | null;
}

export type UpstreamResult =
  | { ok: true; response: Response; answer: UpstreamAnswer }
  | { ok: false; failure: "upstream_timeout" | "upstream_failure" };

export async function callDiscord(outgoing: Outgoing, timeoutMs: number): Promise<UpstreamResult> {
  const headers = new Headers({ "user-agent": PROXY_USER_AGENT });
  if (outgoing.authorization) headers.set("authorization", outgoing.authorization);
  if (outgoing.contentType) headers.set("content-type", outgoing.contentType);
  if (outgoing.auditLogReason) headers.set("x-audit-log-reason", outgoing.auditLogReason);
  let response: Response;
  try {
    response = await fetch(outgoing.url, {
      method: outgoing.method,
      headers,
      body: outgoing.body,
      // A redirect would carry the token to wherever it points.
      redirect: "manual",
      signal: AbortSignal.timeout(Math.max(1, timeoutMs)),
    });
  } catch (error) {
    const name = (error as Error).name;
    return {
      ok: false,
      failure: name === "TimeoutError" || name === "AbortError" ? "upstream_timeout" : "upstream_failure",
    };
  }
  const learned: Record<string, string> = {};
  for (const name of LEARNED_HEADERS) {
    const value = response.headers.get(name);
    if (value !== null) learned[name] = value;
  }
  const returned = new Headers();
  for (const name of RETURNED_HEADERS) {
    const value = response.headers.get(name);
    if (value !== null) returned.set(name, value);
  }
  let body: ReadableStream | string | null = response.body;
  let limitedBody: Partial<RateLimitedBody> | null = null;
  if (response.status === 429) {
    // A 429's body is small and says how long to wait; the limiter needs it, and so does the caller.
    const text = await response.text().catch(() => "");
    body = text;
    limitedBody = parseLimitedBody(text);
  }
  return {
    ok: true,
    response: new Response(body, {
      status: response.status,
      statusText: response.statusText,
      headers: returned,
    }),
    answer: { status: response.status, headers: learned, body: limitedBody },
  };
}

function parseLimitedBody(text: string): Partial<RateLimitedBody> | null {
  try {
    const parsed = JSON.parse(text) as Record<string, unknown>;
    if (typeof parsed !== "object" || parsed === null) return null;
    const body: Partial<RateLimitedBody> = {};
    if (typeof parsed.retry_after === "number") body.retry_after = parsed.retry_after;
    if (typeof parsed.global === "boolean") body.global = parsed.global;
    if (typeof parsed.message === "string") body.message = parsed.message.slice(0, 200);
    return body;
  } catch {
    return null;
  }
}
