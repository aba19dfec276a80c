import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  classifyIngestStatus,
  type Forwarder,
  type ForwarderOptions,
  retryDelayMs,
} from "../../../gateway-runner/forwarder.ts";
import { createMetrics, type RunnerMetrics } from "../../../gateway-runner/metrics.ts";
import { SequenceTracker } from "../../../gateway-runner/sequence-tracker.ts";
import { INGEST_LIMITS, type Presence } from "../../../schemas/ingest.ts";
import { TEST_SECRET, testForwarder } from "./helpers/harness.ts";
import { IngestReceiver } from "./helpers/receiver.ts";
import { waitFor } from "./helpers/wait.ts";

// The forwarder against a real HTTP receiver, fed updates directly: no Discord in these tests.

const userId = (i: number) => String(100_000_000_000_000_000n + BigInt(i));
const playing = (game: string): Presence => ({
  status: "online",
  client_status: {},
  activities: [{ name: game, type: 0 }],
});

let receiver: IngestReceiver;
let metrics: RunnerMetrics;
let tracker: SequenceTracker;
let forwarder: Forwarder;

function start(overrides: Partial<ForwarderOptions> = {}): Forwarder {
  forwarder = testForwarder(receiver, metrics, { release: (hold) => tracker.release(hold), ...overrides });
  return forwarder;
}

const value = async (name: keyof RunnerMetrics, labels: Record<string, string> = {}) => {
  const metric = (
    await (metrics[name] as { get(): Promise<{ values: { labels: object; value: number }[] }> }).get()
  ).values;
  return (
    metric.find((v) =>
      Object.entries(labels).every(([k, l]) => (v.labels as Record<string, string>)[k] === l),
    )?.value ?? 0
  );
};

beforeEach(async () => {
  receiver = await IngestReceiver.start(TEST_SECRET);
  metrics = createMetrics();
  tracker = new SequenceTracker();
  tracker.startSession(0, 0);
});
afterEach(async () => {
  forwarder?.stop();
  await receiver.close();
});

describe("classifyIngestStatus", () => {
  const verdicts = (statuses: number[]) => statuses.map((status) => classifyIngestStatus(status));
  it("delivers 2xx, retries what waiting can fix", () => {
    expect(verdicts([200, 202, 204])).toEqual(Array(3).fill({ verdict: "ok" }));
    expect(verdicts([500, 502, 503])).toEqual(Array(3).fill({ verdict: "retry", reason: "server_error" }));
    expect(verdicts([408, 429])).toEqual([
      { verdict: "retry", reason: "server_error" },
      { verdict: "retry", reason: "rate_limited" },
    ]);
  });

  it("holds on a refused signature or an answer from the wrong place: a configuration fault", () => {
    expect(verdicts([401, 403])).toEqual(Array(2).fill({ verdict: "hold", reason: "unauthorized" }));
    expect(verdicts([301, 404, 405])).toEqual(Array(3).fill({ verdict: "hold", reason: "misconfigured" }));
  });

  it("drops only what the Worker calls malformed", () => {
    expect(verdicts([400, 413])).toEqual([
      { verdict: "drop", reason: "rejected" },
      { verdict: "drop", reason: "too_large" },
    ]);
  });
});

describe("retryDelayMs", () => {
  const policy = { baseMs: 100, capMs: 1_000 };
  it("backs off exponentially from a transient failure", () => {
    expect(retryDelayMs("retry", 1, policy, null, () => 1)).toBe(100);
    expect(retryDelayMs("retry", 3, policy, null, () => 1)).toBe(400);
  });

  it("waits the whole cap from the first configuration fault: waiting does not fix it", () => {
    expect(retryDelayMs("hold", 1, policy, null, () => 1)).toBe(1_000);
    expect(retryDelayMs("hold", 1, policy, null, () => 0)).toBe(500);
  });

  it("honours Retry-After when it asks for longer", () => {
    expect(retryDelayMs("retry", 1, policy, 700, () => 1)).toBe(700);
    expect(retryDelayMs("hold", 1, policy, 200, () => 1)).toBe(1_000);
  });
});

