import { DurableObject } from "cloudflare:workers";
import type { Env } from "../workers/env.ts";

/**
 * The directory of monitored users: who is in a monitored guild right now. Each UserPresence
 * object tells it when its user joins or leaves, so "how many" and "who" never need a scan of
 * every user object. One instance ("all"); a change of membership is rare next to presence traffic.
 */
export class MonitoredUsers extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS monitored (user_id TEXT PRIMARY KEY)");
  }

  setMonitored(userId: string, monitored: boolean): void {
    this.ctx.storage.sql.exec(
      monitored
        ? "INSERT OR IGNORE INTO monitored (user_id) VALUES (?)"
        : "DELETE FROM monitored WHERE user_id = ?",
      userId,
    );
  }

  count(): number {
    return this.ctx.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM monitored").one().n;
  }

  list(): string[] {
    return this.ctx.storage.sql
      .exec<{ user_id: string }>("SELECT user_id FROM monitored ORDER BY user_id")
      .toArray()
      .map((row) => row.user_id);
  }
}
