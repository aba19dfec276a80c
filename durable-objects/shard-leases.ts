import type { LeaseAnswer, LeaseRequest } from "../schemas/gateway-sessions.ts";

/**
 * Which runner may run which shard: a lease per shard, taken for all of a runner's shards or for
 * none (a runner connects its shards together), renewed by its holder before it runs out, and
 * free again once it has. Pure, so every boundary is tested without a runtime; the sessions object
 * (gateway-sessions.ts) stores the rows and calls these one at a time, so each decision is atomic.
 *
 * Time is the object's clock only: a runner reckons its own lease from when it sent the request,
 * which is earlier than when this decided, so the runner always thinks it expires first and stops
 * before a standby can start. Two runners never hold one shard at once.
 */

export interface LeaseRow {
  shard_id: number;
  runner_id: string;
  expires_at: number;
}

/** The unexpired leases of other runners on any of `shardIds`. */
export function heldByOthers(
  rows: LeaseRow[],
  runnerId: string,
  shardIds: number[],
  now: number,
): LeaseRow[] {
  const wanted = new Set(shardIds);
  return rows.filter((row) => wanted.has(row.shard_id) && row.runner_id !== runnerId && row.expires_at > now);
}

/** The rows to write when `request` is granted, or who stands in its way. */
export function decideLease(
  rows: LeaseRow[],
  request: LeaseRequest,
  now: number,
): { answer: LeaseAnswer; write: LeaseRow[] } {
  const blocking = heldByOthers(rows, request.runner_id, request.shard_ids, now);
  if (blocking.length > 0) {
    return {
      answer: {
        granted: false,
        held: blocking.map((row) => ({
          shard_id: row.shard_id,
          runner_id: row.runner_id,
          expires_in_ms: row.expires_at - now,
        })),
      },
      write: [],
    };
  }
  const expiresAt = now + request.ttl_ms;
  return {
    answer: { granted: true, ttl_ms: request.ttl_ms },
    write: [...new Set(request.shard_ids)].map((shard_id) => ({
      shard_id,
      runner_id: request.runner_id,
      expires_at: expiresAt,
    })),
  };
}
