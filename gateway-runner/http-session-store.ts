import { type GatewaySession, GatewaySessions, SessionsSave } from "../schemas/gateway-sessions.ts";
import { IngestRoute } from "./ingest-route.ts";
import type { SessionStore } from "./session-store.ts";
import { ingestRouteUrl } from "./signed-fetch.ts";

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
  readonly #route: IngestRoute;
  readonly #owner: SessionOwner;
  readonly description: string;

  constructor(ingestUrl: string, secret: string, timeoutMs: number, owner: SessionOwner) {
    this.#route = new IngestRoute(ingestUrl, "sessions", secret, timeoutMs);
    this.#owner = owner;
    this.description = `worker ${this.#route.shown}`;
  }

  async load(): Promise<GatewaySession[]> {
    const text = await this.#route.call("GET");
    const shown = this.#route.shown;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new Error(`GET ${shown} did not answer JSON`);
    }
    const parsed = GatewaySessions.safeParse(json);
    if (!parsed.success) {
      throw new Error(`GET ${shown} did not answer a sessions document: ${parsed.error.issues[0]?.message}`);
    }
    return parsed.data.sessions;
  }

  async save(sessions: GatewaySession[]): Promise<void> {
    const body = JSON.stringify(
      SessionsSave.parse({ runner_id: this.#owner.runnerId, shard_ids: this.#owner.shardIds, sessions }),
    );
    await this.#route.call("PUT", body);
  }
}

export function sessionsUrl(ingestUrl: string): string {
  return ingestRouteUrl(ingestUrl, "sessions").toString();
}
