import { describe, expect, it } from "vitest";
import { SequenceTracker } from "../../../gateway-runner/sequence-tracker.ts";

describe("SequenceTracker", () => {
  it("knows nothing of a shard without a session", () => {
    const tracker = new SequenceTracker();
    expect(tracker.acknowledged(0)).toBeNull();
    expect(tracker.hold(0, 5)).toBeNull();
  });

  it("acknowledges everything handled when nothing is held", () => {
    const tracker = new SequenceTracker();
    tracker.startSession(0, 0);
    for (let seq = 1; seq <= 7; seq++) tracker.handled(0, seq);
    expect(tracker.acknowledged(0)).toBe(7);
  });

  it("stays one before the lowest sequence still held, whatever order acks come in", () => {
    const tracker = new SequenceTracker();
    tracker.startSession(0, 0);
    const holds = [3, 5, 8].map((seq) => tracker.hold(0, seq)!);
    for (let seq = 1; seq <= 10; seq++) tracker.handled(0, seq);
    expect(tracker.acknowledged(0)).toBe(2);
    tracker.release(holds[2]!); // 8 acked first
    expect(tracker.acknowledged(0)).toBe(2);
    tracker.release(holds[0]!); // then 3
    expect(tracker.acknowledged(0)).toBe(4);
    tracker.release(holds[1]!);
    expect(tracker.acknowledged(0)).toBe(10);
  });

  it("holds a sequence until every delta holding it is released", () => {
    const tracker = new SequenceTracker();
    tracker.startSession(0, 0);
    const a = tracker.hold(0, 4)!;
    const b = tracker.hold(0, 4)!;
    tracker.handled(0, 4);
    tracker.release(a);
    expect(tracker.acknowledged(0)).toBe(3);
    tracker.release(b);
    expect(tracker.acknowledged(0)).toBe(4);
  });

  it("never acknowledges past what was handled, even with a hold further on", () => {
    const tracker = new SequenceTracker();
    tracker.startSession(0, 0);
    tracker.hold(0, 9);
    tracker.handled(0, 6);
    expect(tracker.acknowledged(0)).toBe(6);
  });

  it("starts from the stored sequence when a session is loaded", () => {
    const tracker = new SequenceTracker();
    tracker.startSession(1, 120);
    expect(tracker.acknowledged(1)).toBe(120);
    const hold = tracker.hold(1, 121)!;
    tracker.handled(1, 121);
    expect(tracker.acknowledged(1)).toBe(120);
    tracker.release(hold);
    expect(tracker.acknowledged(1)).toBe(121);
  });

  it("ignores releases from a session that has ended", () => {
    const tracker = new SequenceTracker();
    tracker.startSession(0, 0);
    const old = tracker.hold(0, 50)!;
    tracker.startSession(0, 0); // READY of a new session
    const fresh = tracker.hold(0, 2)!;
    tracker.handled(0, 3);
    tracker.release(old);
    expect(tracker.acknowledged(0)).toBe(1);
    tracker.release(fresh);
    expect(tracker.acknowledged(0)).toBe(3);
  });

  it("tracks shards apart", () => {
    const tracker = new SequenceTracker();
    tracker.startSession(0, 0);
    tracker.startSession(1, 0);
    tracker.hold(0, 2);
    tracker.handled(0, 5);
    tracker.handled(1, 5);
    expect(tracker.acknowledged(0)).toBe(1);
    expect(tracker.acknowledged(1)).toBe(5);
    tracker.endSession(1);
    expect(tracker.acknowledged(1)).toBeNull();
  });
});
