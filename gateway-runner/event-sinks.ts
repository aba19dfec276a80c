import type { Writable } from "node:stream";
import type { ForwardedEvent } from "../schemas/gateway-events.ts";
import { EmptyWaiters } from "./batch-timing.ts";
import type { RunnerMetrics } from "./metrics.ts";

/**
 * Where forwarded gateway events go (EVENT_SINKS). A sink calls `settled` once it has an event for
 * good, or has given up on it for good: that is what lets the session checkpoint move past the
 * event's sequence, so a sink must never settle what it could still lose.
 */
export interface EventSink {
  readonly name: EventSinkName;
  add(event: PendingEvent): void;
  /** Events added and not yet settled. */
  readonly pending: number;
  /** When the oldest unsettled event was received (performance.now()), or null when none is. */
  readonly oldestPendingAt: number | null;
  /** Delivers what is pending, retrying as usual, for at most `timeoutMs`; true when all were. */
  drain(timeoutMs: number): Promise<boolean>;
  /** Stops delivering; what is pending stays unsettled and is replayed after the next resume. */
  stop(): void;
}

export const EVENT_SINK_NAMES = ["stdout", "queue"] as const;
export type EventSinkName = (typeof EVENT_SINK_NAMES)[number];

export interface PendingEvent {
  event: ForwardedEvent;
  /** The event as JSON, serialised once for every sink. */
  json: string;
  /** `json`'s length in UTF-8 bytes, measured once (the queue sink's limits are in bytes). */
  bytes: number;
  /** performance.now() when the dispatch arrived. */
  receivedAt: number;
  settled(): void;
}

/**
 * Spectacles' default sink: one event per line of standard output (NDJSON), for whatever reads
 * the container's output or the pipe. The runner's own log lines go to stderr, so stdout carries
 * nothing else. An event is settled once the stream has handed its line to the operating system
 * (the write callback): a line still in Node's buffer when the process dies is replayed. A reader
 * slower than the gateway cannot slow Discord down, so lines queue in Node's buffer; /health turns
 * unhealthy past EVENT_SINK_MAX_PENDING (health.ts) rather than let that grow for ever.
 */
export class StdoutSink implements EventSink {
  readonly name = "stdout";
  readonly #out: Writable;
  readonly #metrics: RunnerMetrics;
  readonly #inFlight = new Set<PendingEvent>();
  readonly #empty = new EmptyWaiters();
  #stopped = false;

  constructor(options: { out?: Writable; metrics: RunnerMetrics }) {
    this.#out = options.out ?? process.stdout;
    this.#metrics = options.metrics;
  }

  get pending(): number {
    return this.#inFlight.size;
  }

  get oldestPendingAt(): number | null {
    // A Set iterates in insertion order, and lines are written in that order.
    for (const pending of this.#inFlight) return pending.receivedAt;
    return null;
  }

  add(pending: PendingEvent): void {
    if (this.#stopped) return;
    this.#inFlight.add(pending);
    this.#out.write(`${pending.json}\n`, (error) => {
      // A stream that failed (a closed pipe) has not delivered: the event stays pending, its
      // sequence held, and /health shows the sink's lag growing.
      if (error) return;
      this.#inFlight.delete(pending);
      pending.settled();
      this.#metrics.eventsForwarded.inc({ type: pending.event.type, sink: this.name });
      this.#metrics.eventSinkLatency.observe(
        { sink: this.name },
        (performance.now() - pending.receivedAt) / 1000,
      );
      this.#empty.notify(this.#inFlight.size === 0);
    });
  }

  drain(timeoutMs: number): Promise<boolean> {
    return this.#empty.wait(() => this.#inFlight.size === 0, timeoutMs);
  }

  stop(): void {
    this.#stopped = true;
  }
}
