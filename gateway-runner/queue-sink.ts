import { randomUUID } from "node:crypto";
import { EVENT_BATCH_LIMITS, QUEUE_LIMITS } from "../schemas/gateway-events.ts";
import { type BackoffPolicy, retryAfterMs } from "./backoff.ts";
import { EmptyWaiters, FlushTimer } from "./batch-timing.ts";
import type { EventSink, PendingEvent } from "./event-sinks.ts";
import { classifyIngestStatus, retryDelayMs } from "./forwarder.ts";
import { describeError, type Logger } from "./log.ts";
import type { BatchFailure, RunnerMetrics } from "./metrics.ts";
import { ingestRouteUrl, signedFetch } from "./signed-fetch.ts";

/**
 * The Cloudflare Queue sink: events posted, signed and batched, to the Worker's POST /ingest/events,
 * which answers 2xx only once every event of the batch is on the queue. One batch is in flight at a
 * time; what arrives meanwhile leaves together the moment it is answered, so batches grow with the
 * load. The Worker's answer is read as the presence forwarder reads its own (classifyIngestStatus):
 * 2xx settles the batch; an outage or a refusal keeps it, in order, at the head of the line and
 * retries with backoff; 400 or 413 (a batch no retry can fix) is dropped and counted. An event over
 * a queue message's size limit can never be carried and is dropped before it is sent, counted and
 * logged by type and id.
 */
export interface QueueSinkOptions {
  ingestUrl: string;
  secret: string;
  backoff: BackoffPolicy;
  timeoutMs: number;
  metrics: RunnerMetrics;
  log: Logger;
  maxEvents?: number;
  maxBodyBytes?: number;
}

type Outcome =
  | { verdict: "ok" }
  | { verdict: "retry" | "hold" | "drop"; reason: BatchFailure; detail: string; retryAfterMs: number | null };

export class QueueSink implements EventSink {
  readonly name = "queue";
  readonly #options: QueueSinkOptions;
  readonly #url: string;
  readonly #maxEvents: number;
  readonly #maxBodyBytes: number;
  /** Waiting, oldest first; a failed batch goes back at the head. */
  #waiting: PendingEvent[] = [];
  #inFlight: PendingEvent[] = [];
  /** Events already sent once: a later send of them is a redelivery. */
  readonly #attempted = new WeakSet<PendingEvent>();
  readonly #empty = new EmptyWaiters();
  readonly #timer = new FlushTimer(() => void this.#flush());
  #sending = false;
  #failures = 0;
  #stopped = false;

