import { describe, expect, it } from "vitest";
import { VersionClock } from "../../../gateway-runner/version-clock.ts";

describe("VersionClock", () => {
  it("is the wall clock in ms × 1000 when time moves on", () => {
    let now = 1_700_000_000_000;
    const clock = new VersionClock(() => now);
    expect(clock.next()).toBe(1_700_000_000_000_000);
    now += 1;
    expect(clock.next()).toBe(1_700_000_000_001_000);
  });

  it("counts up within one millisecond, and past it without going back", () => {
    const clock = new VersionClock(() => 1_000);
    const versions = Array.from({ length: 2_500 }, () => clock.next());
    expect(versions[0]).toBe(1_000_000);
    for (let i = 1; i < versions.length; i++) expect(versions[i]).toBe(versions[i - 1]! + 1);
  });

  it("never goes backwards when the wall clock is stepped back", () => {
    let now = 5_000;
    const clock = new VersionClock(() => now);
    const before = clock.next();
    now = 4_000;
    const after = clock.next();
    expect(after).toBeGreaterThan(before);
  });

  it("keeps increasing across a restart: a new process starts above the old one's versions", () => {
    let now = 10_000;
    const first = new VersionClock(() => now);
    let last = 0;
    for (let i = 0; i < 999; i++) last = first.next();
    now += 1; // the restart takes at least a millisecond
    expect(new VersionClock(() => now).next()).toBeGreaterThan(last);
  });

  it("stays a safe integer for centuries", () => {
    const clock = new VersionClock(() => Date.UTC(2200, 0, 1));
    expect(Number.isSafeInteger(clock.next())).toBe(true);
  });
});
