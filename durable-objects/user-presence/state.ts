import type { UserDelta } from "../../schemas/ingest.ts";
import type { UserState } from "../../schemas/user-state.ts";

/**
 * Folding ingest deltas into a user's state: the one place that decides what a change means.
 * Pure, so ordering and staleness are tested without a runtime.
 */

const OFFLINE_PRESENCE: UserState["presence"] = { status: "offline", client_status: {}, activities: [] };

export function emptyState(userId: string): UserState {
  return {
    user_id: userId,
    version: 0,
    profile: null,
    monitored: false,
    monitoring_since: null,
    presence: OFFLINE_PRESENCE,
    last_seen_at: null,
  };
}

export type ApplyOutcome =
  | { kind: "stale" }
  | {
      kind: "applied";
      state: UserState;
      monitoredChanged: boolean;
      visibleChanged: boolean;
    };

/**
 * Applies a delta if it is newer than the state. `now` stamps last_seen_at when the user goes
 * offline: Discord says nothing about when, so the moment we learn it is the best we have.
 */
export function applyDelta(state: UserState, delta: UserDelta, now: number): ApplyOutcome {
  if (delta.version <= state.version) return { kind: "stale" };
  const next: UserState = { ...state, version: delta.version };

  if (delta.user) next.profile = delta.user;
  if (delta.membership !== undefined) {
    next.monitored = delta.membership !== null;
    // Data is kept when a user leaves (they may come back); monitoring_since restarts on rejoin.
    if (delta.membership) next.monitoring_since = delta.membership.joined_at;
    if (delta.membership === null) next.guild_ids = [];
    else if (delta.membership.guild_ids) next.guild_ids = [...delta.membership.guild_ids].sort();
  }
  // Once a user has left every monitored guild we no longer see their presence, and Discord sends
  // none for a member who rejoins offline: forget it on leave rather than show it forever.
  const presence = delta.membership === null ? OFFLINE_PRESENCE : delta.presence;
  if (presence) {
    const wasOnline = state.presence.status !== "offline";
    const isOnline = presence.status !== "offline";
    next.presence = presence;
    if (wasOnline && !isOnline) next.last_seen_at = now;
    // A user first seen offline has no known last-seen time; one who comes online is being seen now.
    if (isOnline) next.last_seen_at = null;
  }

  const monitoredChanged = next.monitored !== state.monitored;
  return {
    kind: "applied",
    state: next,
    monitoredChanged,
    // Only the version moved (a replayed delta with equal content): nobody needs to hear about it.
    visibleChanged: monitoredChanged || !sameVisibleState(state, next),
  };
}

function sameVisibleState(a: UserState, b: UserState): boolean {
  return (
    a.monitoring_since === b.monitoring_since &&
    a.last_seen_at === b.last_seen_at &&
    JSON.stringify(a.profile) === JSON.stringify(b.profile) &&
    JSON.stringify(a.presence) === JSON.stringify(b.presence)
  );
}
