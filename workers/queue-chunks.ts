import { QUEUE_LIMITS } from "../schemas/gateway-events.ts";

/**
 * How POST /ingest/events splits a runner's batch into sendBatch calls: one sendBatch takes at most
 * `batchMessages` messages and `batchBytes`, each message counted as its body's bytes plus
 * `messageOverheadBytes` (an estimate of its metadata, which Queues puts at about 100 bytes). Pure,
 * so every boundary is tested without a queue.
 */

export type QueueChunkLimits = Record<"batchMessages" | "batchBytes" | "messageOverheadBytes", number>;

/**
 * `items` cut into consecutive runs, in order, none over the limits; `bytesOf` gives an item's body
 * size. An item too large for any batch on its own goes alone (the caller refuses such items before:
 * a message is at most QUEUE_LIMITS.maxMessageBytes, well under a batch).
 */
export function queueChunks<T>(
  items: readonly T[],
  bytesOf: (item: T) => number,
  limits: QueueChunkLimits = QUEUE_LIMITS,
): T[][] {
  const chunks: T[][] = [];
  let chunk: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const cost = bytesOf(item) + limits.messageOverheadBytes;
    if (chunk.length > 0 && (chunk.length === limits.batchMessages || bytes + cost > limits.batchBytes)) {
      chunks.push(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(item);
    bytes += cost;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}
