import { describe, expect, it } from "vitest";
import { QUEUE_LIMITS } from "../../schemas/gateway-events.ts";
import { queueChunks } from "../../workers/queue-chunks.ts";

/** The split of a runner's batch into sendBatch calls (workers/queue-chunks.ts), at each limit. */

const LIMITS = { batchMessages: 3, batchBytes: 1_000, messageOverheadBytes: 100 };
/** Items that are their own size. */
const split = (sizes: number[], limits = LIMITS) => queueChunks(sizes, (size) => size, limits);

describe("queueChunks", () => {
  it("gives nothing for nothing", () => {
    expect(split([])).toEqual([]);
  });

  it("fills a chunk to exactly batchMessages, and starts another at one more", () => {
    expect(split([1, 2, 3])).toEqual([[1, 2, 3]]);
    expect(split([1, 2, 3, 4])).toEqual([[1, 2, 3], [4]]);
    expect(split([1, 2, 3, 4, 5, 6, 7])).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
  });

  it("fills a chunk to exactly batchBytes, each item counted with its overhead, and not a byte over", () => {
    // 400 + 100 + 400 + 100 = 1,000: exactly the limit.
    expect(split([400, 400])).toEqual([[400, 400]]);
    expect(split([400, 401])).toEqual([[400], [401]]);
    expect(split([400, 400, 0])).toEqual([[400, 400], [0]]);
  });

  it("keeps the items' order across chunks", () => {
    const sizes = [900, 10, 20, 30, 40, 700, 50];
    const chunks = split(sizes);
    expect(chunks.flat()).toEqual(sizes);
    expect(chunks).toEqual([[900], [10, 20, 30], [40, 700], [50]]);
  });

  it("puts an item larger than a whole batch on its own rather than losing it", () => {
    expect(split([10, 5_000, 10])).toEqual([[10], [5_000], [10]]);
  });

  it("uses QUEUE_LIMITS unless told otherwise", () => {
    const small = Array.from({ length: QUEUE_LIMITS.batchMessages + 1 }, () => 10);
    expect(queueChunks(small, (size) => size).map((chunk) => chunk.length)).toEqual([
      QUEUE_LIMITS.batchMessages,
      1,
    ]);
    const half = QUEUE_LIMITS.batchBytes / 2 - QUEUE_LIMITS.messageOverheadBytes;
    expect(queueChunks([half, half], (size) => size)).toHaveLength(1);
    expect(queueChunks([half, half + 1], (size) => size)).toHaveLength(2);
  });
});
