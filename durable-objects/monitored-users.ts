import { DurableObject } from "cloudflare:workers";
import type { Env } from "../settings/env.ts";

/**
 * The directory of monitored users: who is in a monitored guild right now. Each UserPresence
 * object tells it when its user joins or leaves, so "how many" and "who" never need a scan of
 * every user object. One instance ("all"); a change of membership is rare next to presence traffic.
 *
 * Each report carries the user's state version. A user object awaits this call after saving its
 * state, and another delta can be applied during that await, so two reports for one user may
 * arrive out of order; the version makes the later state win regardless.
 *
 * The same class, as a second instance (allHubsList), lists the socket hubs with a socket
 * subscribed to All: such a hub hears every user's changes, so ingest asks for this list once per
 * batch instead of every user object keeping it. It is an instance of its own so that strangers'
 * look-ups at the gate (below) can never delay that read, which every batch's sockets wait on.
 *
 * It is the gate in front of the user objects: a read or a subscription asks it which of the ids
 * it names are monitored before any user object is addressed, because addressing an object, even
 * to read nothing, creates its storage. So a stranger's made-up ids cost one indexed look-up here
 * and create nothing anywhere.
 *
 * And it keeps which monitored guilds each member is in, so a runner that restarts without its
 * registry can reconcile a guild's complete member list against what the Worker still holds.
 */
