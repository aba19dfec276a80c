import { type BackoffPolicy, backoffDelay } from "./backoff.ts";
import type { UserUpdate } from "./coalescer.ts";
import { describeError, type Logger } from "./log.ts";
import type { RunnerMetrics } from "./metrics.ts";

/**
 * After a complete member list of a guild, asks the Worker which members it holds there and hands
 * the leaves of those the list lacked to the forward buffer. This is what a member who left while
 * the runner was down (and could not RESUME, so Discord never replayed the GUILD_MEMBER_REMOVE)
 * needs: the new process's registry never had them. Off the dispatch path; a Worker that cannot
 * answer is asked again with backoff, never failing the runner.
 *
 * A complete list waits until no monitored guild is loading (`ready`), since until then the
 * registry cannot say which guilds a user it lacks is still in; then every guild waiting is
 * reconciled. A guild that starts loading again while the Worker is asked (GUILD_CREATE after the
 * bot was re-added) puts the reconciliation back to wait.
 */
interface Attempt {
  attempt: number;
  timer: NodeJS.Timeout | null;
}

/** A guild whose reconciliation keeps failing: what /health warns about. */
export interface FailingReconciliation {
  guildId: string;
  /** Failed attempts in a row. */
  attempts: number;
  /** When the first of them failed (ms since the epoch). */
  since: number;
  error: string;
}

export interface ReconcileState {
  failing: FailingReconciliation[];
}

export class Reconciler {
  readonly #fetchMembers: (guildId: string) => Promise<string[]>;
  readonly #reconcile: (guildId: string, workerMemberIds: string[]) => UserUpdate[] | null;
  readonly #ready: () => boolean;
  readonly #deliver: (updates: UserUpdate[]) => void;
  readonly #backoff: BackoffPolicy;
  readonly #metrics: RunnerMetrics;
  readonly #log: Logger;
  /** Guilds whose complete list waits for every monitored guild's list. */
  readonly #waiting = new Set<string>();
  /** Per guild, the attempt that counts: a newer complete list replaces an older one's attempt. */
  readonly #current = new Map<string, Attempt>();
  /** Until the guild's next success, however many complete lists have replaced the attempt. */
  readonly #failing = new Map<string, FailingReconciliation>();
  #stopped = false;

  constructor(deps: {
    fetchMembers: (guildId: string) => Promise<string[]>;
    /** Null while the registry cannot decide yet (see PresenceRouter.reconcile). */
    reconcile: (guildId: string, workerMemberIds: string[]) => UserUpdate[] | null;
    /** Whether every monitored guild's member list is complete. */
    ready: () => boolean;
    deliver: (updates: UserUpdate[]) => void;
    backoff: BackoffPolicy;
    metrics: RunnerMetrics;
    log: Logger;
  }) {
    this.#fetchMembers = deps.fetchMembers;
    this.#reconcile = deps.reconcile;
    this.#ready = deps.ready;
    this.#deliver = deps.deliver;
    this.#backoff = deps.backoff;
    this.#metrics = deps.metrics;
    this.#log = deps.log;
  }

  /** A complete member list of the guild has been handled: reconcile it against the Worker, once ready. */
  request(guildId: string): void {
    if (this.#stopped) return;
    const previous = this.#current.get(guildId);
    if (previous?.timer) clearTimeout(previous.timer);
    this.#current.delete(guildId);
    this.#waiting.add(guildId);
    this.wake();
  }

  /** Something may have made `ready` true: start every guild waiting, if it is. */
  wake(): void {
    if (this.#stopped || this.#waiting.size === 0 || !this.#ready()) return;
    for (const guildId of this.#waiting) {
      const run: Attempt = { attempt: 0, timer: null };
      this.#current.set(guildId, run);
      void this.#run(guildId, run);
    }
    this.#waiting.clear();
  }

  get state(): ReconcileState {
    return { failing: [...this.#failing.values()].map((failure) => ({ ...failure })) };
  }

  /** Nothing more is delivered; attempts in flight are abandoned (the next process reconciles). */
  stop(): void {
    this.#stopped = true;
    for (const run of this.#current.values()) if (run.timer) clearTimeout(run.timer);
    this.#current.clear();
    this.#waiting.clear();
  }

  async #run(guildId: string, run: Attempt): Promise<void> {
    run.attempt += 1;
    let workerMemberIds: string[];
    try {
      workerMemberIds = await this.#fetchMembers(guildId);
    } catch (error) {
      if (this.#current.get(guildId) !== run) return;
      const delay = backoffDelay(run.attempt, this.#backoff);
      const previous = this.#failing.get(guildId);
      this.#failing.set(guildId, {
        guildId,
        attempts: (previous?.attempts ?? 0) + 1,
        since: previous?.since ?? Date.now(),
        error: describeError(error),
      });
      this.#metrics.reconciliationsFailing.set(this.#failing.size);
      this.#metrics.reconciliations.inc({ outcome: "failed" });
      this.#log.warn("the Worker's member record could not be read; retrying", {
        guild_id: guildId,
        error: describeError(error),
        attempt: run.attempt,
        retry_in_ms: delay,
      });
      run.timer = setTimeout(() => {
        run.timer = null;
        void this.#run(guildId, run);
      }, delay);
      return;
    }
    if (this.#current.get(guildId) !== run) return;
    this.#current.delete(guildId);
    this.#failing.delete(guildId);
    this.#metrics.reconciliationsFailing.set(this.#failing.size);
    // Compared now, not when the list completed: a member who joined since is in the registry.
    const leaves = this.#reconcile(guildId, workerMemberIds);
    if (leaves === null) {
      // A guild started loading meanwhile; its list's completion wakes this one again.
      this.#waiting.add(guildId);
      return;
    }
    this.#deliver(leaves);
    this.#metrics.reconciliations.inc({ outcome: "completed" });
    this.#metrics.reconciledLeaves.inc(leaves.length);
    this.#log.info("member list reconciled with the Worker", {
      guild_id: guildId,
      worker_members: workerMemberIds.length,
      left: leaves.length,
    });
  }
}
