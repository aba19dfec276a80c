import { DurableObject } from "cloudflare:workers";
import type { Env } from "../settings/env.ts";
import { type Claim, decideClaim, IDEMPOTENCY_TTL_MS, type StoredSend } from "./idempotency.ts";
import { sweepExpiredRows } from "./sql.ts";

/**
 * What the message API remembers for one bot: each user's DM channel (opened once, so a direct
 * message costs one Discord request after the first, where discordproxy spent three), and the
 * idempotency keys of recent sends. Only callers holding the bot's proxy key reach it.
 */
export class MessageLedger extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(
      "CREATE TABLE IF NOT EXISTS dm_channels (user_id TEXT PRIMARY KEY, channel_id TEXT NOT NULL);" +
        "CREATE TABLE IF NOT EXISTS sends (key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, status INTEGER," +
        " body TEXT, pending_until INTEGER NOT NULL, expires_at INTEGER NOT NULL);" +
        "CREATE INDEX IF NOT EXISTS sends_expiry ON sends (expires_at)",
    );
  }

  dmChannel(userId: string): string | null {
    return (
      this.ctx.storage.sql
        .exec<{ channel_id: string }>("SELECT channel_id FROM dm_channels WHERE user_id = ?", userId)
        .toArray()[0]?.channel_id ?? null
    );
  }

  rememberDmChannel(userId: string, channelId: string): void {
    this.ctx.storage.sql.exec(
      "INSERT INTO dm_channels (user_id, channel_id) VALUES (?, ?) ON CONFLICT (user_id) DO UPDATE SET channel_id = excluded.channel_id",
      userId,
      channelId,
    );
  }

  forgetDmChannel(userId: string): void {
    this.ctx.storage.sql.exec("DELETE FROM dm_channels WHERE user_id = ?", userId);
  }

  /** Claims `key` for a send, or says what the first send with it came to; `pendingMs` bounds a claim. */
  async claim(key: string, fingerprint: string, pendingMs: number): Promise<Claim> {
    const now = Date.now();
    const row = this.ctx.storage.sql
      .exec<{
        fingerprint: string;
        status: number | null;
        body: string | null;
        pending_until: number;
        expires_at: number;
      }>("SELECT fingerprint, status, body, pending_until, expires_at FROM sends WHERE key = ?", key)
      .toArray()[0];
    const stored: StoredSend | null = row
      ? {
          fingerprint: row.fingerprint,
          answer: row.status === null ? null : { status: row.status, body: row.body ?? "" },
          pendingUntil: row.pending_until,
          expiresAt: row.expires_at,
        }
      : null;
    const claim = decideClaim(stored, fingerprint, now);
    if (claim.kind === "new") {
      // Read and written with no await between: two retries at once cannot both claim.
      this.ctx.storage.sql.exec(
        "INSERT INTO sends (key, fingerprint, status, body, pending_until, expires_at) VALUES (?, ?, NULL, NULL, ?, ?)" +
          " ON CONFLICT (key) DO UPDATE SET fingerprint = excluded.fingerprint, status = NULL, body = NULL," +
          " pending_until = excluded.pending_until, expires_at = excluded.expires_at",
        key,
        fingerprint,
        now + pendingMs,
        now + IDEMPOTENCY_TTL_MS,
      );
      if ((await this.ctx.storage.getAlarm()) === null)
        await this.ctx.storage.setAlarm(now + IDEMPOTENCY_TTL_MS);
    }
    return claim;
  }

  /** The send with `key` succeeded: retries get this answer. */
  complete(key: string, status: number, body: string): void {
    this.ctx.storage.sql.exec("UPDATE sends SET status = ?, body = ? WHERE key = ?", status, body, key);
  }

  /** The send failed without taking effect: a retry may try again. */
  release(key: string): void {
    this.ctx.storage.sql.exec("DELETE FROM sends WHERE key = ? AND status IS NULL", key);
  }

  override async alarm(): Promise<void> {
    await sweepExpiredRows(this.ctx.storage, "sends");
  }
}

/** The ledger of the bot named `bot`. */
export function messageLedger(env: Env, bot: string): DurableObjectStub<MessageLedger> {
  return env.MESSAGE_LEDGER.get(env.MESSAGE_LEDGER.idFromName(`bot:${bot}`));
}
