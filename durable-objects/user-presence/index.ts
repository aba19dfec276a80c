import { DurableObject } from "cloudflare:workers";
import type { UserDelta } from "../../schemas/ingest.ts";
import type { LanternUser } from "../../schemas/lantern.ts";
import type { LanyardPresence } from "../../schemas/lanyard.ts";
import type { KeyValues, UserState } from "../../schemas/user-state.ts";
import type { Env } from "../../workers/env.ts";
import { shapingOptions } from "../../workers/env.ts";
import { lanternUser } from "../payloads/lantern.ts";
import { lanyardPresence } from "../payloads/lanyard.ts";
import { JsonDocument } from "../sql.ts";
import { applyDelta, emptyState } from "./state.ts";

/** What a read returns: both dialects' payloads, built once per change, and their version. */
export interface PresenceSnapshot {
  version: number;
  lantern: LanternUser;
  lanyard: LanyardPresence;
}

/** What socket hubs hear when a user changes: the kind of change and the payloads after it. */
export interface PresenceChange {
  user_id: string;
  kind: "presence" | "joined" | "left";
  /** The state version after the change: a hub drops a change older than what it already sent. */
  version: number;
  /** The payloads after the change; null once the user has left. */
  snapshot: PresenceSnapshot | null;
}

export interface ApplyResult {
  applied: number;
  stale: number;
  /** The public payload changed, so cached reads of it are out of date. */
  changed: boolean;
  /** The change to announce, when there is one, and the hubs with sockets subscribed to this user. */
  change: PresenceChange | null;
  watchers: string[];
}

/**
 * One object per Discord user, named by their id. It folds ingest deltas into the user's state
 * (durable in SQLite, so an evicted object comes back whole) and serves their public payloads.
 */
export class UserPresence extends DurableObject<Env> {
  #document: JsonDocument<UserState>;
  #state: UserState | null;
  #snapshot: PresenceSnapshot | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#document = new JsonDocument(ctx.storage.sql, "user_state");
    this.#state = this.#document.read();
    // Socket hubs with at least one socket subscribed to this user, by name.
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS watchers (hub TEXT PRIMARY KEY)");
  }

  /** A hub's sockets want this user's changes; returns the payloads as they are now (null: not monitored). */
  watch(hub: string): PresenceSnapshot | null {
    this.ctx.storage.sql.exec("INSERT OR IGNORE INTO watchers (hub) VALUES (?)", hub);
    return this.read();
  }

  /** The hub's last socket for this user is gone. */
  unwatch(hub: string): void {
    this.ctx.storage.sql.exec("DELETE FROM watchers WHERE hub = ?", hub);
  }

  #watchers(): string[] {
    return this.ctx.storage.sql
      .exec<{ hub: string }>("SELECT hub FROM watchers")
      .toArray()
      .map((row) => row.hub);
  }

  /** Applies deltas in order; stale ones (not newer than the state) are counted and skipped. */
  async apply(deltas: UserDelta[]): Promise<ApplyResult> {
    const result: ApplyResult = { applied: 0, stale: 0, changed: false, change: null, watchers: [] };
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
    if (result.applied === 0) return result;
    // Written before anything is answered: output gates hold the reply until the write is durable.
    this.#document.write(state);
    const wasMonitored = this.#state?.monitored ?? false;
    this.#state = state;
    if (result.changed) this.#snapshot = null;
    const joinedOrLeft = monitoredChanged && wasMonitored !== state.monitored;
    if (result.changed && (state.monitored || joinedOrLeft)) {
      result.change = {
        user_id: state.user_id,
        version: state.version,
        kind: joinedOrLeft ? (state.monitored ? "joined" : "left") : "presence",
        snapshot: this.read(),
      };
      result.watchers = this.#watchers();
    }
    if (joinedOrLeft) {
      await this.env.MONITORED_USERS.getByName("all").setMonitored(
        state.user_id,
        state.monitored,
        state.version,
      );
    }
    return result;
  }

  /** The user's payloads, or null when they are not (or no longer) in a monitored guild. */
  read(): PresenceSnapshot | null {
    const state = this.#state;
    if (!state?.monitored || !state.profile) return null;
    this.#snapshot ??= this.#build(state);
    return this.#snapshot;
  }

  #build(state: UserState): PresenceSnapshot {
    const kv: KeyValues = {};
    const options = shapingOptions(this.env);
    return {
      version: state.version,
      lantern: lanternUser(state, kv, options, Date.now()),
      lanyard: lanyardPresence(state, kv, options),
    };
  }
}
