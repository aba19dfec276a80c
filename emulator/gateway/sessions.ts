import { shardForGuild } from "../snowflake.ts";
import type { Connection } from "./connection.ts";
import type { GatewayCounters } from "./counters.ts";
import type { Session } from "./session.ts";

/**
 * Every live or resumable session, and the rules of a session's life: attached to one connection,
 * or detached (still numbering and buffering its dispatches) until a RESUME picks it up or the
 * resume window closes. Indexed by shard count, then shard id, so routing a guild event costs one
 * shard computation per distinct shard count in use.
 */
export class Sessions {
  readonly #byId = new Map<string, Session>();
  readonly #byShardCount = new Map<number, Map<number, Set<Session>>>();
  readonly #resumeWindowMs: number;
  readonly #counters: GatewayCounters;

  constructor(resumeWindowMs: number, counters: GatewayCounters) {
    this.#resumeWindowMs = resumeWindowMs;
    this.#counters = counters;
  }

  get(id: string): Session | undefined {
    return this.#byId.get(id);
  }

  all(): Session[] {
    return [...this.#byId.values()];
  }

  /** Sessions whose shard receives events of this guild (one set per shard count in use). */
  *forGuild(guildId: string): Generator<Set<Session>> {
    for (const [shardCount, byShard] of this.#byShardCount) {
      const sessions = byShard.get(shardCount === 1 ? 0 : shardForGuild(guildId, shardCount));
      if (sessions) yield sessions;
    }
  }

  /** Sessions with this shard id, whatever their shard count (the control API addresses shards by id). */
  withShardId(shardId: number): Session[] {
    return this.all().filter((session) => session.shardId === shardId);
  }

  /** Registers a new session on its first connection. */
  start(session: Session, connection: Connection): void {
    this.#byId.set(session.id, session);
    const byShard = this.#byShardCount.get(session.shardCount) ?? new Map<number, Set<Session>>();
    this.#byShardCount.set(session.shardCount, byShard);
    const sessions = byShard.get(session.shardId) ?? new Set<Session>();
    byShard.set(session.shardId, sessions);
    sessions.add(session);
    this.attach(session, connection);
  }

  /** Numbers, buffers and (if connected) sends one dispatch; `dJson` is the serialised `d`. */
  dispatch(session: Session, t: string, dJson: string): void {
    session.dispatch(t, dJson);
    this.#counters.dispatches += 1;
  }

  connectionOf(session: Session): Connection | null {
    return session.sink as Connection | null;
  }

  attach(session: Session, connection: Connection): void {
    this.#stopExpiry(session);
    session.sink = connection;
    connection.session = session;
  }

  /** Unhooks the connection; the session keeps buffering for RESUME until the resume window closes. */
  detach(session: Session): void {
    this.#unhook(session);
    session.expiry = setTimeout(() => {
      this.#counters.sessions_expired += 1;
      this.end(session);
    }, this.#resumeWindowMs).unref();
  }

  /** Forgets the session; an attached connection stays open, unauthenticated. */
  end(session: Session): void {
    this.#stopExpiry(session);
    this.#unhook(session);
    if (!this.#byId.delete(session.id)) return;
    const byShard = this.#byShardCount.get(session.shardCount)!;
    const sessions = byShard.get(session.shardId)!;
    sessions.delete(session);
    if (sessions.size === 0) byShard.delete(session.shardId);
    if (byShard.size === 0) this.#byShardCount.delete(session.shardCount);
  }

  #unhook(session: Session): void {
    const connection = this.connectionOf(session);
    if (connection) connection.session = null;
    session.sink = null;
  }

  #stopExpiry(session: Session): void {
    if (session.expiry) clearTimeout(session.expiry);
    session.expiry = null;
  }
}
