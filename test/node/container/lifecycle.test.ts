import { describe, expect, it } from "vitest";
import { runnerStep, settingsDigest } from "../../../workers/runner-lifecycle.ts";

/** What the cron trigger does to the runner's container (workers/runner-lifecycle.ts). */

describe("the cron trigger's step", () => {
  const current = "b".repeat(64);
  const older = "a".repeat(64);

  it("starts a runner that is not running, whatever it last ran with", () => {
    for (const startedWith of [undefined, older, current]) {
      expect(runnerStep({ running: false, startedWith, stoppingFor: undefined, current })).toBe("start");
    }
  });

  it("leaves a runner started with the current settings alone", () => {
    expect(runnerStep({ running: true, startedWith: current, stoppingFor: older, current })).toBe("keep");
  });

  it("stops one started with other settings, or before they were recorded, once", () => {
    expect(runnerStep({ running: true, startedWith: older, stoppingFor: undefined, current })).toBe("stop");
    expect(runnerStep({ running: true, startedWith: undefined, stoppingFor: undefined, current })).toBe(
      "stop",
    );
    expect(runnerStep({ running: true, startedWith: older, stoppingFor: current, current })).toBe("wait");
    // Changed again while the first stop was under way: these settings have had no SIGTERM yet.
    expect(runnerStep({ running: true, startedWith: older, stoppingFor: "c".repeat(64), current })).toBe(
      "stop",
    );
  });
});

describe("settings digests", () => {
  it("tell any change of a name or a value apart, and ignore the order", async () => {
    const base = await settingsDigest({ A: "1", B: "2" });
    expect(await settingsDigest({ B: "2", A: "1" })).toBe(base);
    expect(await settingsDigest({ A: "1", B: "3" })).not.toBe(base);
    expect(await settingsDigest({ A: "1", C: "2" })).not.toBe(base);
    expect(await settingsDigest({ A: "1" })).not.toBe(base);
    expect(base).toMatch(/^[0-9a-f]{64}$/);
  });
});
