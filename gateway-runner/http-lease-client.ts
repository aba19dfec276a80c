import { LeaseAnswer, type LeaseRelease, type LeaseRequest } from "../schemas/gateway-sessions.ts";
import { withoutCredentials } from "./log.ts";
import { ingestRouteUrl, signedFetch } from "./signed-fetch.ts";

/** The Worker's shard leases (POST and DELETE {INGEST_URL}/leases), signed like /ingest. */
export class HttpLeaseClient {
  readonly #url: string;
  readonly #shown: string;
  readonly #secret: string;
  readonly #timeoutMs: number;

  constructor(ingestUrl: string, secret: string, timeoutMs: number) {
    this.#url = ingestRouteUrl(ingestUrl, "leases").toString();
    this.#shown = withoutCredentials(this.#url);
    this.#secret = secret;
    this.#timeoutMs = timeoutMs;
  }

  async take(request: LeaseRequest): Promise<LeaseAnswer> {
    const response = await this.#send("POST", JSON.stringify(request));
    const parsed = LeaseAnswer.safeParse(await response.json().catch(() => null));
    if (!parsed.success) throw new Error(`POST ${this.#shown} did not answer a lease`);
    return parsed.data;
  }

  async release(release: LeaseRelease): Promise<void> {
    await this.#send("DELETE", JSON.stringify(release));
  }

  async #send(method: "POST" | "DELETE", body: string): Promise<Response> {
    const response = await signedFetch(this.#url, this.#secret, { method, body, timeoutMs: this.#timeoutMs });
    if (!response.ok) {
      const text = await response.text();
      // The same settings as ingest: name the one to check.
      const hint =
        response.status === 401
          ? " (check INGEST_SECRET)"
          : response.status === 404
            ? " (check INGEST_URL)"
            : "";
      throw new Error(
        `${method} ${this.#shown} answered HTTP ${response.status}${hint}: ${text.slice(0, 200)}`,
      );
    }
    return response;
  }
}
