import { LeaseAnswer, type LeaseRelease, type LeaseRequest } from "../schemas/gateway-sessions.ts";
import { IngestRoute } from "./ingest-route.ts";

/** The Worker's shard leases (POST and DELETE {INGEST_URL}/leases), signed like /ingest. */
export class HttpLeaseClient {
  readonly #route: IngestRoute;

  constructor(ingestUrl: string, secret: string, timeoutMs: number) {
    // The same settings as ingest: name the one to check.
    this.#route = new IngestRoute(ingestUrl, "leases", secret, timeoutMs, (status) =>
      status === 401 ? " (check INGEST_SECRET)" : status === 404 ? " (check INGEST_URL)" : "",
    );
  }

  async take(request: LeaseRequest): Promise<LeaseAnswer> {
    const text = await this.#route.call("POST", JSON.stringify(request));
    let json: unknown = null;
    try {
      json = JSON.parse(text);
    } catch {}
    const parsed = LeaseAnswer.safeParse(json);
    if (!parsed.success) throw new Error(`POST ${this.#route.shown} did not answer a lease`);
    return parsed.data;
  }

  async release(release: LeaseRelease): Promise<void> {
    await this.#route.call("DELETE", JSON.stringify(release));
  }
}
