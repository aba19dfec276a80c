import { z } from "zod";
import { INGEST_LIMITS } from "./ingest.ts";

/**
 * Gateway events the runner forwards beside the presence path (FORWARD_EVENTS): each one as it
 * reaches a sink (a line of the stdout sink; a message of the Cloudflare Queue), and the signed batch
 * the queue sink posts to the Worker's POST /ingest/events.
 *
 * Delivery is at least once: a runner that dies before a sink acknowledged an event resumes its
 * session from before it, and Discord replays it. A replayed event has the same `id`, so a consumer
 * drops duplicates by it.
 */

/**
 * Cloudflare Queues' limits (developers.cloudflare.com/queues/platform/limits): a message is at
 * most 128 KB, metadata of about 100 bytes included; one sendBatch takes at most 100 messages and
 * 256 KB. The Worker splits a runner's batch into sendBatch calls within them. "128 KB" is 128,000
 * bytes (Miniflare's broker refuses anything longer), less a 1 KiB margin for the metadata.
 */
export const QUEUE_LIMITS = {
  maxMessageBytes: 128_000 - 1_024,
  batchMessages: 100,
  batchBytes: 240_000,
  /** What each message costs a sendBatch besides its body, by the estimate fedify uses too. */
  messageOverheadBytes: 128,
} as const;

export const EVENT_BATCH_LIMITS = {
  maxEvents: 500,
  maxBodyBytes: INGEST_LIMITS.maxBodyBytes,
} as const;

/** A dispatch name as Discord sends it in `t`: MESSAGE_CREATE, GUILD_MEMBER_ADD... */
export const DispatchName = z
  .string()
  .regex(/^[A-Z][A-Z0-9_]{0,63}$/, { error: "must be a gateway dispatch name such as MESSAGE_CREATE" });

export const ForwardedEvent = z
  .object({
    id: z
      .string()
      .min(1)
      .max(200)
      .meta({ description: "Stable across replays: `<shard>:<session_id>:<seq>`. Drop duplicates by it." }),
    shard: z.int().min(0).max(65_535),
    seq: z.int().min(1).meta({ description: "The dispatch's sequence number within its session." }),
    type: DispatchName.meta({ description: "The dispatch name, Discord's `t`." }),
    received_at: z.int().min(0).meta({ description: "When the runner received it, ms since the epoch." }),
    data: z.unknown().meta({ description: "The dispatch's `d`, exactly as Discord sent it." }),
  })
  .meta({ id: "ForwardedEvent", description: "One gateway dispatch as a sink delivers it." });
export type ForwardedEvent = z.output<typeof ForwardedEvent>;

export const EventBatch = z
  .object({
    batch_id: z.string().min(1).max(100),
    events: z.array(ForwardedEvent).min(1).max(EVENT_BATCH_LIMITS.maxEvents),
  })
  .meta({ id: "EventBatch", description: "Gateway events for the Worker's queue (POST /ingest/events)." });
export type EventBatch = z.output<typeof EventBatch>;

export const EventBatchResult = z
  .object({ batch_id: z.string(), queued: z.int().min(0) })
  .meta({ id: "EventBatchResult", description: "Every event of the batch is on the queue." });
export type EventBatchResult = z.output<typeof EventBatchResult>;

/** An event's stable id: the same dispatch replayed after a RESUME gets the same one. */
export function eventId(shard: number, sessionId: string, seq: number): string {
  return `${shard}:${sessionId}:${seq}`;
}
