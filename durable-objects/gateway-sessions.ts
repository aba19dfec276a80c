import { DurableObject } from "cloudflare:workers";
import type {
  GatewaySession,
  LeaseAnswer,
  LeaseRelease,
  LeaseRequest,
  SessionsSave,
} from "../schemas/gateway-sessions.ts";
import type { Env } from "../settings/env.ts";
import { decideLease, heldByOthers, type LeaseRow } from "./shard-leases.ts";

/**
 * The gateway runners' session checkpoints and shard leases, kept at the edge because a
 * container's disk does not outlive it. One instance ("runner") for every runner of the bot: a
 * row per shard, so runners that split the shards (SHARD_IDS) never overwrite each other, and a
 * lease per shard (shard-leases.ts), so a standby runner takes over a dead one's shards and never
 * runs them beside it. Every method runs without awaiting, so each is atomic.
 */

export type SaveAnswer = { ok: true } | { ok: false; held: { shard_id: number; runner_id: string }[] };

export class GatewaySessions extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const sql = ctx.storage.sql;
    sql.exec(
      "CREATE TABLE IF NOT EXISTS shard_sessions (shard_id INTEGER PRIMARY KEY, json TEXT NOT NULL);" +
        "CREATE TABLE IF NOT EXISTS shard_leases (shard_id INTEGER PRIMARY KEY, runner_id TEXT NOT NULL, expires_at INTEGER NOT NULL)",
    );
    migrateWholeDocument(sql);
  }

  get(): GatewaySession[] {
    return this.ctx.storage.sql
      .exec<{ json: string }>("SELECT json FROM shard_sessions ORDER BY shard_id")
      .toArray()
      .map((row) => JSON.parse(row.json) as GatewaySession);
  }

  save(save: SessionsSave): SaveAnswer {
    if (save.runner_id !== undefined) {
      const held = heldByOthers(this.#leases(), save.runner_id, save.shard_ids, Date.now());
      if (held.length > 0)
        return { ok: false, held: held.map(({ shard_id, runner_id }) => ({ shard_id, runner_id })) };
    }
    const sql = this.ctx.storage.sql;
    for (const shardId of save.shard_ids) sql.exec("DELETE FROM shard_sessions WHERE shard_id = ?", shardId);
    for (const session of save.sessions)
      sql.exec(
        "INSERT OR REPLACE INTO shard_sessions (shard_id, json) VALUES (?, ?)",
        session.shard_id,
        JSON.stringify(session),
      );
    return { ok: true };
  }

  lease(request: LeaseRequest): LeaseAnswer {
    const { answer, write } = decideLease(this.#leases(), request, Date.now());
    for (const row of write)
      this.ctx.storage.sql.exec(
        "INSERT OR REPLACE INTO shard_leases (shard_id, runner_id, expires_at) VALUES (?, ?, ?)",
        row.shard_id,
        row.runner_id,
        row.expires_at,
      );
    return answer;
  }

  release(release: LeaseRelease): void {
    for (const shardId of release.shard_ids)
      this.ctx.storage.sql.exec(
        "DELETE FROM shard_leases WHERE shard_id = ? AND runner_id = ?",
        shardId,
        release.runner_id,
      );
  }

  #leases(): LeaseRow[] {
    return this.ctx.storage.sql
      .exec<{ shard_id: number; runner_id: string; expires_at: number }>(
        "SELECT shard_id, runner_id, expires_at FROM shard_leases",
      )
      .toArray();
  }
}

/** Before rows per shard, every session was one JSON document (table `sessions`): moved once. */
export function migrateWholeDocument(sql: SqlStorage): void {
  const legacy = sql
    .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'sessions'")
    .toArray();
  if (legacy.length === 0) return;
  const row = sql.exec<{ json: string }>("SELECT json FROM sessions WHERE id = 1").toArray()[0];
  for (const session of row ? (JSON.parse(row.json) as GatewaySession[]) : [])
    sql.exec(
      "INSERT OR IGNORE INTO shard_sessions (shard_id, json) VALUES (?, ?)",
      session.shard_id,
      JSON.stringify(session),
    );
  sql.exec("DROP TABLE sessions");
}
