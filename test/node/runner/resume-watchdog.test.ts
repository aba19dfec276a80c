import { describe, expect, it } from "vitest";
import type { ShardState } from "../../../gateway-runner/metrics.ts";
import { ResumeWatchdog } from "../../../gateway-runner/resume-watchdog.ts";

const states = (entries: [number, ShardState][]) => new Map(entries);

describe("ResumeWatchdog", () => {
  it("reports a shard resuming in silence for the timeout, once", () => {
    const watchdog = new ResumeWatchdog(1_000);
    expect(
      watchdog.overdue(
        states([
          [0, "resuming"],
          [1, "ready"],
        ]),
        0,
      ),
    ).toEqual([]);
    expect(watchdog.overdue(states([[0, "resuming"]]), 999)).toEqual([]);
    expect(watchdog.overdue(states([[0, "resuming"]]), 1_000)).toEqual([0]);
    // Reported: watched afresh from now if it is still resuming.
    expect(watchdog.overdue(states([[0, "resuming"]]), 1_500)).toEqual([]);
  });

  it("counts anything heard while resuming (a long replay) as an answer", () => {
    const watchdog = new ResumeWatchdog(1_000);
    watchdog.overdue(states([[0, "resuming"]]), 0);
    watchdog.heard(0, 900);
    expect(watchdog.overdue(states([[0, "resuming"]]), 1_800)).toEqual([]);
    expect(watchdog.overdue(states([[0, "resuming"]]), 1_900)).toEqual([0]);
  });

  it("forgets a shard that left resuming, and ignores what it hears when not resuming", () => {
    const watchdog = new ResumeWatchdog(1_000);
    watchdog.overdue(states([[0, "resuming"]]), 0);
    expect(watchdog.overdue(states([[0, "ready"]]), 500)).toEqual([]);
    watchdog.heard(0, 600);
    expect(watchdog.overdue(states([[0, "resuming"]]), 2_000)).toEqual([]);
    expect(watchdog.overdue(states([[0, "resuming"]]), 2_999)).toEqual([]);
    expect(watchdog.overdue(states([[0, "resuming"]]), 3_000)).toEqual([0]);
  });
});
