import type { SessionInfo } from "@discordjs/ws";
import type { GatewaySession } from "../schemas/gateway-sessions.ts";
import type { SequenceTracker } from "./sequence-tracker.ts";

/**
 * @discordjs/ws's session hooks, served from memory. The library awaits retrieveSessionInfo and
 * updateSessionInfo on every dispatch (and every heartbeat), so they must never wait on a disk or
 * the network; the checkpointer persists `checkpoints()` on its own schedule instead.
 *
 * The library's view is the last sequence received, which is what it needs to resume within this
 * process. A checkpoint instead carries the last sequence the Worker acknowledged (from the
 * sequence tracker), so that a process that dies with deltas still buffered resumes early enough
 * for Discord to replay them.
 */
export class SessionCache {
  readonly #sessions = new Map<number, SessionInfo>();
  readonly #tracker: SequenceTracker;

  constructor(tracker: SequenceTracker) {
    this.#tracker = tracker;
  }

  /** Seeds sessions loaded from the store; the library resumes those whose shard count matches. */
  seed(sessions: GatewaySession[]): void {
    for (const session of sessions) {
      this.#sessions.set(session.shard_id, {
        shardId: session.shard_id,
        shardCount: session.shard_count,
        sessionId: session.session_id,
        sequence: session.sequence,
        resumeURL: session.resume_url,
      });
      this.#tracker.startSession(session.shard_id, session.sequence);
    }
  }

  readonly retrieve = (shardId: number): SessionInfo | null => this.#sessions.get(shardId) ?? null;

  readonly update = (shardId: number, info: SessionInfo | null): void => {
    const previous = this.#sessions.get(shardId);
    if (info === null) {
      this.#sessions.delete(shardId);
      this.#tracker.endSession(shardId);
      return;
    }
    // READY: a new session, numbered from 1. The READY dispatch itself is handled just after.
    if (previous?.sessionId !== info.sessionId) this.#tracker.startSession(shardId, 0);
    this.#sessions.set(shardId, info);
  };

  /** What to persist: each shard's session at its acknowledged sequence. */
  checkpoints(): GatewaySession[] {
    const checkpoints: GatewaySession[] = [];
    for (const info of this.#sessions.values()) {
      // A session READY gave no resume URL for cannot be resumed from elsewhere; it is not worth saving.
      if (!info.resumeURL) continue;
      checkpoints.push({
        shard_id: info.shardId,
        shard_count: info.shardCount,
        session_id: info.sessionId,
        sequence: Math.min(this.#tracker.acknowledged(info.shardId) ?? 0, info.sequence),
        resume_url: info.resumeURL,
      });
    }
    return checkpoints.sort((a, b) => a.shard_id - b.shard_id);
  }
}
