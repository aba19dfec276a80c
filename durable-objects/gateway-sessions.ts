import { DurableObject } from "cloudflare:workers";
import type { GatewaySession } from "../schemas/gateway-sessions.ts";
import type { Env } from "../settings/env.ts";
import { JsonDocument } from "./sql.ts";

/**
 * The gateway runner's session checkpoints, kept at the edge because a container's disk does not
 * survive a restart. One instance ("runner"); written every few seconds at most.
 */
export class GatewaySessions extends DurableObject<Env> {
  #document = new JsonDocument<GatewaySession[]>(this.ctx.storage.sql, "sessions");

  get(): GatewaySession[] {
    return this.#document.read() ?? [];
  }

  put(sessions: GatewaySession[]): void {
    this.#document.write(sessions);
  }
}
