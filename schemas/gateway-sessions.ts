import { z } from "zod";

/**
 * Discord gateway sessions the runner checkpoints so that, after a restart (a container move, a
 * deploy, a SIGKILL), it RESUMEs instead of identifying again and losing the events in between.
 *
 * `sequence` is the last sequence whose events the Worker has acknowledged, not the last one
 * received: resuming from it replays anything that was still in the runner's buffer when it died.
 * Replays are harmless, since every delta carries a version and stale ones are ignored.
 *
 * Stored through the Worker, one row per shard: GET /ingest/sessions returns them, PUT
 * /ingest/sessions replaces those of the shards it names and no others, so runners that split a
 * bot's shards never overwrite each other's. All signed like /ingest (schemas/ingest-signature.ts;
 * a GET signs the empty body).
 */
export const GatewaySession = z.object({
  shard_id: z.int().min(0),
  shard_count: z.int().min(1),
  session_id: z.string().min(1).max(128),
  sequence: z.int().min(0),
  resume_url: z.string().url(),
});
export type GatewaySession = z.output<typeof GatewaySession>;

/** Discord's largest shard counts are in the thousands; more ids than this is a mistake. */
export const MAX_SHARDS = 4096;
const ShardIds = z
  .array(
    z
      .int()
      .min(0)
      .max(MAX_SHARDS - 1),
  )
  .min(1)
  .max(MAX_SHARDS);

export const GatewaySessions = z.object({
  sessions: z.array(GatewaySession).max(MAX_SHARDS),
});
export type GatewaySessions = z.output<typeof GatewaySessions>;

/** Who runs shards: a name per runner process, in logs and in the lease it holds. Not a secret. */
export const RunnerId = z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/, "1 to 128 of A-Z a-z 0-9 . _ : -");

/**
 * PUT /ingest/sessions: the sessions of `shard_ids` (a shard left out of `sessions` has none any
 * more). With `runner_id`, refused (409) while another runner holds a lease on one of the shards:
 * a runner that lost its lease can no longer overwrite its successor's checkpoints.
 */
export const SessionsSave = z
  .object({
    runner_id: RunnerId.optional(),
    shard_ids: ShardIds,
    sessions: z.array(GatewaySession).max(MAX_SHARDS),
  })
  .refine((save) => save.sessions.every((s) => save.shard_ids.includes(s.shard_id)), {
    message: "every session's shard_id must be one of shard_ids",
    path: ["sessions"],
  });
export type SessionsSave = z.output<typeof SessionsSave>;

/** Lease lengths a runner may ask for: long enough to renew over a slow link, short enough to fail over. */
export const LEASE_TTL_MS = { min: 3_000, max: 300_000 } as const;

/**
 * POST /ingest/leases: take or renew the lease on all of `shard_ids` for `ttl_ms`, or none of
 * them. DELETE /ingest/leases (runner_id and shard_ids) gives them up, on a clean shutdown.
 */
export const LeaseRequest = z.object({
  runner_id: RunnerId,
  shard_ids: ShardIds,
  ttl_ms: z.int().min(LEASE_TTL_MS.min).max(LEASE_TTL_MS.max),
});
export type LeaseRequest = z.output<typeof LeaseRequest>;

export const LeaseRelease = LeaseRequest.pick({ runner_id: true, shard_ids: true });
export type LeaseRelease = z.output<typeof LeaseRelease>;

/** Granted: the runner holds every shard for `ttl_ms` from when the Worker decided. Else who holds what. */
export const LeaseAnswer = z.union([
  z.object({ granted: z.literal(true), ttl_ms: z.int() }),
  z.object({
    granted: z.literal(false),
    held: z.array(z.object({ shard_id: z.int(), runner_id: RunnerId, expires_in_ms: z.int() })),
  }),
]);
export type LeaseAnswer = z.output<typeof LeaseAnswer>;
