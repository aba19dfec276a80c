import { DurableObject } from "cloudflare:workers";
import type { Env } from "../settings/env.ts";

/**
 * Which user a write token belongs to, by the token's SHA-256, for routes that name the user as
 * `@me` (Lanyard's style). Sharded by the hash's first byte (workers/write-tokens.ts), since a
 * made-up token is looked up before any per-user limit can apply. The user's own object stays the
 * authority: a hash found here is checked again there, so a row left behind by an interrupted
 * rotation authorises nothing.
 */
export class TokenDirectory extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS tokens (hash TEXT PRIMARY KEY, user_id TEXT NOT NULL)");
  }

  bind(hash: string, userId: string): void {
    this.ctx.storage.sql.exec("INSERT OR REPLACE INTO tokens (hash, user_id) VALUES (?, ?)", hash, userId);
  }

  unbind(hash: string): void {
    this.ctx.storage.sql.exec("DELETE FROM tokens WHERE hash = ?", hash);
  }

  lookup(hash: string): string | null {
    return (
      this.ctx.storage.sql
        .exec<{ user_id: string }>("SELECT user_id FROM tokens WHERE hash = ?", hash)
        .toArray()[0]?.user_id ?? null
    );
  }
}
