import { describe, expect, it } from "vitest";
import { backoffDelay, retryAfterMs } from "../../../gateway-runner/backoff.ts";

const policy = { baseMs: 100, capMs: 1_000 };

describe("backoffDelay", () => {
  it("doubles from the base, between half and all of the ceiling", () => {
    expect(backoffDelay(1, policy, () => 0)).toBe(50);
    expect(backoffDelay(1, policy, () => 1)).toBe(100);
    expect(backoffDelay(2, policy, () => 1)).toBe(200);
    expect(backoffDelay(3, policy, () => 0.5)).toBe(300);
  });

  it("stops at the cap, however many attempts", () => {
    expect(backoffDelay(4, policy, () => 1)).toBe(800);
    expect(backoffDelay(5, policy, () => 1)).toBe(1_000);
    expect(backoffDelay(5, policy, () => 0)).toBe(500);
    expect(backoffDelay(10_000, policy, () => 1)).toBe(1_000);
  });

  it("jitters: random draws give different delays", () => {
    const delays = new Set([0.1, 0.4, 0.9].map((r) => backoffDelay(3, policy, () => r)));
    expect(delays.size).toBe(3);
  });
});

describe("retryAfterMs", () => {
  it("reads seconds and HTTP dates, within the cap", () => {
    expect(retryAfterMs("2", 10_000)).toBe(2_000);
    expect(retryAfterMs("0.5", 10_000)).toBe(500);
    expect(retryAfterMs("60", 10_000)).toBe(10_000);
    expect(retryAfterMs(new Date(5_000).toUTCString(), 10_000, 2_000)).toBe(3_000);
  });

  it("is null when absent or unreadable, and never negative", () => {
    expect(retryAfterMs(null, 10_000)).toBeNull();
    expect(retryAfterMs("", 10_000)).toBeNull();
    expect(retryAfterMs("soon", 10_000)).toBeNull();
    expect(retryAfterMs("-3", 10_000)).toBe(0);
  });
});
