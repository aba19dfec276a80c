import { randomUUID } from "node:crypto";
import { INGEST_LIMITS, type IngestBatchInput, type UserDeltaInput } from "../schemas/ingest.ts";
import { type BackoffPolicy, backoffDelay, retryAfterMs } from "./backoff.ts";
import { EmptyWaiters, FlushTimer } from "./batch-timing.ts";
import { Coalescer, type PendingDelta, type UserUpdate } from "./coalescer.ts";
import { describeError, type Logger } from "./log.ts";
import { type BatchFailure, CONFIGURATION_FAULTS, type RunnerMetrics } from "./metrics.ts";
import type { SequenceHold } from "./sequence-tracker.ts";
import { signedFetch } from "./signed-fetch.ts";
import { VersionClock } from "./version-clock.ts";

/**
 * Sends the buffered deltas to the Worker's /ingest, signed, in batches of at most
 * INGEST_LIMITS.maxDeltas, one batch in flight at a time (which is what keeps each user's deltas in
 * order). A batch leaves as soon as none is in flight: an event after a quiet spell goes at once (or
 * after `flushWindowMs`, when set, to wait for company), and events that arrive while a batch is in
 * flight gather in the buffer and leave together the moment it is answered. So batches grow with
 * the load and nothing waits on a timer when the Worker is idle.
 *
 * What the Worker answers decides what happens to a batch (classifyIngestStatus):
 * - 2xx: delivered; the gateway sequences it held are released for the checkpoint.
 * - no answer, 5xx, 408, 429: the Worker is away or busy. The deltas go back into the buffer, under
 *   anything newer for the same users, and the batch is retried with exponential backoff and
 *   jitter (429's Retry-After honoured).
 * - 401, 403, and any status a Worker's ingest route never gives (3xx, 404, 405...): the runner's
 *   configuration is wrong (INGEST_SECRET, INGEST_URL). Fixing it, on either side, must lose
 *   nothing, so the deltas are kept exactly as for an outage, their sequences held, and the batch
 *   retried every RETRY_CAP_MS or so; /health is 503 until a batch is accepted.
 * - 400, 413: the Worker says the batch itself is malformed, which no retry changes. It is logged,
 *   counted and dropped (its sequences released), so one bad batch cannot stall the rest.
 * Whatever the answer, the buffer never holds more than one delta per user.
 */

/** ok: delivered; retry: transient; hold: a configuration fault, kept; drop: malformed, given up. */
export type IngestVerdict = "ok" | "retry" | "hold" | "drop";

export type IngestClassification =
  | { verdict: "ok" }
  | { verdict: Exclude<IngestVerdict, "ok">; reason: BatchFailure };

export function classifyIngestStatus(status: number): IngestClassification {
  if (status >= 200 && status < 300) return { verdict: "ok" };
  if (status === 429) return { verdict: "retry", reason: "rate_limited" };
  if (status >= 500 || status === 408) return { verdict: "retry", reason: "server_error" };
  if (status === 400) return { verdict: "drop", reason: "rejected" };
  if (status === 413) return { verdict: "drop", reason: "too_large" };
  if (status === 401 || status === 403) return { verdict: "hold", reason: "unauthorized" };
  return { verdict: "hold", reason: "misconfigured" };
}

/**
 * How long to wait before sending again. A configuration fault is not cured by waiting, so asking
 * more often than the cap only adds load on a Worker that refuses anyway; asking at the cap still
 * notices a fixed configuration within RETRY_CAP_MS.
 */
export function retryDelayMs(
  verdict: "retry" | "hold",
  attempt: number,
  policy: BackoffPolicy,
  retryAfter: number | null,
  random: () => number = Math.random,
): number {
  const exponential = backoffDelay(verdict === "hold" ? Number.MAX_SAFE_INTEGER : attempt, policy, random);
  return Math.max(exponential, retryAfter ?? 0);
}

/** How the last batch fared: what /health reports. */
export interface LastForward {
  verdict: IngestVerdict;
  reason?: BatchFailure;
  at: number;
  detail?: string;
  /** Deltas in that batch. */
  deltas: number;
}

export interface ForwardState {
  /** Distinct users with a delta not yet acknowledged, waiting or in flight. */
  bufferedUsers: number;
  /** null before the first batch. */
  last: LastForward | null;
  /** Given up on since the process started (400, 413, or one delta over the byte limit). */
  dropped: { batches: number; deltas: number };
}

