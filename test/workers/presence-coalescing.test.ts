import { describe, expect, it } from "vitest";
import { InFlightReads } from "../../workers/in-flight-reads.ts";
import { get, ingest, joined, nextVersion } from "./helpers.ts";

/** Concurrent cache misses for one user share one object call; a change is never hidden by one. */

const marks = (responses: Response[]) => responses.map((res) => res.headers.get("x-porchlight-cache"));
const count = (list: (string | null)[], value: string) => list.filter((mark) => mark === value).length;

describe("concurrent misses", () => {
  it("32 readers of an uncached user cost one object read", async () => {
    const id = "200000000000000401";
    await ingest([joined(id, "vic", "dnd")]);
    const responses = await Promise.all(Array.from({ length: 32 }, () => get(`/api/v1/users/${id}`)));
    const seen = marks(responses);
    expect(count(seen, "miss")).toBe(1);
    expect(count(seen, "miss") + count(seen, "coalesced") + count(seen, "hit")).toBe(32);
    expect(count(seen, "coalesced")).toBeGreaterThan(0);
    const bodies = await Promise.all(responses.map(async (res) => (await res.json()) as { status: string }));
    expect(bodies.every((body) => body.status === "dnd")).toBe(true);
  });

  it("readers in both dialects share the read; each gets its own dialect", async () => {
    const id = "200000000000000402";
    await ingest([joined(id, "wes")]);
    const [lantern, lanyard] = await Promise.all([get(`/api/v1/users/${id}`), get(`/v1/users/${id}`)]);
    expect(marks([lantern!, lanyard!]).sort()).toEqual(["coalesced", "miss"]);
    expect(await lantern!.json()).toMatchObject({ metadata: { username: "wes" } });
    expect(await lanyard!.json()).toMatchObject({
      success: true,
      data: { discord_user: { username: "wes" } },
    });
  });

  it("a change while reads are in flight: every read after it shows the change, and so does the cache", async () => {
    const id = "200000000000000403";
    await ingest([joined(id, "xan", "online")]);
    await get(`/api/v1/users/${id}`); // served, so the change below is purged
    for (let round = 0; round < 5; round++) {
      const status = round % 2 === 0 ? "dnd" : "idle";
      const before = Promise.all(Array.from({ length: 8 }, () => get(`/api/v1/users/${id}`)));
      const change = await ingest([
        { user_id: id, version: nextVersion(), presence: { status, client_status: {}, activities: [] } },
      ]);
      expect(change.status).toBe(200);
      const after = await Promise.all(Array.from({ length: 8 }, () => get(`/api/v1/users/${id}`)));
      const statuses = await Promise.all(
        after.map(async (res) => ((await res.json()) as { status: string }).status),
      );
      expect(statuses).toEqual(Array(8).fill(status));
      await before;
      // The reads begun before the change may have finished after it: none of them was stored.
      await new Promise((resolve) => setTimeout(resolve, 50));
      const later = (await (await get(`/api/v1/users/${id}`)).json()) as { status: string };
      expect(later.status).toBe(status);
    }
  });

  it("a failing read fails its followers too, and is not kept", async () => {
    const reads = new InFlightReads<number>();
    let fail!: (error: Error) => void;
    const value = new Promise<number>((_, reject) => {
      fail = reject;
    });
    reads.lead("a", value);
    const follower = reads.join("a")!;
    fail(new Error("object down"));
    await expect(follower).rejects.toThrow("object down");
    await Promise.resolve();
    expect(reads.join("a")).toBeUndefined();
    expect(reads.size).toBe(0);
  });
});

describe("InFlightReads", () => {
  it("a purge supersedes the read in flight: later readers start their own, and its answer is not stored", async () => {
    const reads = new InFlightReads<string>();
    let finish!: (value: string) => void;
    const first = reads.lead(
      "u",
      new Promise<string>((resolve) => {
        finish = resolve;
      }),
    );
    expect(reads.join("u")).toBeDefined();
    reads.supersede("u");
    expect(reads.join("u")).toBeUndefined();
    let finishSecond!: (value: string) => void;
    const second = reads.lead(
      "u",
      new Promise<string>((resolve) => {
        finishSecond = resolve;
      }),
    );
    finish("old");
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(first.stillCurrent()).toBe(false);
    // The superseded read settling does not forget the read that replaced it.
    const joined = reads.join("u");
    expect(joined).toBeDefined();
    finishSecond("new");
    expect(await joined).toBe("new");
    expect(second.stillCurrent()).toBe(true);
  });
});
