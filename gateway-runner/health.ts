import type { ForwardState } from "./forwarder.ts";
import type { ShardState } from "./metrics.ts";
import type { ReconcileState } from "./reconciler.ts";

/**
 * GET /health's verdict, as a pure function. Healthy means every shard is READY and the Worker is
 * taking deltas: the last batch went through, or it failed for a passing reason and nothing is
 * waiting. A configuration fault (the Worker refuses the signature, or INGEST_URL is not its ingest
 * route) and a batch dropped as malformed stay unhealthy until a batch is accepted, since neither
 * heals by itself and both mean presences are not arriving. A runner that has not had to send
 * anything yet is healthy.
 *
 * A reconciliation with the Worker's member record that keeps failing is a warning, not a
 * problem: presences still arrive, only the leaves of members who left while no runner listened
 * wait. A failing health check gets a container restarted, which cannot add a route an older
 * Worker lacks and would cost every shard a reconnect.
 */

export interface HealthInput {
  shards: Map<number, ShardState>;
  expectedShards: number[];
  /** The presence path's forwarding; null for a runner that only forwards events. */
  forwarding: ForwardState | null;
  reconciliation?: ReconcileState;
  /** FORWARD_EVENTS' sinks: what each has not delivered yet, and how long the oldest has waited. */
  eventSinks?: EventSinkHealth[];
}

export interface EventSinkHealth {
  sink: string;
  pending: number;
  lagSeconds: number;
}

/**
 * A sink whose oldest event has waited this long is reported as a warning: its events are kept
 * (and their sequences held), and a restart would not make the Worker or a pipe take them.
 */
export const EVENT_SINK_LAG_WARNING_SECONDS = 30;

/**
 * A sink holding this many events is a problem: the events are in the runner's memory (stdout's
 * reader, or the Worker, is not keeping up), which Discord's stream does not wait for. Unhealthy, a
 * container is restarted, and the next process resumes from the checkpoint, which trails them, so
 * Discord replays them rather than the runner growing without bound.
 */
export const EVENT_SINK_MAX_PENDING = 100_000;

export interface HealthReport {
  healthy: boolean;
  body: {
    /** "standby": waiting for the shard lease, no shard connected. */
    status: "ok" | "unhealthy" | "standby";
    problems: string[];
    /** What is wrong without making the runner unhealthy. */
    warnings: string[];
    shards: Record<string, ShardState>;
    buffered_users: number;
    last_forward: {
      ok: boolean;
      verdict: string;
      reason?: string;
      at: string;
      detail?: string;
    } | null;
    dropped: { batches: number; deltas: number };
    event_sinks: Record<string, { pending: number; lag_seconds: number }>;
  };
}

export function evaluateHealth(input: HealthInput): HealthReport {
  const problems: string[] = [];
  const shards: Record<string, ShardState> = {};
  for (const shardId of input.expectedShards) {
    const state = input.shards.get(shardId) ?? "idle";
    shards[String(shardId)] = state;
    if (state !== "ready") problems.push(`shard ${shardId} is ${state}`);
  }
  const { bufferedUsers, last, dropped } = input.forwarding ?? NOTHING_FORWARDED;
  const forwardProblem = last ? describeForward(last, bufferedUsers) : null;
  if (forwardProblem) problems.push(forwardProblem);
  const warnings = (input.reconciliation?.failing ?? []).map(describeReconcileFailure);
  const eventSinks: HealthReport["body"]["event_sinks"] = {};
  for (const { sink, pending, lagSeconds } of input.eventSinks ?? []) {
    eventSinks[sink] = { pending, lag_seconds: Math.round(lagSeconds * 1000) / 1000 };
    if (pending >= EVENT_SINK_MAX_PENDING) {
      problems.push(
        `the ${sink} sink holds ${pending} undelivered events (at most ${EVENT_SINK_MAX_PENDING}): its reader is not keeping up; a restart resumes from before them`,
      );
    } else if (lagSeconds >= EVENT_SINK_LAG_WARNING_SECONDS) {
      warnings.push(
        `the ${sink} sink has not delivered ${pending} events, the oldest for ${Math.round(lagSeconds)} s; they are kept and replayed after a restart`,
      );
    }
  }
  return {
    healthy: problems.length === 0,
    body: {
      status: problems.length === 0 ? "ok" : "unhealthy",
      problems,
      warnings,
      shards,
      buffered_users: bufferedUsers,
      last_forward: last
        ? {
            ok: last.verdict === "ok",
            verdict: last.verdict,
            ...(last.reason ? { reason: last.reason } : {}),
            at: new Date(last.at).toISOString(),
            ...(last.detail ? { detail: last.detail } : {}),
          }
        : null,
      dropped,
      event_sinks: eventSinks,
    },
  };
}

const NOTHING_FORWARDED: ForwardState = { bufferedUsers: 0, last: null, dropped: { batches: 0, deltas: 0 } };

function describeForward(last: NonNullable<ForwardState["last"]>, buffered: number): string | null {
  const detail = last.detail ?? last.reason ?? "";
  const kept = `${buffered} users' deltas are kept until a batch is accepted`;
  switch (last.verdict) {
    case "ok":
      return null;
    case "retry":
      return buffered === 0 ? null : `the last ingest batch failed and ${buffered} users are waiting`;
    case "hold":
      return last.reason === "unauthorized"
        ? `the Worker refuses the runner's signature (${detail}): INGEST_SECRET must be the Worker's, and the clock right; ${kept}`
        : `the Worker's ingest answers ${detail}: check INGEST_URL; ${kept}`;
    case "drop":
      return `the Worker rejected the last batch as malformed (${detail}); its ${last.deltas} deltas were dropped`;
  }
}

function describeReconcileFailure(failure: ReconcileState["failing"][number]): string {
  const hint = /\bHTTP 404\b/.test(failure.error) ? " (HTTP 404: the Worker is older than the runner)" : "";
  return (
    `reconciling guild ${failure.guildId} with the Worker's member record has failed ${failure.attempts} ` +
    `times since ${new Date(failure.since).toISOString()} (${failure.error}); retrying. Members who left ` +
    `while no runner listened stay monitored until it succeeds${hint}`
  );
}

/** Before this runner holds its shards' lease (shard-lease.ts): unhealthy, saying why it waits. */
export function standbyHealth(problem: string | null): HealthReport {
  return {
    healthy: false,
    body: {
      status: "standby",
      problems: [problem ?? "waiting for the shard lease"],
      warnings: [],
      shards: {},
      buffered_users: 0,
      last_forward: null,
      dropped: { batches: 0, deltas: 0 },
      event_sinks: {},
    },
  };
}
