import { type GatewaySession, GatewaySessions, SessionsSave } from "../schemas/gateway-sessions.ts";
import { describeError, withoutCredentials } from "./log.ts";
import type { SessionStore } from "./session-store.ts";
import { ingestRouteUrl, signedFetch } from "./signed-fetch.ts";

/**
 * Sessions kept by the Worker (GET and PUT {INGEST_URL}/sessions, signed like /ingest), for
 * containers, whose disk does not outlive them. A save replaces only this runner's shards, and
 * carries its id so the Worker refuses it once another runner holds one of them.
 */

/** Whose sessions these are: the shards saved (those left out of a save are cleared), and the lease holder. */
export interface SessionOwner {
  shardIds: number[];
  runnerId?: string;
}
export class HttpSessionStore implements SessionStore {
  readonly #url: string;
  /** The URL as messages show it: any credentials in INGEST_URL left out, since they are logged. */
  readonly #shown: string;
  readonly #secret: string;
  readonly #timeoutMs: number;
  readonly #owner: SessionOwner;
  readonly description: string;

  constructor(ingestUrl: string, secret: string, timeoutMs: number, owner: SessionOwner) {
    this.#url = sessionsUrl(ingestUrl);
    this.#shown = withoutCredentials(this.#url);
    this.#secret = secret;
    this.#timeoutMs = timeoutMs;
    this.#owner = owner;
    this.description = `worker ${this.#shown}`;
  }

  async load(): Promise<GatewaySession[]> {
    const response = await this.#fetch({ method: "GET", timeoutMs: this.#timeoutMs });
    const text = await response.text();
    if (!response.ok)
      throw new Error(`GET ${this.#shown} answered HTTP ${response.status}: ${text.slice(0, 200)}`);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new Error(`GET ${this.#shown} did not answer JSON`);
    }
    const parsed = GatewaySessions.safeParse(json);
    if (!parsed.success) {
      throw new Error(
        `GET ${this.#shown} did not answer a sessions document: ${parsed.error.issues[0]?.message}`,
      );
    }
    return parsed.data.sessions;
  }

  async save(sessions: GatewaySession[]): Promise<void> {
    const body = JSON.stringify(
      SessionsSave.parse({ runner_id: this.#owner.runnerId, shard_ids: this.#owner.shardIds, sessions }),
    );
    const response = await this.#fetch({ method: "PUT", body, timeoutMs: this.#timeoutMs });
    const text = await response.text();
    if (!response.ok)
      throw new Error(`PUT ${this.#shown} answered HTTP ${response.status}: ${text.slice(0, 200)}`);
  }

  async #fetch(request: Parameters<typeof signedFetch>[2]): Promise<Response> {
    try {
      return await signedFetch(this.#url, this.#secret, request);
    } catch (error) {
      throw new Error(`${request.method} ${this.#shown} failed: ${describeError(error)}`);
    }
  }
}

export function sessionsUrl(ingestUrl: string): string {
  return ingestRouteUrl(ingestUrl, "sessions").toString();
}
