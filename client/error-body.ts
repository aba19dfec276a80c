// zod-free, so importing it keeps the client free of a schema library at run time.
import { PROXY_ERROR_TYPES } from "../schemas/message-error-types.ts";
import type { MessageErrorType } from "../schemas/messages.ts";
import type { ProxyErrorCode } from "../schemas/proxy.ts";
import type { HttpErrorDetails, HttpErrorType } from "./errors.ts";

/**
 * Reads a failed answer's body into what PorchlightHttpError carries. Porchlight's routes answer
 * in four envelopes, each its API's own, and the proxy passes Discord's through:
 *   message API   {error: {type, status, code, text, path?, retry_after?}}   (schemas/messages.ts)
 *   proxy         {code, message, retry_after?}                              (schemas/proxy.ts)
 *   Discord       {code, message, errors?} and its 429 {message, retry_after, global}
 *   Lantern       {error: "..."}
 *   Lanyard       {success: false, error: {code, message}}
 * A body in none of them (an HTML error page from something in front of the Worker, say) keeps
 * its status and a short excerpt of its text.
 */

type Answer = Omit<HttpErrorDetails, "method" | "url">;

/** The kind of failure a status alone suggests, for envelopes that do not say. */
export function typeOfStatus(status: number): HttpErrorType {
  if (status === 400 || status === 413 || status === 422) return "invalid_input";
  if (status === 401 || status === 403) return "unauthorized";
  if (status === 404) return "not_found";
  if (status === 429) return "rate_limited";
  if (status === 408 || status === 504) return "timeout";
  if (status === 502 || status === 503) return "discord_unavailable";
  if (status >= 500) return "internal";
  return "http_error";
}

/** Retry-After as seconds: a number of seconds, or an HTTP date (RFC 9110 §10.2.3). */
export function retryAfterSeconds(header: string | null, now = Date.now()): number | undefined {
  if (header === null || header.trim() === "") return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - now) / 1000);
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const isCode = (value: unknown): value is number | string =>
  typeof value === "string" || (typeof value === "number" && Number.isFinite(value));

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function readErrorAnswer(status: number, headers: Headers, text: string): Answer {
  const headerRetry = retryAfterSeconds(headers.get("retry-after"));
  const answer = fromBody(status, parseJson(text)) ?? {
    status,
    type: typeOfStatus(status),
    code: 0,
    text: excerpt(text) || `HTTP ${status}`,
  };
  if (answer.retryAfter === undefined && headerRetry !== undefined) answer.retryAfter = headerRetry;
  return answer;
}

function fromBody(status: number, body: unknown): Answer | undefined {
  if (!isRecord(body)) return undefined;
  const { error } = body;

  // The message API.
  // Known by its shape rather than a list of types, so a type added to the server later still reads.
  if (isRecord(error) && typeof error.type === "string" && typeof error.text === "string") {
    const answer: Answer = {
      status,
      type: error.type as MessageErrorType,
      code: isCode(error.code) ? error.code : 0,
      text: error.text,
    };
    if (typeof error.status === "number") answer.upstreamStatus = error.status;
    if (Array.isArray(error.path)) answer.path = error.path.filter(isCode);
    if (typeof error.retry_after === "number") answer.retryAfter = error.retry_after;
    return answer;
  }

  // Lanyard.
  if (body.success === false && isRecord(error) && typeof error.message === "string") {
    return {
      status,
      type: typeOfStatus(status),
      code: isCode(error.code) ? error.code : 0,
      text: error.message,
    };
  }

  // Lantern.
  if (typeof error === "string") return { status, type: typeOfStatus(status), code: 0, text: error };

  // The proxy's own refusals and Discord's errors passed through it.
  if (typeof body.message === "string") {
    const code = isCode(body.code) ? body.code : 0;
    const type =
      typeof code === "string" && Object.hasOwn(PROXY_ERROR_TYPES, code)
        ? PROXY_ERROR_TYPES[code as ProxyErrorCode]
        : status >= 400 && status < 500 && status !== 401 && status !== 429
          ? "discord_error"
          : typeOfStatus(status);
    const answer: Answer = { status, type, code, text: body.message };
    if (typeof body.retry_after === "number") answer.retryAfter = body.retry_after;
    return answer;
  }
  return undefined;
}

function excerpt(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > 200 ? `${flat.slice(0, 200)}…` : flat;
}
