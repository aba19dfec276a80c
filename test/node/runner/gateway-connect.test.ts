import { afterEach, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "./helpers/harness.ts";
import { waitFor } from "./helpers/wait.ts";

// How the runner's shards connect: a RESUME nobody answers, and SHARD_COUNT=auto with Discord's
// identify buckets (shard_id % max_concurrency, one IDENTIFY per bucket per 5 s).

const harnesses: Harness[] = [];
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.close();
});

describe("runner shards", () => {
  it("falls back to IDENTIFY when a RESUME gets no answer within RESUME_TIMEOUT_MS", {
    timeout: 30_000,
  }, async () => {
    const first = await startHarness({ env: { RESUME_TIMEOUT_MS: "1000" } });
    harnesses.push(first);
    await first.runner.connected;
    // Stopped cleanly, the session is left resumable in the file store...
    await first.runner.shutdown();
    // ...but this gateway reads RESUME and says nothing, as some emulators and proxies do.
    first.emulator.config.ignoreResume = true;
    const { startRunner } = await import("../../../gateway-runner/runner.ts");
    const { createLogger } = await import("../../../gateway-runner/log.ts");
    const lines: string[] = [];
    const log = createLogger("warn", (line) => lines.push(line));
    const startedAt = performance.now();
    const second = await startRunner(first.config, { log });
    try {
      await second.connected;
      await waitFor("a new session", () => first.emulator.gateway.counters().identifies === 2);
      const waited = performance.now() - startedAt;
      expect(first.emulator.gateway.counters()).toMatchObject({ resumes: 1, resumes_ignored: 1, resumed: 0 });
      expect(waited).toBeGreaterThanOrEqual(1_000);
      expect(lines.some((line) => line.includes("RESUME unanswered"))).toBe(true);
      await waitFor("healthy", async () => (await second.health()).healthy);
    } finally {
      await second.shutdown();
    }
  });

  it("reads SHARD_COUNT=auto from GET /gateway/bot and identifies in max_concurrency buckets", {
    timeout: 30_000,
  }, async () => {
    const h = await startHarness({
      emulator: { recommendedShards: 4, maxConcurrency: 2, identifyIntervalMs: 5_000 },
      env: { SHARD_COUNT: "auto" },
    });
    harnesses.push(h);
    await h.runner.connected;
    const sessions = h.emulator.gateway.shards().sort((a, b) => a.shard_id - b.shard_id);
    expect(sessions.map((s) => [s.shard_id, s.shard_count])).toEqual([
      [0, 4],
      [1, 4],
      [2, 4],
      [3, 4],
    ]);
    const at = sessions.map((s) => s.identified_at);
    // Buckets 0 and 1 open together; each bucket's second shard waits its 5 s; Discord refused none.
    expect(Math.abs(at[1]! - at[0]!)).toBeLessThan(1_000);
    expect(at[2]! - at[0]!).toBeGreaterThanOrEqual(5_000);
    expect(at[3]! - at[1]!).toBeGreaterThanOrEqual(5_000);
    expect(h.emulator.gateway.counters().identifies_throttled).toBe(0);
    expect((await h.runner.health()).body.shards).toEqual({ 0: "ready", 1: "ready", 2: "ready", 3: "ready" });
  });
});
