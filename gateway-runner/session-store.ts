import type { GatewaySession } from "../schemas/gateway-sessions.ts";

/**
 * Where the session checkpoints live between runs. The runner loads them once at start and saves
 * them every few seconds from the checkpointer, never from the dispatch path: @discordjs/ws awaits
 * its session hooks on every event, so those are served from memory (see session-cache.ts).
 */
export interface SessionStore {
  /** Said in logs: where the sessions are kept (never a secret). */
  readonly description: string;
  load(): Promise<GatewaySession[]>;
  save(sessions: GatewaySession[]): Promise<void>;
}