describe("Forwarder", () => {
  it("sends signed batches of at most the ingest limit, each user once, versions increasing", async () => {
    start();
    const users = INGEST_LIMITS.maxDeltas * 2 + 200;
    for (let i = 0; i < users; i++)
      forwarder.add({ userId: userId(i), presence: playing("a") }, performance.now(), null);
    await waitFor("every user delivered", () => receiver.users.size === users);
    // The receiver verifies each signature and parses each batch; none was refused.
    expect(receiver.requests.every((r) => r.status === 200)).toBe(true);
    expect(receiver.batches.length).toBeGreaterThanOrEqual(3);
    expect(Math.max(...receiver.batches.map((b) => b.deltas.length))).toBe(INGEST_LIMITS.maxDeltas);
    const versions = receiver.batches.flatMap((b) => b.deltas.map((d) => d.version));
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
    expect(new Set(versions).size).toBe(versions.length);
    // The receiver applies a batch just before the forwarder reads its answer.
    await waitFor("every delta counted", async () => (await value("deltasSent")) === users);
    expect(await value("batchesSent")).toBe(receiver.batches.length);
  });

  it("shrinks a batch until its body fits the byte limit", async () => {
    start({ maxBodyBytes: 2_000 });
    for (let i = 0; i < 40; i++)
      forwarder.add({ userId: userId(i), presence: playing("x".repeat(100)) }, 0, null);
    await waitFor("every user delivered", () => receiver.users.size === 40);
    expect(receiver.batches.length).toBeGreaterThan(1);
    expect(receiver.count(200)).toBe(receiver.batches.length);
  });

  it("drops a single delta too large for any batch, and sends the others", async () => {
    start({ maxBodyBytes: 1_000 });
    const hold = tracker.hold(0, 3);
    tracker.handled(0, 3);
    forwarder.add({ userId: userId(1), presence: playing("x".repeat(2_000)) }, 0, hold);
    forwarder.add({ userId: userId(2), presence: playing("small") }, 0, null);
    await waitFor("the small one", () => receiver.users.has(userId(2)));
    await waitFor(
      "the large one dropped",
      async () => (await value("deltasDropped", { reason: "too_large" })) === 1,
    );
    expect(receiver.users.has(userId(1))).toBe(false);
    expect(tracker.acknowledged(0)).toBe(3);
  });

  it("keeps a batch refused with 401, one delta per user, until the secret is fixed; loses nothing", async () => {
    // The receiver checks signatures for real: a secret it does not share gets a real 401.
    receiver.secret = "a-different-secret-of-the-right-length-0123";
    start();
    const users = 20;
    for (let round = 0; round < 30; round++) {
      for (let i = 0; i < users; i++) {
        const seq = round * users + i + 1;
        const hold = tracker.hold(0, seq);
        tracker.handled(0, seq);
        forwarder.add({ userId: userId(i), presence: playing(`round ${round}`) }, 0, hold);
      }
      if (round === 0) await waitFor("a refusal", () => receiver.count(401) >= 1);
    }
    await waitFor("two refusals", () => receiver.count(401) >= 2);
    expect(forwarder.bufferedUsers).toBe(users);
    expect(await value("bufferUsers")).toBe(users);
    expect(await value("deltasDropped")).toBe(0);
    expect(await value("batchesFailed", { reason: "unauthorized" })).toBeGreaterThanOrEqual(2);
    expect(await value("ingestBlocked", { reason: "unauthorized" })).toBe(1);
    expect(forwarder.state.last).toMatchObject({ verdict: "hold", reason: "unauthorized" });
    expect(forwarder.state.last?.detail).toContain("HTTP 401");
    // The checkpoint must not pass a delta the Worker has not taken.
    expect(tracker.acknowledged(0)).toBe(0);

    receiver.secret = TEST_SECRET;
    await waitFor("every user's latest state", () =>
      [...Array(users).keys()].every(
        (i) => receiver.users.get(userId(i))?.presence?.activities[0]?.name === "round 29",
      ),
    );
    await waitFor("an empty buffer", () => forwarder.bufferedUsers === 0);
    expect(tracker.acknowledged(0)).toBe(30 * users);
    expect(await value("ingestBlocked", { reason: "unauthorized" })).toBe(0);
    expect(forwarder.state.last?.verdict).toBe("ok");
    expect(receiver.count(200)).toBeGreaterThanOrEqual(1);
  });

  it("keeps a batch answered 404 (the wrong INGEST_URL) as a configuration fault too", async () => {
    start();
    let answer: number | null = 404;
    receiver.override = () => answer;
    forwarder.add({ userId: userId(1), presence: playing("kept") }, 0, null);
    await waitFor("two 404s", () => receiver.count(404) >= 2);
    expect(forwarder.state.last).toMatchObject({ verdict: "hold", reason: "misconfigured" });
    expect(forwarder.bufferedUsers).toBe(1);
    answer = null;
    await waitFor("delivery", () => receiver.users.has(userId(1)));
  });

  it("never follows a redirect with signed batches: it is a configuration fault, held", async () => {
    const elsewhere = await IngestReceiver.start(receiver.secret);
    try {
      start();
      receiver.redirectTo = elsewhere.ingestUrl;
      forwarder.add({ userId: userId(1), presence: playing("kept") }, 0, null);
      await waitFor("two redirects", () => receiver.count(307) >= 2);
      expect(forwarder.state.last).toMatchObject({ verdict: "hold", reason: "misconfigured" });
      expect(elsewhere.requests).toEqual([]);
      receiver.redirectTo = null;
      await waitFor("delivery", () => receiver.users.has(userId(1)));
    } finally {
      await elsewhere.close();
    }
  });

  it("drops and counts a batch refused as malformed (400), releasing its sequences, and carries on", async () => {
    start();
    let refuse = true;
    receiver.override = () => (refuse ? 400 : null);
    const hold = tracker.hold(0, 1);
    tracker.handled(0, 1);
    forwarder.add({ userId: userId(1), presence: playing("lost") }, 0, hold);
    await waitFor("the 400", () => receiver.count(400) === 1);
    await waitFor(
      "the batch counted as rejected",
      async () => (await value("batchesFailed", { reason: "rejected" })) === 1,
    );
    expect(await value("deltasDropped", { reason: "rejected" })).toBe(1);
    // Dropped is final: the sequence is released, so the checkpoint moves past it.
    expect(tracker.acknowledged(0)).toBe(1);
    expect(forwarder.state.last).toMatchObject({ verdict: "drop", reason: "rejected" });
    expect(forwarder.state.dropped).toEqual({ batches: 1, deltas: 1 });
    refuse = false;
    forwarder.add({ userId: userId(2), presence: playing("kept") }, 0, null);
    await waitFor("the next batch", () => receiver.users.has(userId(2)));
    expect(receiver.count(400)).toBe(1);
    expect(receiver.users.has(userId(1))).toBe(false);
    expect(await value("retries")).toBe(0);
    expect(forwarder.state.last?.verdict).toBe("ok");
    expect(forwarder.state.dropped).toEqual({ batches: 1, deltas: 1 });
  });

  it("drops and counts a batch the Worker calls too large (413)", async () => {
    start();
    receiver.override = () => 413;
    forwarder.add({ userId: userId(1), presence: playing("big") }, 0, null);
    forwarder.add({ userId: userId(2), presence: playing("big") }, 0, null);
    await waitFor(
      "the batch dropped",
      async () => (await value("deltasDropped", { reason: "too_large" })) === 2,
    );
    expect(forwarder.state.last).toMatchObject({ verdict: "drop", reason: "too_large" });
    expect(forwarder.bufferedUsers).toBe(0);
  });

  it("retries 5xx and 429 with backoff, holding the sequences until delivered", async () => {
    start();
    let failures = 0;
    receiver.override = () => (failures++ < 4 ? (failures % 2 ? 503 : 429) : null);
    const hold = tracker.hold(0, 7);
    tracker.handled(0, 7);
    forwarder.add({ userId: userId(1), presence: playing("eventually") }, 0, hold);
    await waitFor("delivery after the failures", () => receiver.users.has(userId(1)));
    expect(receiver.count(503)).toBe(2);
    expect(receiver.count(429)).toBe(2);
    expect(await value("retries")).toBe(4);
    expect(await value("batchesFailed", { reason: "server_error" })).toBe(2);
    expect(await value("batchesFailed", { reason: "rate_limited" })).toBe(2);
    await waitFor("the sequence released", () => tracker.acknowledged(0) === 7);
  });

  it("keeps one delta per user while the Worker is away, and converges on the latest state", async () => {
    start();
    const users = 20;
    await receiver.close();
    let maxBuffered = 0;
    for (let round = 0; round < 100; round++) {
      for (let i = 0; i < users; i++)
        forwarder.add({ userId: userId(i), presence: playing(`round ${round}`) }, 0, null);
      maxBuffered = Math.max(maxBuffered, forwarder.bufferedUsers);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await waitFor(
      "a few failed attempts",
      async () => (await value("batchesFailed", { reason: "unreachable" })) >= 2,
    );
    expect(maxBuffered).toBeLessThanOrEqual(users);
    expect(forwarder.bufferedUsers).toBe(users);
    expect(await value("bufferUsers")).toBe(users);
    await receiver.open();
    await waitFor("convergence", () =>
      [...Array(users).keys()].every(
        (i) => receiver.users.get(userId(i))?.presence?.activities[0]?.name === "round 99",
      ),
    );
    await waitFor("an empty buffer", () => forwarder.bufferedUsers === 0);
  });

  it("drains everything on demand, and says when it could not", async () => {
    start({ flushWindowMs: 10_000 });
    forwarder.add({ userId: userId(1), presence: playing("now") }, 0, null);
    expect(await forwarder.drain(10_000)).toBe(true);
    expect(receiver.users.has(userId(1))).toBe(true);
    await receiver.close();
    forwarder.add({ userId: userId(2), presence: playing("never") }, 0, null);
    expect(await forwarder.drain(300)).toBe(false);
    expect(forwarder.bufferedUsers).toBe(1);
  });

  /** A forwarder whose timers are recorded, and a first batch the receiver answers only on `answer()`. */
  function startHeld(flushWindowMs: number) {
    const delays: number[] = [];
    start({
      flushWindowMs,
      setTimer: (callback, ms) => {
        delays.push(ms);
        return setTimeout(callback, ms);
      },
    });
    let answer!: () => void;
    receiver.holdNext = new Promise<void>((resolve) => {
      answer = resolve;
    });
    return { delays, answer: () => answer() };
  }

  it("sends at once when nothing is in flight, and what gathers meanwhile the moment it is answered", async () => {
    const { delays, answer } = startHeld(0);
    forwarder.add({ userId: userId(1), presence: playing("first") }, 0, null);
    await waitFor("the first batch in flight", () => receiver.batches.length === 1);
    // In flight: these wait for its answer, and then leave together in one batch.
    for (let i = 2; i <= 4; i++) forwarder.add({ userId: userId(i), presence: playing("then") }, 0, null);
    expect(delays).toEqual([0]);
    answer();
    await waitFor("every user delivered", () => receiver.users.size === 4);
    expect(receiver.batches.map((b) => b.deltas.length)).toEqual([1, 3]);
    expect(delays).toEqual([0, 0]);
  });

  it("a flush window delays only a batch that finds nothing in flight", async () => {
    const { delays, answer } = startHeld(30);
    forwarder.add({ userId: userId(1), presence: playing("first") }, 0, null);
    await waitFor("the first batch in flight", () => receiver.batches.length === 1);
    forwarder.add({ userId: userId(2), presence: playing("then") }, 0, null);
    answer();
    await waitFor("both delivered", () => receiver.users.size === 2);
    expect(delays).toEqual([30, 0]);
  });

  it("measures forward latency for every delivered delta", async () => {
    start();
    for (let i = 0; i < 5; i++)
      forwarder.add({ userId: userId(i), presence: playing("a") }, performance.now(), null);
    await waitFor("delivery", async () => (await value("deltasSent")) === 5);
    const histogram = await metrics.forwardLatency.get();
    expect(histogram.values.find((v) => v.metricName?.endsWith("_count"))?.value).toBe(5);
  });
});