export interface ForwarderOptions {
  ingestUrl: string;
  secret: string;
  /** How long the first event after a quiet spell waits before its batch leaves; 0: at once. */
  flushWindowMs: number;
  backoff: BackoffPolicy;
  timeoutMs: number;
  /** Releases a gateway sequence once its delta is delivered or given up. */
  release(hold: SequenceHold): void;
  metrics: RunnerMetrics;
  log: Logger;
  maxDeltas?: number;
  maxBodyBytes?: number;
  clock?: VersionClock;
  /** The timer every send is scheduled with (tests record the delays asked for). */
  setTimer?: (callback: () => void, ms: number) => NodeJS.Timeout;
}

/** What to check, in the log line of a batch kept for a configuration fault. */
const FAULT_HINTS: Partial<Record<BatchFailure, string>> = {
  unauthorized: "check that INGEST_SECRET is the Worker's, and the clock",
  misconfigured: "check INGEST_URL",
};

type Outcome =
  | { verdict: "ok" }
  | { verdict: "retry" | "hold"; reason: BatchFailure; detail: string; retryAfterMs: number | null }
  | { verdict: "drop"; reason: BatchFailure; detail: string };

export class Forwarder {
  readonly #options: ForwarderOptions;
  readonly #maxDeltas: number;
  readonly #maxBodyBytes: number;
  readonly #clock: VersionClock;
  readonly #buffer = new Coalescer();
  #inFlight: PendingDelta[] = [];
  #sending = false;
  readonly #timer: FlushTimer;
  #failures = 0;
  #draining = false;
  #stopped = false;
  #last: LastForward | null = null;
  #dropped = { batches: 0, deltas: 0 };
  readonly #empty = new EmptyWaiters();

