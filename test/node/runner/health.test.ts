import { describe, expect, it } from "vitest";
import type { ForwardState, LastForward } from "../../../gateway-runner/forwarder.ts";
import { evaluateHealth } from "../../../gateway-runner/health.ts";

// /health's verdict from the shards' states and the forwarder's, without any process.

const at = Date.UTC(2026, 10, 22, 5, 18, 57);
const ready = { shards: new Map([[0, "ready" as const]]), expectedShards: [0] };

function health(
  last: Omit<LastForward, "at"> | null,
  bufferedUsers = 0,
  dropped = { batches: 0, deltas: 0 },
) {
  const forwarding: ForwardState = { bufferedUsers, last: last && { ...last, at }, dropped };
  return evaluateHealth({ ...ready, forwarding });
}

describe("evaluateHealth", () => {
  it("is healthy before any batch and after an accepted one", () => {
    expect(health(null)).toMatchObject({ healthy: true, body: { status: "ok", problems: [] } });
    expect(health({ verdict: "ok", deltas: 3 }).healthy).toBe(true);
  });

  it("names a shard that is not ready", () => {
    const report = evaluateHealth({
      shards: new Map([[0, "resuming"]]),
      expectedShards: [0, 1],
      forwarding: { bufferedUsers: 0, last: null, dropped: { batches: 0, deltas: 0 } },
    });
    expect(report.body.problems).toEqual(["shard 0 is resuming", "shard 1 is idle"]);
  });

  it("is unhealthy after a transient failure only while deltas wait", () => {
    const failed = { verdict: "retry", reason: "unreachable", detail: "fetch failed", deltas: 12 } as const;
    expect(health(failed, 12).body.problems).toEqual([
      "the last ingest batch failed and 12 users are waiting",
    ]);
    expect(health(failed, 0).healthy).toBe(true);
  });

  it("names INGEST_SECRET while the Worker refuses the signature", () => {
    const report = health(
      {
        verdict: "hold",
        reason: "unauthorized",
        detail: 'HTTP 401: {"error":"signature refused"}',
        deltas: 5,
      },
      5,
    );
    expect(report.healthy).toBe(false);
    expect(report.body.problems).toHaveLength(1);
    expect(report.body.problems[0]).toContain("INGEST_SECRET");
    expect(report.body.problems[0]).toContain("HTTP 401");
    expect(report.body.problems[0]).toContain("5 users' deltas are kept");
    expect(report.body.last_forward).toEqual({
      ok: false,
      verdict: "hold",
      reason: "unauthorized",
      at: "2026-11-22T05:18:57.000Z",
      detail: 'HTTP 401: {"error":"signature refused"}',
    });
  });

  it("names INGEST_URL when the Worker answers what its ingest route never does", () => {
    const report = health({ verdict: "hold", reason: "misconfigured", detail: "HTTP 404", deltas: 1 }, 1);
    expect(report.body.problems[0]).toContain("INGEST_URL");
  });

  it("reports a dropped batch, unhealthy until the next one is accepted, and counts drops for ever", () => {
    const dropped = { batches: 1, deltas: 4 };
    const rejected = health(
      { verdict: "drop", reason: "rejected", detail: "HTTP 400: deltas.0.version", deltas: 4 },
      0,
      dropped,
    );
    expect(rejected.healthy).toBe(false);
    expect(rejected.body.problems).toEqual([
      "the Worker rejected the last batch as malformed (HTTP 400: deltas.0.version); its 4 deltas were dropped",
    ]);
    expect(rejected.body.dropped).toEqual(dropped);
    const after = health({ verdict: "ok", deltas: 1 }, 0, dropped);
    expect(after.healthy).toBe(true);
    expect(after.body.dropped).toEqual(dropped);
  });

  it("warns, staying healthy, while reconciling a guild with the Worker fails", () => {
    const forwarding: ForwardState = { bufferedUsers: 0, last: null, dropped: { batches: 0, deltas: 0 } };
    expect(evaluateHealth({ ...ready, forwarding }).body.warnings).toEqual([]);
    const report = evaluateHealth({
      ...ready,
      forwarding,
      reconciliation: {
        failing: [
          {
            guildId: "1191168914227200002",
            attempts: 3,
            since: at,
            error:
              "GET http://w.example/ingest/guilds/1191168914227200002/members?limit=1000 answered HTTP 404: …",
          },
        ],
      },
    });
    expect(report).toMatchObject({ healthy: true, body: { status: "ok", problems: [] } });
    expect(report.body.warnings).toEqual([
      "reconciling guild 1191168914227200002 with the Worker's member record has failed 3 times since " +
        "2026-11-22T05:18:57.000Z (GET http://w.example/ingest/guilds/1191168914227200002/members?limit=1000 " +
        "answered HTTP 404: …); retrying. Members who left while no runner listened stay monitored until it " +
        "succeeds (HTTP 404: the Worker is older than the runner)",
    ]);
  });
});

describe("evaluateHealth, forwarded events", () => {
  const sinks = (pending: number, lagSeconds: number) =>
    evaluateHealth({ ...ready, forwarding: null, eventSinks: [{ sink: "stdout", pending, lagSeconds }] });

  it("reports each sink, warns from 30 s of lag, and is unhealthy from 100,000 pending events", () => {
    expect(sinks(3, 29.9)).toMatchObject({
      healthy: true,
      body: { warnings: [], event_sinks: { stdout: { pending: 3, lag_seconds: 29.9 } }, buffered_users: 0 },
    });
    expect(sinks(3, 30).body.warnings).toEqual([
      "the stdout sink has not delivered 3 events, the oldest for 30 s; they are kept and replayed after a restart",
    ]);
    expect(sinks(99_999, 1).healthy).toBe(true);
    expect(sinks(100_000, 1)).toMatchObject({
      healthy: false,
      body: {
        problems: [
          "the stdout sink holds 100000 undelivered events (at most 100000): its reader is not keeping up; a restart resumes from before them",
        ],
      },
    });
  });
});
