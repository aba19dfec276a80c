import { describe, expect, it } from "vitest";
import type { HubChange } from "../../durable-objects/socket-hub/index.ts";
import type { SocketSession } from "../../durable-objects/socket-hub/protocol.ts";
import { SocketIndex } from "../../durable-objects/socket-hub/socket-index.ts";
import { changesByHub, deliveryParts } from "../../workers/hub-fanout.ts";

const session = (subscription: SocketSession["subscription"]): SocketSession => ({
  dialect: "lantern",
  subscription,
  compress: false,
  connectedAt: 0,
  lastFrameAt: 0,
  windowStart: 0,
  windowCount: 0,
  closed: false,
});
const ids = (...list: string[]) => session({ kind: "ids", ids: list });

describe("SocketIndex", () => {
  it("finds a user's audience: sockets subscribed to the id, then All sockets", () => {
    const index = new SocketIndex<string>();
    index.set("a", ids("1", "2"));
    index.set("b", ids("2"));
    index.set("c", session({ kind: "all" }));
    index.set("d", session({ kind: "none" }));
    expect(index.audience("2").map(([key]) => key)).toEqual(["a", "b", "c"]);
    expect(index.audience("1").map(([key]) => key)).toEqual(["a", "c"]);
    expect(index.audience("3").map(([key]) => key)).toEqual(["c"]);
    expect([index.size, index.allCount, index.watchedCount]).toEqual([4, 1, 2]);
  });

  it("re-indexes a socket whose subscription changed, and forgets a deleted one", () => {
    const index = new SocketIndex<string>();
    index.set("a", ids("1", "2"));
    index.set("a", ids("2"));
    expect(index.watches("1")).toBe(false);
    expect(index.watches("2")).toBe(true);
    index.set("a", session({ kind: "all" }));
    expect(index.watches("2")).toBe(false);
    expect(index.allCount).toBe(1);
    index.delete("a");
    expect([index.size, index.allCount, index.watchedCount]).toEqual([0, 0, 0]);
    expect(index.audience("2")).toEqual([]);
  });
});

describe("changesByHub", () => {
  const change = (user_id: string) => ({ user_id, kind: "presence" as const, version: 1, snapshot: null });

  it("sends each change to its watchers and to every All hub, once per hub, in batch order", () => {
    const byHub = changesByHub(
      [
        { change: change("1"), watchers: ["hub-0", "hub-1"] },
        { change: null, watchers: ["hub-0"] },
        { change: change("2"), watchers: [] },
        { change: change("3"), watchers: ["hub-1"] },
      ],
      ["hub-1", "hub-2"],
    );
    const summary = Object.fromEntries(
      [...byHub].map(([hub, list]) => [hub, list.map((c) => `${c.change.user_id}${c.watched ? "w" : "a"}`)]),
    );
    expect(summary).toEqual({
      "hub-0": ["1w"],
      "hub-1": ["1w", "2a", "3w"],
      "hub-2": ["1a", "2a", "3a"],
    });
  });

  it("has nothing to send when nothing changed", () => {
    expect(changesByHub([{ change: null, watchers: ["hub-0"] }], ["hub-1"]).size).toBe(0);
  });
});

describe("deliveryParts", () => {
  const withStorage = (user_id: string, chars: number): HubChange => ({
    watched: true,
    change: {
      user_id,
      kind: "storage",
      version: 1,
      snapshot: { version: 1, lantern: { storage: { k: "x".repeat(chars) } }, lanyard: {} } as never,
    },
  });

  it("keeps small batches in one call and splits big users over several, in order", () => {
    const small = ["1", "2", "3"].map((id) => withStorage(id, 10));
    expect(deliveryParts(small)).toEqual([small]);
    const big = ["1", "2", "3", "4"].map((id) => withStorage(id, 3_000_000)); // ~6 MB each
    const parts = deliveryParts(big);
    expect(parts.map((part) => part.map((entry) => entry.change.user_id))).toEqual([
      ["1"],
      ["2"],
      ["3"],
      ["4"],
    ]);
    // A change bigger than the budget still goes, alone.
    expect(deliveryParts([withStorage("9", 10_000_000)], 1024)).toHaveLength(1);
  });
});