  constructor(options: ForwarderOptions) {
    this.#options = options;
    this.#maxDeltas = Math.min(options.maxDeltas ?? INGEST_LIMITS.maxDeltas, INGEST_LIMITS.maxDeltas);
    this.#maxBodyBytes = Math.min(
      options.maxBodyBytes ?? INGEST_LIMITS.maxBodyBytes,
      INGEST_LIMITS.maxBodyBytes,
    );
    this.#clock = options.clock ?? new VersionClock();
    this.#timer = new FlushTimer(() => void this.#flush(), options.setTimer);
  }

  add(update: UserUpdate, receivedAt: number, hold: SequenceHold | null): void {
    for (const spare of this.#buffer.add(update, receivedAt, hold)) this.#options.release(spare);
    this.#updateGauge();
    this.#schedule(this.#draining ? 0 : this.#options.flushWindowMs);
  }

  /** Distinct users with a delta not yet acknowledged, waiting or in flight. */
  get bufferedUsers(): number {
    let inFlightOnly = 0;
    for (const delta of this.#inFlight) if (!this.#buffer.has(delta.userId)) inFlightOnly += 1;
    return this.#buffer.size + inFlightOnly;
  }

  get state(): ForwardState {
    return { bufferedUsers: this.bufferedUsers, last: this.#last, dropped: { ...this.#dropped } };
  }

  /**
   * Sends everything now, retrying as usual, until the buffer is empty or `timeoutMs` has passed.
   * Resolves true when everything was delivered.
   */
  async drain(timeoutMs: number): Promise<boolean> {
    this.#draining = true;
    if (this.bufferedUsers === 0) return true;
    if (!this.#sending) {
      this.#timer.clear();
      this.#schedule(0);
    }
    return this.#empty.wait(() => this.bufferedUsers === 0, timeoutMs);
  }

  /** Stops sending; whatever is buffered stays unacknowledged (and is replayed after a resume). */
  stop(): void {
    this.#stopped = true;
    this.#timer.clear();
  }

  #schedule(delayMs: number): void {
    if (this.#stopped || this.#sending || this.#buffer.size === 0) return;
    this.#timer.start(delayMs);
  }

  async #flush(): Promise<void> {
    const deltas = this.#buffer.take(this.#maxDeltas);
    if (deltas.length === 0) return;
    this.#sending = true;
    this.#inFlight = deltas;
    let outcome: Outcome;
    try {
      outcome = await this.#send(deltas);
    } catch (error) {
      // Only a bug gets here; treat it like an unreachable Worker rather than lose the deltas.
      outcome = { verdict: "retry", reason: "unreachable", detail: describeError(error), retryAfterMs: null };
    }
    this.#inFlight = [];
    this.#sending = false;
    this.#settle(deltas, outcome);
    this.#updateGauge();
    this.#empty.notify(this.bufferedUsers === 0);
  }

  /** Posts one batch, first shrinking it until its body fits; deltas it leaves out go back in line. */
  async #send(deltas: PendingDelta[]): Promise<Outcome> {
    let body = this.#serialise(deltas);
    while (Buffer.byteLength(body) > this.#maxBodyBytes && deltas.length > 1) {
      const later = deltas.splice(Math.ceil(deltas.length / 2));
      for (const spare of this.#buffer.restore(later)) this.#options.release(spare);
      body = this.#serialise(deltas);
    }
    if (Buffer.byteLength(body) > this.#maxBodyBytes) {
      return {
        verdict: "drop",
        reason: "too_large",
        detail: `one delta is ${Buffer.byteLength(body)} bytes, over ${this.#maxBodyBytes}`,
      };
    }
    let response: Response;
    try {
      response = await signedFetch(this.#options.ingestUrl, this.#options.secret, {
        method: "POST",
        body,
        timeoutMs: this.#options.timeoutMs,
      });
    } catch (error) {
      return { verdict: "retry", reason: "unreachable", detail: describeError(error), retryAfterMs: null };
    }
    const text = await response.text().catch(() => "");
    const detail = `HTTP ${response.status}${text ? `: ${text.slice(0, 200)}` : ""}`;
    const classified = classifyIngestStatus(response.status);
    if (classified.verdict === "ok") return classified;
    const { verdict, reason } = classified;
    if (verdict === "drop") return { verdict, reason, detail };
    return {
      verdict,
      reason,
      detail,
      retryAfterMs: retryAfterMs(response.headers.get("retry-after"), this.#options.backoff.capMs),
    };
  }

  #serialise(deltas: PendingDelta[]): string {
    const batch: IngestBatchInput = { batch_id: randomUUID(), deltas: deltas.map((d) => this.#toWire(d)) };
    return JSON.stringify(batch);
  }

  #toWire(delta: PendingDelta): UserDeltaInput {
    const wire: UserDeltaInput = { user_id: delta.userId, version: this.#clock.next() };
    if (delta.user !== undefined) wire.user = delta.user;
    if (delta.membership !== undefined) wire.membership = delta.membership;
    if (delta.presence !== undefined) wire.presence = delta.presence;
    return wire;
  }

  #settle(deltas: PendingDelta[], outcome: Outcome): void {
    const { metrics, log, release } = this.#options;
    const now = performance.now();
    const at = Date.now();
    for (const reason of CONFIGURATION_FAULTS) {
      metrics.ingestBlocked.set({ reason }, outcome.verdict === "hold" && outcome.reason === reason ? 1 : 0);
    }
    if (outcome.verdict === "ok") {
      this.#last = { verdict: "ok", at, deltas: deltas.length };
    } else {
      const { verdict, reason, detail } = outcome;
      this.#last = { verdict, reason, at, detail, deltas: deltas.length };
      metrics.batchesFailed.inc({ reason });
    }
    if (outcome.verdict === "retry" || outcome.verdict === "hold") {
      for (const spare of this.#buffer.restore(deltas)) release(spare);
      this.#failures += 1;
      metrics.retries.inc();
      const delay = retryDelayMs(
        outcome.verdict,
        this.#failures,
        this.#options.backoff,
        outcome.retryAfterMs,
      );
      const fields = {
        reason: outcome.reason,
        detail: outcome.detail,
        attempt: this.#failures,
        retry_in_ms: delay,
        buffered_users: this.bufferedUsers,
      };
      if (outcome.verdict === "retry") log.warn("ingest failed; retrying", fields);
      else
        log.error(
          `the Worker refuses the runner's batches; keeping them (${FAULT_HINTS[outcome.reason]})`,
          fields,
        );
      this.#schedule(delay);
      return;
    }
    for (const delta of deltas) for (const hold of delta.holds) release(hold);
    this.#failures = 0;
    if (outcome.verdict === "ok") {
      metrics.batchesSent.inc();
      metrics.deltasSent.inc(deltas.length);
      for (const delta of deltas) metrics.forwardLatency.observe((now - delta.receivedAt) / 1000);
    } else {
      this.#dropped.batches += 1;
      this.#dropped.deltas += deltas.length;
      metrics.deltasDropped.inc({ reason: outcome.reason }, deltas.length);
      log.error("ingest rejected a batch as malformed; dropping it (check the runner and Worker versions)", {
        reason: outcome.reason,
        detail: outcome.detail,
        deltas: deltas.length,
      });
    }
    // What gathered while this batch was in flight leaves now: it has waited one round trip already.
    this.#schedule(0);
  }

  #updateGauge(): void {
    this.#options.metrics.bufferUsers.set(this.bufferedUsers);
  }
}
