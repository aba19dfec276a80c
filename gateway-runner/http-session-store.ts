import { type GatewaySession, GatewaySessions } from "../schemas/gateway-sessions.ts";
import type { SessionStore } from "./session-store.ts";
import { ingestRouteUrl, signedFetch } from "./signed-fetch.ts";

/**
 * Sessions kept by the Worker (GET and PUT {INGEST_URL}/sessions, signed like /ingest), for
 * containers, whose disk does not outlive them.
 */
export class HttpSessionStore implements SessionStore {
  readonly #url: string;
  readonly #secret: string;
  readonly #timeoutMs: number;
  readonly description: string;

  constructor(ingestUrl: string, secret: string, timeoutMs: number) {
    this.#url = sessionsUrl(ingestUrl);
    this.#secret = secret;
    this.#timeoutMs = timeoutMs;
    this.description = `worker ${this.#url}`;
  }

  async load(): Promise<GatewaySession[]> {
    const response = await signedFetch(this.#url, this.#secret, {
      method: "GET",
      timeoutMs: this.#timeoutMs,
    });
    const text = await response.text();
    if (!response.ok)
      throw new Error(`GET ${this.#url} answered HTTP ${response.status}: ${text.slice(0, 200)}`);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new Error(`GET ${this.#url} did not answer JSON`);
    }
    const parsed = GatewaySessions.safeParse(json);
    if (!parsed.success) {
      throw new Error(
        `GET ${this.#url} did not answer a sessions document: ${parsed.error.issues[0]?.message}`,
      );
    }
    return parsed.data.sessions;
  }

  async save(sessions: GatewaySession[]): Promise<void> {
    const body = JSON.stringify(GatewaySessions.parse({ sessions }));
    const response = await signedFetch(this.#url, this.#secret, {
      method: "PUT",
      body,
      timeoutMs: this.#timeoutMs,
    });
    const text = await response.text();
    if (!response.ok)
      throw new Error(`PUT ${this.#url} answered HTTP ${response.status}: ${text.slice(0, 200)}`);
  }
}

export function sessionsUrl(ingestUrl: string): string {
  return ingestRouteUrl(ingestUrl, "sessions").toString();
}
