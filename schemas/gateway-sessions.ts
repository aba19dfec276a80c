import { z } from "zod";

/**
 * Discord gateway sessions the runner checkpoints so that, after a restart (a container move, a
 * deploy, a SIGKILL), it RESUMEs instead of identifying again and losing the events in between.
 *
 * `sequence` is the last sequence whose events the Worker has acknowledged, not the last one
 * received: resuming from it replays anything that was still in the runner's buffer when it died.
 * Replays are harmless, since every delta carries a version and stale ones are ignored.
 *
 * Stored through the Worker: GET /ingest/sessions returns them, PUT /ingest/sessions replaces
 * them; both signed like /ingest (schemas/ingest-signature.ts; a GET signs the empty body).
 */
export const GatewaySession = z.object({
  shard_id: z.int().min(0),
  shard_count: z.int().min(1),
  session_id: z.string().min(1).max(128),
  sequence: z.int().min(0),
  resume_url: z.string().url(),
});
export type GatewaySession = z.output<typeof GatewaySession>;

export const GatewaySessions = z.object({
  sessions: z.array(GatewaySession).max(4096),
});
export type GatewaySessions = z.output<typeof GatewaySessions>;
