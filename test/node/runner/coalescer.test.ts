import { describe, expect, it } from "vitest";
import { Coalescer } from "../../../gateway-runner/coalescer.ts";
import { SequenceTracker } from "../../../gateway-runner/sequence-tracker.ts";
import type { Presence } from "../../../schemas/ingest.ts";

const presence = (status: Presence["status"], game?: string): Presence => ({
  status,
  client_status: {},
  activities: game ? [{ name: game, type: 0 }] : [],
});
const profile = (username: string) => ({
  id: "100000000000000001",
  username,
  discriminator: "0",
  global_name: null,
  avatar: null,
  bot: false,
  public_flags: 0,
  primary_guild: null,
  avatar_decoration_data: null,
});

describe("Coalescer", () => {
  it("keeps the latest of each facet, and facets it was not told about", () => {
    const buffer = new Coalescer();
    buffer.add({ userId: "1", user: profile("ada"), presence: presence("online") }, 0, null);
    buffer.add({ userId: "1", presence: presence("idle", "Celeste") }, 1, null);
    buffer.add({ userId: "1", membership: { joined_at: "2024-01-02T00:00:00.000Z" } }, 2, null);
    buffer.add({ userId: "1", presence: presence("dnd") }, 3, null);
    const [delta] = buffer.take(10);
    expect(delta).toMatchObject({
      userId: "1",
      user: profile("ada"),
      membership: { joined_at: "2024-01-02T00:00:00.000Z" },
      presence: presence("dnd"),
      receivedAt: 0,
    });
  });

  it("lets a later null membership (left every guild) replace a join, and a rejoin replace the null", () => {
    const buffer = new Coalescer();
    buffer.add({ userId: "1", membership: { joined_at: "2024-01-02T00:00:00.000Z" } }, 0, null);
    buffer.add({ userId: "1", membership: null }, 1, null);
    expect(buffer.take(1)[0]!.membership).toBeNull();
    buffer.add({ userId: "1", membership: null }, 2, null);
    buffer.add({ userId: "1", membership: { joined_at: "2025-01-01T00:00:00.000Z" } }, 3, null);
    expect(buffer.take(1)[0]!.membership).toEqual({ joined_at: "2025-01-01T00:00:00.000Z" });
  });

  it("is bounded by users, not events", () => {
    const buffer = new Coalescer();
    for (let i = 0; i < 10_000; i++)
      buffer.add({ userId: String(i % 7), presence: presence("online", `${i}`) }, i, null);
    expect(buffer.size).toBe(7);
    const deltas = buffer.take(100);
    expect(deltas.map((d) => d.presence!.activities[0]!.name)).toEqual([
      "9996",
      "9997",
      "9998",
      "9999",
      "9993",
      "9994",
      "9995",
    ]);
  });

  it("hands users out in the order they started waiting, at most `max` at a time", () => {
    const buffer = new Coalescer();
    for (const id of ["c", "a", "b", "a", "c"])
      buffer.add({ userId: id, presence: presence("online") }, 0, null);
    expect(buffer.take(2).map((d) => d.userId)).toEqual(["c", "a"]);
    expect(buffer.take(2).map((d) => d.userId)).toEqual(["b"]);
    expect(buffer.size).toBe(0);
  });

  it("restores undelivered deltas first in line and underneath newer state", () => {
    const buffer = new Coalescer();
    buffer.add({ userId: "a", user: profile("ada"), presence: presence("online") }, 0, null);
    buffer.add({ userId: "b", presence: presence("online") }, 0, null);
    const inFlight = buffer.take(10);
    buffer.add({ userId: "c", presence: presence("idle") }, 5, null);
    buffer.add({ userId: "a", presence: presence("dnd") }, 6, null);
    buffer.restore(inFlight);
    const deltas = buffer.take(10);
    expect(deltas.map((d) => d.userId)).toEqual(["a", "b", "c"]);
    expect(deltas[0]).toMatchObject({ user: profile("ada"), presence: presence("dnd"), receivedAt: 0 });
    expect(buffer.size).toBe(0);
  });

  it("keeps one hold per shard session, the lowest, and hands back the others to release", () => {
    const tracker = new SequenceTracker();
    tracker.startSession(0, 0);
    tracker.startSession(1, 0);
    const buffer = new Coalescer();
    expect(buffer.add({ userId: "a", presence: presence("online") }, 0, tracker.hold(0, 3))).toEqual([]);
    const spare = buffer.add({ userId: "a", presence: presence("idle") }, 1, tracker.hold(0, 9));
    expect(spare.map((h) => h.seq)).toEqual([9]);
    buffer.add({ userId: "a", presence: presence("dnd") }, 2, tracker.hold(1, 4));
    for (const hold of spare) tracker.release(hold);
    tracker.handled(0, 10);
    tracker.handled(1, 10);
    expect(tracker.acknowledged(0)).toBe(2);
    const [delta] = buffer.take(1);
    expect(delta!.holds.map((h) => [h.shardId, h.seq])).toEqual([
      [0, 3],
      [1, 4],
    ]);
    for (const hold of delta!.holds) tracker.release(hold);
    expect(tracker.acknowledged(0)).toBe(10);
    expect(tracker.acknowledged(1)).toBe(10);
  });
});
