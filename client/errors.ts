import type { MessageErrorType } from "../schemas/messages.ts";

/**
 * What a failed call throws. Every error the client makes is a PorchlightError, so a caller can
 * catch the client's failures apart from their own; the subclasses say what went wrong in a way a
 * program can branch on (an HTTP answer, our deadline, or no answer at all). A caller's own
 * AbortSignal is the exception: its reason is thrown as it is, as fetch does.
 */

export class PorchlightError extends Error {
  override name = "PorchlightError";
}

/**
 * What kind of failure an HTTP answer was. The message API names it itself (schemas/messages.ts
 * MessageErrorType); the other routes' answers are classified from their status and code, adding
 * `not_found` (Lantern's and Lanyard's 404s say nothing more) and `http_error` (anything else).
 */
export type HttpErrorType = MessageErrorType | "not_found" | "http_error";

export interface HttpErrorDetails {
  status: number;
  type: HttpErrorType;
  /** Discord's JSON error code (10003…), the proxy's or Lanyard's code ("unauthorized"…), or 0. */
  code: number | string;
  text: string;
  /** The message API's invalid_input: the field that broke the rule. */
  path?: (string | number)[];
  /** Seconds until trying again may work, from the body's retry_after or the Retry-After header. */
  retryAfter?: number;
  /** The message API's own `error.status`: Discord's status when Discord answered. */
  upstreamStatus?: number;
  method: string;
  url: string;
}

/** The server answered, and not with success. */
export class PorchlightHttpError extends PorchlightError {
  override name = "PorchlightHttpError";
  readonly status: number;
  readonly type: HttpErrorType;
  readonly code: number | string;
  readonly text: string;
  readonly path?: (string | number)[];
  readonly retryAfter?: number;
  readonly upstreamStatus?: number;
  readonly method: string;
  readonly url: string;

  constructor(details: HttpErrorDetails) {
    super(`${details.method} ${details.url} answered ${details.status} (${details.type}): ${details.text}`);
    this.status = details.status;
    this.type = details.type;
    this.code = details.code;
    this.text = details.text;
    if (details.path) this.path = details.path;
    if (details.retryAfter !== undefined) this.retryAfter = details.retryAfter;
    if (details.upstreamStatus !== undefined) this.upstreamStatus = details.upstreamStatus;
    this.method = details.method;
    this.url = details.url;
  }
}

/**
 * The call's deadline (`timeoutMs`) passed before an answer came. A write may still have taken
 * effect: the request may have reached the server, and Discord, before the deadline.
 */
export class PorchlightTimeoutError extends PorchlightError {
  override name = "PorchlightTimeoutError";
  readonly timeoutMs: number;
  constructor(method: string, url: string, timeoutMs: number) {
    super(`${method} ${url} got no answer within ${timeoutMs} ms`);
    this.timeoutMs = timeoutMs;
  }
}

/** No HTTP answer at all: the connection was refused or broken, or the name did not resolve. */
export class PorchlightNetworkError extends PorchlightError {
  override name = "PorchlightNetworkError";
  constructor(method: string, url: string, cause: unknown) {
    super(`${method} ${url} failed: ${describeCause(cause)}`, { cause });
  }
}

// fetch's TypeError("fetch failed") hides the useful part (ECONNREFUSED…) in its cause.
function describeCause(cause: unknown): string {
  if (!(cause instanceof Error)) return String(cause);
  const inner = cause.cause;
  if (inner instanceof Error) {
    const code = (inner as { code?: unknown }).code;
    return typeof code === "string" ? `${cause.message} (${code})` : `${cause.message}: ${inner.message}`;
  }
  return cause.message;
}