  constructor(options: QueueSinkOptions) {
    this.#options = options;
    this.#url = ingestRouteUrl(options.ingestUrl, "events").toString();
    this.#maxEvents = Math.min(
      options.maxEvents ?? EVENT_BATCH_LIMITS.maxEvents,
      EVENT_BATCH_LIMITS.maxEvents,
    );
    this.#maxBodyBytes = Math.min(
      options.maxBodyBytes ?? EVENT_BATCH_LIMITS.maxBodyBytes,
      EVENT_BATCH_LIMITS.maxBodyBytes,
    );
  }

  get pending(): number {
    return this.#waiting.length + this.#inFlight.length;
  }

  get oldestPendingAt(): number | null {
    return (this.#inFlight[0] ?? this.#waiting[0])?.receivedAt ?? null;
  }

  add(pending: PendingEvent): void {
    if (this.#stopped) return;
    const { bytes } = pending;
    if (bytes > QUEUE_LIMITS.maxMessageBytes) {
      // Nothing downstream can carry it: holding its sequence would stall the checkpoint forever.
      pending.settled();
      this.#options.metrics.eventsDropped.inc({ sink: this.name, reason: "too_large" });
      this.#options.log.warn("event too large for a queue message; dropped", {
        type: pending.event.type,
        id: pending.event.id,
        bytes,
        limit: QUEUE_LIMITS.maxMessageBytes,
      });
      return;
    }
    this.#waiting.push(pending);
    this.#schedule(0);
  }

  drain(timeoutMs: number): Promise<boolean> {
    if (!this.#sending) {
      this.#timer.clear();
      this.#schedule(0);
    }
    return this.#empty.wait(() => this.pending === 0, timeoutMs);
  }

  stop(): void {
    this.#stopped = true;
    this.#timer.clear();
  }

  #schedule(delayMs: number): void {
    if (this.#stopped || this.#sending || this.#waiting.length === 0) return;
    this.#timer.start(delayMs);
  }

  /** The longest run from the head of the line that fits one batch (at least one event). */
  #takeBatch(): PendingEvent[] {
    // The body is `{"batch_id":"<uuid>","events":[...]}`: 64 bytes besides the events and commas.
    let bytes = 64;
    let count = 0;
    for (const pending of this.#waiting) {
      const size = pending.bytes + 1;
      if (count > 0 && (count >= this.#maxEvents || bytes + size > this.#maxBodyBytes)) break;
      bytes += size;
      count += 1;
    }
    return this.#waiting.splice(0, count);
  }

  async #flush(): Promise<void> {
    const batch = this.#takeBatch();
    if (batch.length === 0) return;
    this.#sending = true;
    this.#inFlight = batch;
    const redelivered = batch.filter((pending) => this.#attempted.has(pending)).length;
    if (redelivered > 0) this.#options.metrics.eventRedeliveries.inc({ sink: this.name }, redelivered);
    for (const pending of batch) this.#attempted.add(pending);
    const outcome = await this.#send(batch);
    this.#inFlight = [];
    this.#sending = false;
    this.#settle(batch, outcome);
    this.#empty.notify(this.pending === 0);
  }

  async #send(batch: PendingEvent[]): Promise<Outcome> {
    const body = `{"batch_id":"${randomUUID()}","events":[${batch.map((pending) => pending.json).join(",")}]}`;
    let response: Response;
    try {
      response = await signedFetch(this.#url, this.#options.secret, {
        method: "POST",
        body,
        timeoutMs: this.#options.timeoutMs,
      });
    } catch (error) {
      return { verdict: "retry", reason: "unreachable", detail: describeError(error), retryAfterMs: null };
    }
    const text = await response.text().catch(() => "");
    const classified = classifyIngestStatus(response.status);
    if (classified.verdict === "ok") return classified;
    return {
      ...classified,
      detail: `HTTP ${response.status}${text ? `: ${text.slice(0, 200)}` : ""}`,
      retryAfterMs: retryAfterMs(response.headers.get("retry-after"), this.#options.backoff.capMs),
    };
  }

  #settle(batch: PendingEvent[], outcome: Outcome): void {
    const { metrics, log } = this.#options;
    if (outcome.verdict === "retry" || outcome.verdict === "hold") {
      this.#waiting = batch.concat(this.#waiting);
      this.#failures += 1;
      metrics.eventBatchesFailed.inc({ reason: outcome.reason });
      const delay = retryDelayMs(
        outcome.verdict,
        this.#failures,
        this.#options.backoff,
        outcome.retryAfterMs,
      );
      log.warn("event batch not taken by the Worker's queue; retrying", {
        reason: outcome.reason,
        detail: outcome.detail,
        attempt: this.#failures,
        retry_in_ms: delay,
        pending: this.pending,
      });
      this.#schedule(delay);
      return;
    }
    this.#failures = 0;
    const now = performance.now();
    for (const pending of batch) pending.settled();
    if (outcome.verdict === "ok") {
      for (const pending of batch) {
        metrics.eventsForwarded.inc({ type: pending.event.type, sink: this.name });
        metrics.eventSinkLatency.observe({ sink: this.name }, (now - pending.receivedAt) / 1000);
      }
    } else {
      metrics.eventBatchesFailed.inc({ reason: outcome.reason });
      metrics.eventsDropped.inc({ sink: this.name, reason: outcome.reason }, batch.length);
      log.error(
        "the Worker rejected an event batch as malformed; dropping it (check the runner and Worker versions)",
        {
          reason: outcome.reason,
          detail: outcome.detail,
          events: batch.length,
        },
      );
    }
    this.#schedule(0);
  }
}
