import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/**
 * The runner's Prometheus metrics, in a registry of their own (not prom-client's global one) so
 * that several runners in one test process do not share counters. No label ever carries a token,
 * a secret or a user id.
 */

export const SHARD_STATES = ["idle", "connecting", "resuming", "ready"] as const;
export type ShardState = (typeof SHARD_STATES)[number];

/**
 * Why a batch did not get through: unreachable, server_error and rate_limited are retried with
 * backoff; unauthorized and misconfigured (a configuration fault) are kept and retried slowly;
 * rejected and too_large (a malformed batch) are dropped.
 */
export type BatchFailure =
  | "unreachable"
  | "server_error"
  | "rate_limited"
  | "unauthorized"
  | "misconfigured"
  | "rejected"
  | "too_large";

/** The failures a fix of the configuration, not waiting, ends. */
export const CONFIGURATION_FAULTS = ["unauthorized", "misconfigured"] as const;
export type ConfigurationFault = (typeof CONFIGURATION_FAULTS)[number];

export type RunnerMetrics = ReturnType<typeof createMetrics>;

/** What the event sink gauges read of a sink (event-sinks.ts). */
interface SinkGauge {
  readonly name: string;
  readonly pending: number;
  readonly oldestPendingAt: number | null;
}

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "porchlight_runner_" });
  let shardStates: () => Promise<Map<number, ShardState>> = async () => new Map();
  let eventSinks: () => readonly SinkGauge[] = () => [];

  const metrics = {
    registry,
    eventsIn: new Counter({
      name: "porchlight_runner_events_total",
      help: "Gateway dispatches received, by type.",
      labelNames: ["type"] as const,
      registers: [registry],
    }),
    deltasSent: new Counter({
      name: "porchlight_runner_deltas_sent_total",
      help: "User deltas the Worker acknowledged.",
      registers: [registry],
    }),
    deltasDropped: new Counter({
      name: "porchlight_runner_deltas_dropped_total",
      help: "User deltas given up on, by reason (see batches_failed).",
      labelNames: ["reason"] as const,
      registers: [registry],
    }),
    batchesSent: new Counter({
      name: "porchlight_runner_batches_sent_total",
      help: "Ingest batches the Worker acknowledged.",
      registers: [registry],
    }),
    batchesFailed: new Counter({
      name: "porchlight_runner_batches_failed_total",
      help: "Ingest batches that failed: unreachable, server_error (5xx), rate_limited (429) are retried; unauthorized (401, 403) and misconfigured (other unexpected statuses) are kept and retried slowly; rejected (400) and too_large (413) are dropped.",
      labelNames: ["reason"] as const,
      registers: [registry],
    }),
    retries: new Counter({
      name: "porchlight_runner_retries_total",
      help: "Ingest retries scheduled after a failed batch.",
      registers: [registry],
    }),
    ingestBlocked: new Gauge({
      name: "porchlight_runner_ingest_blocked",
      help: "1 while the Worker refuses every batch for a configuration fault (unauthorized: INGEST_SECRET; misconfigured: INGEST_URL); the deltas are kept.",
      labelNames: ["reason"] as const,
      registers: [registry],
    }),
    bufferUsers: new Gauge({
      name: "porchlight_runner_buffer_users",
      help: "Users with a delta waiting for the Worker, in the buffer or in flight.",
      registers: [registry],
    }),
    monitoredUsers: new Gauge({
      name: "porchlight_runner_monitored_users",
      help: "Members of the monitored guilds known to this process.",
      registers: [registry],
    }),
    shardState: new Gauge({
      name: "porchlight_runner_shard_state",
      help: "1 for the state each shard is in, 0 for the others.",
      labelNames: ["shard", "state"] as const,
      registers: [registry],
      async collect() {
        this.reset();
        for (const [shard, current] of await shardStates()) {
          for (const state of SHARD_STATES)
            this.set({ shard: String(shard), state }, state === current ? 1 : 0);
        }
      },
    }),
    forwardLatency: new Histogram({
      name: "porchlight_runner_forward_latency_seconds",
      help: "From receiving a dispatch to the Worker acknowledging the delta that carries it.",
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers: [registry],
    }),
    memberRequests: new Counter({
      name: "porchlight_runner_member_requests_total",
      help: "All-member requests (op 8): sent, rate_limited (RATE_LIMITED dispatches), completed (every chunk received).",
      labelNames: ["outcome"] as const,
      registers: [registry],
    }),
    reconciliations: new Counter({
      name: "porchlight_runner_reconciliations_total",
      help: "Complete member lists compared with the Worker's record of the guild's members: completed, failed (retried).",
      labelNames: ["outcome"] as const,
      registers: [registry],
    }),
    reconciliationsFailing: new Gauge({
      name: "porchlight_runner_reconciliations_failing",
      help: "Guilds whose reconciliation with the Worker's member record failed at its last attempt and is being retried.",
      registers: [registry],
    }),
    reconciledLeaves: new Counter({
      name: "porchlight_runner_reconciled_leaves_total",
      help: "Members the Worker still held in a guild whose complete member list lacked them, sent as leaves.",
      registers: [registry],
    }),
    cardImages: new Counter({
      name: "porchlight_runner_card_images_total",
      help: "Card images handled, by outcome: stored (in the Worker's R2), cdn_failed (the CDN gave no image), upload_failed (the Worker did not take it after every retry), dropped (the queue was full).",
      labelNames: ["outcome"] as const,
      registers: [registry],
    }),
    cardImagesPending: new Gauge({
      name: "porchlight_runner_card_images_pending",
      help: "Card images queued, being copied, or waiting to retry.",
      registers: [registry],
    }),
    eventsForwarded: new Counter({
      name: "porchlight_runner_events_forwarded_total",
      help: "FORWARD_EVENTS dispatches a sink has for good, by dispatch type and sink.",
      labelNames: ["type", "sink"] as const,
      registers: [registry],
    }),
    eventsDropped: new Counter({
      name: "porchlight_runner_events_dropped_total",
      help: "Forwarded events given up on, by sink and reason: too_large (over a queue message's limit), rejected (400) and too_large (413) batches.",
      labelNames: ["sink", "reason"] as const,
      registers: [registry],
    }),
    eventRedeliveries: new Counter({
      name: "porchlight_runner_event_redeliveries_total",
      help: "Events sent to a sink again after an attempt that failed (consumers drop the duplicates by id).",
      labelNames: ["sink"] as const,
      registers: [registry],
    }),
    eventBatchesFailed: new Counter({
      name: "porchlight_runner_event_batches_failed_total",
      help: "Queue sink batches the Worker did not take, by reason (as batches_failed).",
      labelNames: ["reason"] as const,
      registers: [registry],
    }),
    eventSinkLatency: new Histogram({
      name: "porchlight_runner_event_sink_latency_seconds",
      help: "From receiving a dispatch to its sink having it, by sink.",
      labelNames: ["sink"] as const,
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers: [registry],
    }),
    eventSinkPending: new Gauge({
      name: "porchlight_runner_event_sink_pending",
      help: "Forwarded events a sink does not have yet, by sink.",
      labelNames: ["sink"] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const sink of eventSinks()) this.set({ sink: sink.name }, sink.pending);
      },
    }),
    eventSinkLag: new Gauge({
      name: "porchlight_runner_event_sink_lag_seconds",
      help: "How long the oldest event a sink does not have yet has waited, by sink (0 when none waits).",
      labelNames: ["sink"] as const,
      registers: [registry],
      collect() {
        this.reset();
        const now = performance.now();
        for (const sink of eventSinks()) {
          const oldest = sink.oldestPendingAt;
          this.set({ sink: sink.name }, oldest === null ? 0 : (now - oldest) / 1000);
        }
      },
    }),
    checkpoints: new Counter({
      name: "porchlight_runner_checkpoints_total",
      help: "Session checkpoints written to the session store, by outcome.",
      labelNames: ["outcome"] as const,
      registers: [registry],
    }),
    /** The sinks the pending and lag gauges read; the runner sets them once they exist. */
    readEventSinksFrom(source: () => readonly SinkGauge[]): void {
      eventSinks = source;
    },
    /** Where the shard-state gauge reads from; the gateway sets it once it exists. */
    readShardStatesFrom(source: () => Promise<Map<number, ShardState>>): void {
      shardStates = source;
    },
  };
  // Present at 0 from the start, so an alert on it never needs to handle an absent series.
  for (const reason of CONFIGURATION_FAULTS) metrics.ingestBlocked.set({ reason }, 0);
  return metrics;
}
