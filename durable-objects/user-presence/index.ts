import { DurableObject } from "cloudflare:workers";
import type { APIUser } from "discord-api-types/v10";
import type { UserDelta } from "../../schemas/ingest.ts";
import type { LanternUser } from "../../schemas/lantern.ts";
import type { LanyardPresence } from "../../schemas/lanyard.ts";
import type { KeyValues, UserState } from "../../schemas/user-state.ts";
import type { Env } from "../../settings/env.ts";
import { shapingOptions } from "../../settings/env.ts";
import { directoryOf } from "../monitored-users.ts";
import { discordUser } from "../payloads/discord-user.ts";
import { lanternUser } from "../payloads/lantern.ts";
import { lanyardPresence } from "../payloads/lanyard.ts";
import { JsonDocument } from "../sql.ts";
import { applyKv, type KvOperation } from "./kv.ts";
import { applyDelta, emptyState } from "./state.ts";
import { hashesEqual } from "./tokens.ts";
import { type Bucket, takeWrite } from "./write-limit.ts";

/** The membership the directory last acknowledged for this user. */
interface DirectoryReport {
  monitored: boolean;
  guild_ids: string[] | null;
}

/** What a read returns: both dialects' payloads, built once per change, and their revision. */
export interface PresenceSnapshot {
  /** The payloads' revision: grows with every visible change, presence or key-value (ETags, hubs). */
  version: number;
  lantern: LanternUser;
  lanyard: LanyardPresence;
}

/** What socket hubs hear when a user changes: the kind of change and the payloads after it. */
export interface PresenceChange {
  user_id: string;
  kind: "presence" | "joined" | "left" | "storage";
  /** The payloads' revision after the change: a hub drops a change older than what it already sent. */
  version: number;
  /**
   * The payloads after the change; null once the user has left. Absent when no hub watches the
   * user: then only hubs following All may hear of it, and they read the user themselves, so an
   * unwatched user's payloads (up to ~31 MB at the storage limit) never cross to ingest and back.
   */
  snapshot?: PresenceSnapshot | null;
}

export interface ApplyResult {
  applied: number;
  stale: number;
  /** The public payload changed, so cached reads of it are out of date. */
  changed: boolean;
  /**
   * The edge cache may hold the payload as it was before this change: it changed, and it was
   * served for caching (serve()) since the last change, or the user joined or left (a 404 is cached
   * without asking the object). Otherwise there is nothing to purge, and ingest skips the Cache
   * API's deletes.
   */
  purge: boolean;
  /** The change to announce, when there is one, and the hubs with sockets subscribed to this user. */
  change: PresenceChange | null;
  watchers: string[];
}

/** Who is writing: a holder of the user's token (its SHA-256), or the user themself through the bot. */
export type KvAuthority = { token_hash: string } | { owner: true };

export type KvWriteResult =
  | { ok: true; changed: boolean; change: PresenceChange | null; watchers: string[] }
  | {
      ok: false;
      status: 400 | 401 | 404 | 413 | 429;
      code: string;
      message: string;
      retry_after?: number;
    };

/**
 * One object per Discord user, named by their id. It folds ingest deltas into the user's state
 * (durable in SQLite, so an evicted object comes back whole) and serves their public payloads.
 */
