import type { ShardState } from "./metrics.ts";

/**
 * GET /health's verdict, as a pure function. Healthy means every shard is READY and the Worker is
 * taking deltas: the last batch went through, or nothing is waiting. A batch that never failed
 * counts as going through, so a runner that has not had to send anything yet is healthy.
 */

export interface HealthInput {
  shards: Map<number, ShardState>;
  expectedShards: number[];
  bufferedUsers: number;
  lastForward: { ok: boolean; at: number; detail?: string } | null;
}

export interface HealthReport {
  healthy: boolean;
  body: {
    status: "ok" | "unhealthy";
    problems: string[];
    shards: Record<string, ShardState>;
    buffered_users: number;
    last_forward: { ok: boolean; at: string; detail?: string } | null;
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
  const forwarding = input.lastForward === null || input.lastForward.ok || input.bufferedUsers === 0;
  if (!forwarding) problems.push(`the last ingest batch failed and ${input.bufferedUsers} users are waiting`);
  const last = input.lastForward;
  return {
    healthy: problems.length === 0,
    body: {
      status: problems.length === 0 ? "ok" : "unhealthy",
      problems,
      shards,
      buffered_users: input.bufferedUsers,
      last_forward: last
        ? {
            ok: last.ok,
            at: new Date(last.at).toISOString(),
            ...(last.detail ? { detail: last.detail } : {}),
          }
        : null,
    },
  };
}
