import { DurableObject } from "cloudflare:workers";
import type { Env } from "../settings/env.ts";
import { mayClaim, nextSweep } from "./interaction-claims.ts";
import { sweepExpiredRows } from "./sql.ts";

/**
 * The interaction ids one shard has accepted, each until its signature's timestamp could no longer
 * pass (workers/bot/replay.ts, durable-objects/interaction-claims.ts), so a captured delivery replayed inside the window is refused. Only
 * ids of correctly signed interactions arrive here; an alarm deletes expired rows, so storage
 * holds at most the ids of the last few minutes.
 */
export class InteractionIds extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(
      "CREATE TABLE IF NOT EXISTS seen (id TEXT PRIMARY KEY, expires_at INTEGER NOT NULL);" +
        "CREATE INDEX IF NOT EXISTS seen_expiry ON seen (expires_at)",
    );
  }

  /** True the first time an id is claimed inside its window; false for every repeat. */
  async claim(id: string, expiresAt: number): Promise<boolean> {
    // Read and written with no await between, so two deliveries of one id cannot both pass.
    const stored =
      this.ctx.storage.sql
        .exec<{ expires_at: number }>("SELECT expires_at FROM seen WHERE id = ?", id)
        .toArray()[0]?.expires_at ?? null;
    if (!mayClaim(stored, Date.now())) return false;
    this.ctx.storage.sql.exec(
      "INSERT INTO seen (id, expires_at) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET expires_at = excluded.expires_at",
      id,
      expiresAt,
    );
    const current = await this.ctx.storage.getAlarm();
    const sweep = nextSweep(current, expiresAt);
    if (sweep !== current) await this.ctx.storage.setAlarm(sweep);
    return true;
  }

  override async alarm(): Promise<void> {
    await sweepExpiredRows(this.ctx.storage, "seen", (next) => nextSweep(null, next));
  }

  /** How many ids are held: for tests and operators. */
  size(): number {
    return this.ctx.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM seen").one().n;
  }
}