export class UserPresence extends DurableObject<Env> {
  #document: JsonDocument<UserState>;
  #state: UserState | null;
  #revisions: JsonDocument<{ revision: number }>;
  /** The membership the directory last acknowledged (see #reportToDirectory). */
  #reported: JsonDocument<DirectoryReport>;
  #heard: DirectoryReport;
  #revision: number;
  #kv: KeyValues;
  #writes: Bucket | null = null;
  #snapshot: PresenceSnapshot | null = null;
  /** Socket hubs with at least one socket subscribed to this user (the watchers table, in memory). */
  #watching: Set<string>;
  /**
   * Stored when nothing has been served for caching since the last visible change, and cleared
   * by serve(). Marking the unserved state rather than the served one keeps an object stored
   * before the mark existed on the safe side: without the row, it purges.
   */
  #unservedMark: JsonDocument<{ version: number }>;
  /** Whether serve() has answered since the last visible change (in memory, the mark's opposite). */
  #served: boolean;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const sql = ctx.storage.sql;
    this.#document = new JsonDocument(sql, "user_state");
    this.#state = this.#document.read();
    this.#revisions = new JsonDocument(sql, "revision");
    this.#reported = new JsonDocument(sql, "directory_report");
    // Kept across eviction: workerd evicts an idle object after 10 s, and assuming each rebuilt
    // object had served its payload cost two Cache API deletes on one change in eight at 200/s.
    this.#unservedMark = new JsonDocument(sql, "unserved");
    this.#served = this.#unservedMark.read() === null;
    // Kept in memory too: every apply compares against it, and only a membership change writes it.
    this.#heard = this.#reported.read() ?? { monitored: false, guild_ids: null };
    // The revision is stored only when it is ahead of the state's version (see #bumpRevision).
    this.#revision = Math.max(this.#revisions.read()?.revision ?? 0, this.#state?.version ?? 0);
    // Socket hubs with at least one socket subscribed to this user, by name.
    sql.exec("CREATE TABLE IF NOT EXISTS watchers (hub TEXT PRIMARY KEY)");
    this.#watching = new Set(
      sql
        .exec<{ hub: string }>("SELECT hub FROM watchers")
        .toArray()
        .map((row) => row.hub),
    );
    // One row a pair, so a value of 30,000 characters is rewritten only when it changes.
    sql.exec("CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
    // The SHA-256 of the user's write token; the token itself is never stored.
    sql.exec(
      "CREATE TABLE IF NOT EXISTS write_token (id INTEGER PRIMARY KEY CHECK (id = 1), hash TEXT NOT NULL)",
    );
    this.#kv = {};
    for (const { key, value } of sql.exec<{ key: string; value: string }>(
      "SELECT key, value FROM kv ORDER BY key",
    )) {
      // defineProperty: a key named __proto__ is a pair like any other.
      Object.defineProperty(this.#kv, key, { value, enumerable: true, writable: true, configurable: true });
    }
  }

  /** A hub's sockets want this user's changes; returns the payloads as they are now (null: not monitored). */
  watch(hub: string): PresenceSnapshot | null {
    if (!this.#watching.has(hub)) {
      this.ctx.storage.sql.exec("INSERT OR IGNORE INTO watchers (hub) VALUES (?)", hub);
      this.#watching.add(hub);
    }
    return this.read();
  }

  /** The hub's last socket for this user is gone. */
  unwatch(hub: string): void {
    if (!this.#watching.delete(hub)) return;
    this.ctx.storage.sql.exec("DELETE FROM watchers WHERE hub = ?", hub);
  }

  #watchers(): string[] {
    return [...this.#watching];
  }

  /** Applies deltas in order; stale ones (not newer than the state) are counted and skipped. */
  async apply(deltas: UserDelta[]): Promise<ApplyResult> {
    const result: ApplyResult = {
      applied: 0,
      stale: 0,
      changed: false,
      purge: false,
      change: null,
      watchers: [],
    };
    if (deltas.length === 0) return result;
    let state = this.#state ?? emptyState(deltas[0]!.user_id);
    let monitoredChanged = false;
    for (const delta of deltas) {
      const outcome = applyDelta(state, delta, Date.now());
      if (outcome.kind === "stale") {
        result.stale++;
        continue;
      }
      result.applied++;
      state = outcome.state;
      result.changed ||= outcome.visibleChanged;
      monitoredChanged ||= outcome.monitoredChanged;
    }
    if (result.applied === 0) {
      await this.#reportToDirectory();
      return result;
    }
    // Written before anything is answered: output gates hold the reply until the write is durable.
    this.#document.write(state);
    const wasMonitored = this.#state?.monitored ?? false;
    this.#state = state;
    const joinedOrLeft = monitoredChanged && wasMonitored !== state.monitored;
    if (result.changed) {
      this.#bumpRevision(state.version);
      // A reader caches a 404 for a user who is not monitored without asking this object (the
      // directory answers), so a join purges whatever was served.
      result.purge = this.#served || joinedOrLeft;
      // Joins the state's write in one commit.
      if (this.#served) this.#unservedMark.write({ version: this.#revision });
      this.#served = false;
    }
    if (result.changed && (state.monitored || joinedOrLeft)) {
      result.watchers = this.#watchers();
      result.change = this.#change(
        joinedOrLeft ? (state.monitored ? "joined" : "left") : "presence",
        result.watchers,
      );
    }
    await this.#reportToDirectory();
    return result;
  }

  /**
   * Tells the directory the user's membership when it has not heard the current one. The state is
   * saved before this call, so a failed call (the batch answers 503 and is retried) must not be the
   * last chance: the runner's retry may carry nothing new, and a member the directory never heard of
   * would stay invisible behind its gate. What the directory last acknowledged is kept, so any later
   * apply, even of stale deltas, reports again until it is heard.
   */
  async #reportToDirectory(): Promise<void> {
    const state = this.#state;
    if (!state) return;
    const report = { monitored: state.monitored, guild_ids: state.guild_ids ?? null };
    const heard = this.#heard;
    if (heard.monitored === report.monitored && String(heard.guild_ids) === String(report.guild_ids)) return;
    await directoryOf(this.env).setMonitored(state.user_id, state.monitored, state.version, state.guild_ids);
    this.#reported.write(report);
    this.#heard = report;
  }

  /** The user's pairs, or null when they are not monitored (their pairs are kept, not shown). */
  readKv(): KeyValues | null {
    // Not copied: RPC copies it, and a write replaces #kv rather than changing it.
    return this.#state?.monitored ? this.#kv : null;
  }

  /**
   * One key-value write, all or nothing: authorised, rate-limited, checked against every limit,
   * then stored in one transaction. Returns the change for the socket hubs when there is one.
   */
  writeKv(authority: KvAuthority, op: KvOperation): KvWriteResult {
    if (!this.#state?.monitored) {
      return { ok: false, status: 404, code: "user_not_monitored", message: "User is not being monitored." };
    }
    if ("token_hash" in authority && !this.#tokenMatches(authority.token_hash)) {
      return { ok: false, status: 401, code: "invalid_token", message: "The token is not this user's." };
    }
    const decision = takeWrite(this.#writes, Date.now());
    this.#writes = decision.bucket;
    if (!decision.allowed) {
      return {
        ok: false,
        status: 429,
        code: "rate_limited",
        message: "Too many writes; try again shortly.",
        retry_after: decision.retryAfterSeconds,
      };
    }
    const outcome = applyKv(this.#kv, op);
    if (!outcome.ok) return { ok: false, ...outcome.error };
    if (!outcome.changed) return { ok: true, changed: false, change: null, watchers: [] };
    this.#storeKv(outcome.pairs);
    this.#bumpRevision(0);
    const watchers = this.#watchers();
    return { ok: true, changed: true, change: this.#change("storage", watchers), watchers };
  }

  /** The change to announce; its payloads only when some hub watches this user (see PresenceChange). */
  #change(kind: PresenceChange["kind"], watchers: string[]): PresenceChange {
    const change: PresenceChange = { user_id: this.#state!.user_id, kind, version: this.#revision };
    if (watchers.length > 0) change.snapshot = this.read();
    return change;
  }

  #storeKv(next: KeyValues): void {
    const sql = this.ctx.storage.sql;
    this.ctx.storage.transactionSync(() => {
      for (const key of Object.keys(this.#kv)) {
        if (!Object.hasOwn(next, key)) sql.exec("DELETE FROM kv WHERE key = ?", key);
      }
      for (const [key, value] of Object.entries(next)) {
        if (this.#kv[key] !== value || !Object.hasOwn(this.#kv, key)) {
          sql.exec(
            "INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            key,
            value,
          );
        }
      }
    });
    this.#kv = next;
  }

  /** Stores a new token's hash, replacing (so revoking) the previous one; returns the previous hash. */
  setTokenHash(
    hash: string,
  ): { ok: true; previous: string | null } | { ok: false; code: "user_not_monitored" } {
    if (!this.#state?.monitored) return { ok: false, code: "user_not_monitored" };
    const previous = this.#tokenHash();
    this.ctx.storage.sql.exec(
      "INSERT INTO write_token (id, hash) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET hash = excluded.hash",
      hash,
    );
    return { ok: true, previous };
  }

  /** Revokes the token; returns its hash (null when there was none). */
  clearToken(): string | null {
    const previous = this.#tokenHash();
    this.ctx.storage.sql.exec("DELETE FROM write_token");
    return previous;
  }

  #tokenHash(): string | null {
    return (
      this.ctx.storage.sql.exec<{ hash: string }>("SELECT hash FROM write_token").toArray()[0]?.hash ?? null
    );
  }

  #tokenMatches(hash: string): boolean {
    const stored = this.#tokenHash();
    return stored !== null && hashesEqual(stored, hash);
  }

  /**
   * Every visible change gets a higher revision; presence changes jump to their (larger) version.
   * A revision equal to the state's version is not written (the constructor takes the larger of
   * the two), which spares a presence change its second SQL write; a key-value write, which moves
   * the revision past the version, is.
   */
  #bumpRevision(version: number): void {
    this.#revision = Math.max(this.#revision + 1, version);
    if (this.#revision !== this.#state?.version) this.#revisions.write({ revision: this.#revision });
    this.#snapshot = null;
  }

  /**
   * read() for a reader that stores the answer in the edge cache: noted, so that the next change
   * tells ingest to purge it.
   */
  serve(): PresenceSnapshot | null {
    // At most one write a change, and only on an object with storage already (readers reach it
    // through the directory), so a read cannot create storage.
    if (!this.#served) this.#unservedMark.clear();
    this.#served = true;
    return this.read();
  }

  /** The user's payloads, or null when they are not (or no longer) in a monitored guild. */
  read(): PresenceSnapshot | null {
    const state = this.#state;
    if (!state?.monitored || !state.profile) return null;
    this.#snapshot ??= this.#build(state);
    return this.#snapshot;
  }

  /** The user as Discord's REST API shapes them, for the proxy; null unless monitored with a profile. */
  discordUser(): APIUser | null {
    const state = this.#state;
    return state?.monitored && state.profile ? discordUser(state.profile) : null;
  }

  #build(state: UserState): PresenceSnapshot {
    const options = shapingOptions(this.env);
    return {
      version: this.#revision,
      lantern: lanternUser(state, this.#kv, options, Date.now()),
      lanyard: lanyardPresence(state, this.#kv, options),
    };
  }
}
