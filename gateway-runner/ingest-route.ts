import { describeError, withoutCredentials } from "./log.ts";
import { ingestRouteUrl, signedFetch } from "./signed-fetch.ts";

type Method = "GET" | "POST" | "PUT" | "DELETE";

/**
 * One of the Worker's signed routes under INGEST_URL (sessions, leases), as the runner calls it:
 * a failure names the request and the status, never the credentials INGEST_URL may carry, since
 * these messages are logged and shown on /health.
 */
export class IngestRoute {
  readonly url: string;
  /** The URL as messages show it. */
  readonly shown: string;
  readonly #secret: string;
  readonly #timeoutMs: number;
  readonly #hint: (status: number) => string;

  constructor(
    ingestUrl: string,
    path: string,
    secret: string,
    timeoutMs: number,
    /** Said after the status of a refusal, e.g. which setting to check. */
    hint: (status: number) => string = () => "",
  ) {
    this.url = ingestRouteUrl(ingestUrl, path).toString();
    this.shown = withoutCredentials(this.url);
    this.#secret = secret;
    this.#timeoutMs = timeoutMs;
    this.#hint = hint;
  }

  /** The answer's text; throws, naming the request, when it fails or is not a 2xx. */
  async call(method: Method, body?: string): Promise<string> {
    let response: Response;
    try {
      response = await signedFetch(this.url, this.#secret, { method, body, timeoutMs: this.#timeoutMs });
    } catch (error) {
      throw new Error(`${method} ${this.shown} failed: ${describeError(error)}`);
    }
    const text = await response.text();
    if (!response.ok)
      throw new Error(
        `${method} ${this.shown} answered HTTP ${response.status}${this.#hint(response.status)}: ${text.slice(0, 200)}`,
      );
    return text;
  }
}
