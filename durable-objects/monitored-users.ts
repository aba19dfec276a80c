import { DurableObject } from "cloudflare:workers";
import type { Env } from "../workers/env.ts";

/**
 * The directory of monitored users: who is in a monitored guild right now. Each UserPresence
 * object tells it when its user joins or leaves, so "how many" and "who" never need a scan of
 * every user object. One instance ("all"); a change of membership is rare next to presence traffic.
 *
 * Each report carries the user's state version. A user object awaits this call after saving its
 * state, and another delta can be applied during that await, so two reports for one user may
 * arrive out of order; the version makes the later state win regardless.
 *
 * It also lists the socket hubs with a socket subscribed to All: such a hub hears every user's
 * changes, so ingest asks for this list once per batch instead of every user object keeping it.
 */
export class MonitoredUsers extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(
      "CREATE TABLE IF NOT EXISTS membership (user_id TEXT PRIMARY KEY, monitored INTEGER NOT NULL, version INTEGER NOT NULL)",
    );
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS all_hubs (hub TEXT PRIMARY KEY)");
  }

  /** A hub's socket subscribed to All; returns every monitored user, for its INIT_ACK. */
  followAll(hub: string): string[] {
    this.ctx.storage.sql.exec("INSERT OR IGNORE INTO all_hubs (hub) VALUES (?)", hub);
    return this.list();
  }

  /** The hub's last All socket is gone. */
  unfollowAll(hub: string): void {
    this.ctx.storage.sql.exec("DELETE FROM all_hubs WHERE hub = ?", hub);
  }

  allHubs(): string[] {
    return this.ctx.storage.sql
      .exec<{ hub: string }>("SELECT hub FROM all_hubs")
      .toArray()
      .map((row) => row.hub);
  }

  setMonitored(userId: string, monitored: boolean, version: number): void {
    this.ctx.storage.sql.exec(
      `INSERT INTO membership (user_id, monitored, version) VALUES (?, ?, ?)
       ON CONFLICT (user_id) DO UPDATE SET monitored = excluded.monitored, version = excluded.version
       WHERE excluded.version > membership.version`,
      userId,
      monitored ? 1 : 0,
      version,
    );
  }

  count(): number {
    return this.ctx.storage.sql
      .exec<{ n: number }>("SELECT COUNT(*) AS n FROM membership WHERE monitored = 1")
      .one().n;
  }

  list(): string[] {
    return this.ctx.storage.sql
      .exec<{ user_id: string }>("SELECT user_id FROM membership WHERE monitored = 1 ORDER BY user_id")
      .toArray()
      .map((row) => row.user_id);
  }
}
