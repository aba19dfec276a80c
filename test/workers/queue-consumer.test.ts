import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import consumer, { type Env } from "../../examples/queue-consumer/index.ts";
import type { ForwardedEvent } from "../../schemas/gateway-events.ts";

/**
 * examples/queue-consumer, a user's consumer of the gateway-events queue, handed batches as Queues
 * hands them: it logs or forwards each event once, and throws (so the batch comes back) when
 * FORWARD_TO fails.
 */

const FORWARD_TO = "https://consumer.test/events";
let seq = 0;
const event = (): ForwardedEvent => {
  seq += 1;
  return {
    id: `1:consumer-session:${seq}`,
    shard: 1,
    seq,
    type: "MESSAGE_CREATE",
    received_at: 1_800_000_000_000,
    data: { n: seq },
  };
};

/** Runs the consumer on one batch of these events; its outcome and what it threw, if anything. */
async function consume(events: ForwardedEvent[], env: Env = {}) {
  const batch = createMessageBatch<ForwardedEvent>(
    "porchlight-gateway-events",
    events.map((body, n) => ({ id: `message-${seq}-${n}`, timestamp: Date.now(), attempts: 1, body })),
  );
  const ctx = createExecutionContext();
  const thrown = await consumer.queue(batch, env).then(
    () => null,
    (error: unknown) => error as Error,
  );
  return { result: await getQueueResult(batch, ctx), thrown };
}

/** A FORWARD_TO that answers `status` and keeps the events each POST carried. */
function forwardTarget(status = 200) {
  const posts: ForwardedEvent[][] = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
      expect(String(input)).toBe(FORWARD_TO);
      expect(new Headers(init?.headers).get("content-type")).toBe("application/json");
      posts.push((JSON.parse(String(init?.body)) as { events: ForwardedEvent[] }).events);
      return new Response(null, { status });
    }),
  );
  return posts;
}

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe("the example queue consumer", () => {
  it("logs one line per event, `type id`, without FORWARD_TO", async () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    const [a, b] = [event(), event()];
    const { thrown } = await consume([a!, b!]);
    expect(thrown).toBeNull();
    expect(log.mock.calls).toEqual([[`MESSAGE_CREATE ${a!.id}`], [`MESSAGE_CREATE ${b!.id}`]]);
  });

  it("POSTs each batch's events to FORWARD_TO as {events}", async () => {
    const posts = forwardTarget();
    const events = [event(), event(), event()];
    const { thrown, result } = await consume(events, { FORWARD_TO });
    expect(thrown).toBeNull();
    expect(result.outcome).toBe("ok");
    expect(posts).toEqual([events]);
  });

  it("drops duplicates by id, within a batch and across batches", async () => {
    const posts = forwardTarget();
    const [a, b, c] = [event(), event(), event()];
    await consume([a!, b!, a!], { FORWARD_TO });
    await consume([b!, c!], { FORWARD_TO });
    // A batch of nothing but duplicates is not forwarded at all.
    await consume([a!, c!], { FORWARD_TO });
    expect(posts).toEqual([[a, b], [c]]);
  });

  it("throws when FORWARD_TO fails, so Queues redelivers, and forwards the redelivered batch", async () => {
    const events = [event(), event()];
    const failing = forwardTarget(502);
    const first = await consume(events, { FORWARD_TO });
    expect(first.thrown?.message).toMatch(/502/);
    expect(failing).toEqual([events]);
    vi.unstubAllGlobals();

    // What failed was not remembered as delivered: it is not taken for a duplicate when it comes back.
    const working = forwardTarget();
    const again = await consume(events, { FORWARD_TO });
    expect(again.thrown).toBeNull();
    expect(working).toEqual([events]);
  });
});
