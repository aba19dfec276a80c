import type { OnLimit } from "../schemas/proxy.ts";
import { sleep } from "./backoff.ts";
import { readErrorAnswer } from "./error-body.ts";
import {
  PorchlightError,
  PorchlightHttpError,
  PorchlightNetworkError,
  PorchlightTimeoutError,
} from "./errors.ts";
import { isReplaySafe, type RetryOptions, retryDelay } from "./retry-policy.ts";

/**
 * The client's one way to the server: fetch with a deadline for the whole call (retries and their
 * waits included), the caller's AbortSignal, JSON in and out, answers that are not 2xx thrown as
 * PorchlightHttpError, and retries where retry-policy.ts allows them. fetch only, so it runs
 * unchanged in browsers, Node and Workers.
 */

export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export interface CallOptions {
  /** The whole call's deadline in ms, retries included; the client's `timeoutMs` by default. */
  timeoutMs?: number;
  /** Aborting it ends the call at once, throwing the signal's reason. */
  signal?: AbortSignal;
}

export interface HttpRequest extends CallOptions {
  method: Method;
  /** Below the base URL, with its segments already encoded. */
  path: string;
  query?: Record<string, string | string[]>;
  json?: unknown;
  headers?: Record<string, string>;
  /** For 429s: a caller who asked to be refused at once is not retried either. */
  onLimit?: OnLimit;
  /**
   * A header that tells the server the call's deadline (X-Porchlight-Timeout). The server is then
   * given the caller's whole timeout and this client waits a little longer, so the server's own
   * answer (which says whether the request was ever sent to Discord) wins over a bare timeout.
   */
  deadlineHeader?: string;
}

export interface HttpAnswer {
  status: number;
  headers: Headers;
  text: string;
}

export interface TransportOptions {
  baseUrl: string;
  fetch: typeof fetch;
  timeoutMs: number;
  retry: RetryOptions;
}

/** How much longer than the server's deadline the client waits for the server's answer. */
export const SERVER_ANSWER_GRACE_MS = 1_500;

export class Transport {
  readonly #options: TransportOptions;

  constructor(options: TransportOptions) {
    this.#options = { ...options, baseUrl: options.baseUrl.replace(/\/+$/, "") };
  }

  get baseUrl(): string {
    return this.#options.baseUrl;
  }

  /** The answer's body parsed as JSON, or undefined for an empty body (204). */
  async json<T>(request: HttpRequest): Promise<T> {
    const answer = await this.send(request);
    if (answer.text === "") return undefined as T;
    try {
      return JSON.parse(answer.text) as T;
    } catch {
      throw new PorchlightError(
        `${request.method} ${this.#url(request)} answered ${answer.status} with a body that is not JSON`,
      );
    }
  }

  async send(request: HttpRequest): Promise<HttpAnswer> {
    const { method } = request;
    const url = this.#url(request);
    const timeoutMs = request.timeoutMs ?? this.#options.timeoutMs;
    const budgetMs = request.deadlineHeader ? timeoutMs + SERVER_ANSWER_GRACE_MS : timeoutMs;
    const deadline = AbortSignal.timeout(budgetMs);
    const signal = request.signal ? AbortSignal.any([request.signal, deadline]) : deadline;
    const headers = new Headers(request.headers);
    if (request.json !== undefined) headers.set("content-type", "application/json");
    const body = request.json === undefined ? undefined : JSON.stringify(request.json);
    const replaySafe = isReplaySafe(method, headers);
    const started = Date.now();

    // A deadline or the caller's abort ends the call whatever it was doing.
    const stopped = (): never => {
      if (request.signal?.aborted) throw request.signal.reason;
      throw new PorchlightTimeoutError(method, url, timeoutMs);
    };

    // Whether an earlier attempt may have done the work though its answer never came.
    let lostAnswer = false;
    for (let attempt = 0; ; attempt++) {
      if (request.deadlineHeader) {
        headers.set(request.deadlineHeader, String(Math.max(1, timeoutMs - (Date.now() - started))));
      }
      let failure: PorchlightHttpError | PorchlightNetworkError;
      try {
        // Called as a plain function: a browser's fetch throws "Illegal invocation" as a method of anything but window.
        const fetchFn = this.#options.fetch;
        const response = await fetchFn(url, { method, headers, body, signal });
        const text = await response.text();
        if (response.ok) return { status: response.status, headers: response.headers, text };
        // DELETE is idempotent in its effect, not its answer: the retry of a delete that went
        // through finds nothing to delete, and that is the first attempt's success.
        if (response.status === 404 && method === "DELETE" && lostAnswer) {
          return { status: 204, headers: response.headers, text: "" };
        }
        failure = new PorchlightHttpError({
          ...readErrorAnswer(response.status, response.headers, text),
          method,
          url,
        });
      } catch (error) {
        if (signal.aborted) stopped();
        failure = new PorchlightNetworkError(method, url, error);
      }
      lostAnswer ||= failure instanceof PorchlightNetworkError || failure.status === 504;
      if (!replaySafe || attempt >= this.#options.retry.retries) throw failure;
      const wait = retryDelay(failure, attempt, this.#options.retry, request.onLimit);
      // A wait that would outlast the deadline only turns a clear answer into a timeout.
      if (wait === undefined || Date.now() - started + wait >= timeoutMs) throw failure;
      try {
        await sleep(wait, signal);
      } catch {
        stopped();
      }
    }
  }

  #url(request: HttpRequest): string {
    const url = `${this.#options.baseUrl}${request.path}`;
    if (!request.query) return url;
    const search = new URLSearchParams();
    for (const [name, value] of Object.entries(request.query)) {
      for (const one of Array.isArray(value) ? value : [value]) search.append(name, one);
    }
    const query = search.toString();
    return query ? `${url}?${query}` : url;
  }
}

/** One path segment, encoded: ids and keys come from callers and must not add segments. */
export const segment = (value: string): string => encodeURIComponent(value);