export class MonitoredUsers extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(
      "CREATE TABLE IF NOT EXISTS membership (user_id TEXT PRIMARY KEY, monitored INTEGER NOT NULL, version INTEGER NOT NULL)",
    );
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS all_hubs (hub TEXT PRIMARY KEY)");
    // Rows only for monitored users: a leave deletes the user's rows.
    ctx.storage.sql.exec(
      "CREATE TABLE IF NOT EXISTS member_guilds (guild_id TEXT NOT NULL, user_id TEXT NOT NULL, PRIMARY KEY (guild_id, user_id)) WITHOUT ROWID",
    );
    ctx.storage.sql.exec("CREATE INDEX IF NOT EXISTS member_guilds_by_user ON member_guilds (user_id)");
    // Monitored users whose guilds nobody has said (recorded before guilds were, or by a runner that
    // does not send them): every guild's reconcile may claim them, or a member of that time who left
    // while the runner was down could never be found. Filled once from older data, then kept.
    if (ctx.storage.sql.exec("SELECT 1 FROM sqlite_master WHERE name = 'unplaced'").toArray().length === 0) {
      ctx.storage.sql.exec("CREATE TABLE unplaced (user_id TEXT PRIMARY KEY) WITHOUT ROWID");
      ctx.storage.sql.exec(
        `INSERT INTO unplaced SELECT user_id FROM membership WHERE monitored = 1
         AND user_id NOT IN (SELECT user_id FROM member_guilds)`,
      );
    }
  }

  /** The ids among these that are monitored now. One bound parameter: SQLite here allows 100. */
  monitoredAmong(userIds: string[]): string[] {
    return this.#among(
      "SELECT user_id FROM membership WHERE monitored = 1 AND user_id IN (SELECT value FROM json_each(?))",
      userIds,
    );
  }

  #among(query: string, userIds: string[]): string[] {
    if (userIds.length === 0) return [];
    return this.ctx.storage.sql
      .exec<{ user_id: string }>(query, JSON.stringify(userIds))
      .toArray()
      .map((row) => row.user_id);
  }

  /** The ids among these that ingest ever reported, monitored now or not: whose objects exist. */
  knownAmong(userIds: string[]): string[] {
    return this.#among(
      "SELECT user_id FROM membership WHERE user_id IN (SELECT value FROM json_each(?))",
      userIds,
    );
  }

  /**
   * A page of the users held as monitored members of a guild, and of those whose guilds are unknown,
   * in text order of ids (SQLite's, which the runner's cursor check shares).
   */
  guildMembers(
    guildId: string,
    after: string | undefined,
    limit: number,
  ): { user_ids: string[]; next: string | null } {
    const rows = this.ctx.storage.sql
      .exec<{ user_id: string }>(
        `SELECT user_id FROM member_guilds WHERE guild_id = ?1 AND user_id > ?2
         UNION SELECT user_id FROM unplaced WHERE user_id > ?2
         ORDER BY user_id LIMIT ?3`,
        guildId,
        after ?? "",
        limit + 1,
      )
      .toArray()
      .map((row) => row.user_id);
    const page = rows.slice(0, limit);
    return { user_ids: page, next: rows.length > limit ? (page.at(-1) ?? null) : null };
  }

  /** A hub's socket subscribed to All (allHubsList's instance). */
  followAll(hub: string): void {
    this.ctx.storage.sql.exec("INSERT OR IGNORE INTO all_hubs (hub) VALUES (?)", hub);
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

  /**
   * Records a user's membership at a version; an older report than the one recorded changes
   * nothing. `guildIds` undefined: the runner did not say, so the guilds recorded stay as they are
   * (all of them go on a leave).
   */
  setMonitored(userId: string, monitored: boolean, version: number, guildIds?: string[]): void {
    const sql = this.ctx.storage.sql;
    this.ctx.storage.transactionSync(() => {
      const written = sql.exec(
        `INSERT INTO membership (user_id, monitored, version) VALUES (?, ?, ?)
         ON CONFLICT (user_id) DO UPDATE SET monitored = excluded.monitored, version = excluded.version
         WHERE excluded.version > membership.version`,
        userId,
        monitored ? 1 : 0,
        version,
      ).rowsWritten;
      if (written === 0) return;
      if (monitored && guildIds === undefined) {
        const placed = sql.exec("SELECT 1 FROM member_guilds WHERE user_id = ? LIMIT 1", userId).toArray();
        if (placed.length === 0) sql.exec("INSERT OR IGNORE INTO unplaced (user_id) VALUES (?)", userId);
        return;
      }
      sql.exec("DELETE FROM member_guilds WHERE user_id = ?", userId);
      sql.exec("DELETE FROM unplaced WHERE user_id = ?", userId);
      if (!monitored) return;
      for (const guildId of new Set(guildIds)) {
        sql.exec("INSERT INTO member_guilds (guild_id, user_id) VALUES (?, ?)", guildId, userId);
      }
    });
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

  /** list()'s first id, or null: one row read however many are monitored (the landing page's default). */
  first(): string | null {
    return (
      this.ctx.storage.sql
        .exec<{ user_id: string }>(
          "SELECT user_id FROM membership WHERE monitored = 1 ORDER BY user_id LIMIT 1",
        )
        .toArray()[0]?.user_id ?? null
    );
  }
}

/** The directory of who is monitored, which guilds they are in, and the gate in front of their objects. */
export const directoryOf = (env: Env) => env.MONITORED_USERS.getByName("all");

/** The hubs following All: the same class, its own instance (see the class's comment). */
export const allHubsList = (env: Env) => env.MONITORED_USERS.getByName("all-hubs");

/**
 * The gate in front of the user objects. Addressing a Durable Object, even to read nothing,
 * creates its storage, so every path a stranger can reach (reads, storage reads, socket
 * subscriptions, the bot for someone who is not a member) asks the directory first and addresses
 * only the objects it names: one indexed look-up per request, whatever the number of ids.
 *
 * The answer may include users who have left since: an id this isolate once heard of is not asked
 * again (see `existing`), and the user's object, which exists, answers for itself whether they are
 * still monitored. So a cache miss of a member costs the directory nothing after the first.
 */
export const monitoredAmong = (env: Env, userIds: string[]) => ask(env, "monitoredAmong", userIds);

/** The ids whose objects exist: monitored now, or members once (who keep their data). */
export const knownAmong = (env: Env, userIds: string[]) => ask(env, "knownAmong", userIds);

export const isMonitored = async (env: Env, userId: string) =>
  (await monitoredAmong(env, [userId])).has(userId);

export const isKnown = async (env: Env, userId: string) => (await knownAmong(env, [userId])).has(userId);

/**
 * Ids this isolate has heard the directory name, whose objects therefore exist (an object is never
 * deleted): safe to address without asking again. Only positive answers are kept, so a member who
 * joins is found at once; bounded, the oldest forgotten first. Without it every cache miss of every
 * user queued on the one directory object, which a change purges for all its readers.
 */
const existing = new Map<string, true>();
const MAX_EXISTING = 50_000;

async function ask(
  env: Env,
  question: "monitoredAmong" | "knownAmong",
  userIds: string[],
): Promise<Set<string>> {
  const answer = new Set(userIds.filter((id) => existing.has(id)));
  const unknown = userIds.filter((id) => !answer.has(id));
  if (unknown.length === 0) return answer;
  // Typed through unknown: the RPC stub's mapped type is too deep for tsc here.
  const named: unknown = await directoryOf(env)[question](unknown);
  for (const id of named as string[]) {
    answer.add(id);
    existing.set(id, true);
  }
  while (existing.size > MAX_EXISTING) existing.delete(existing.keys().next().value!);
  return answer;
}
