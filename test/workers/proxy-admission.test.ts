import { describe, expect, it } from "vitest";
import { AdmissionQueue, type Guard } from "../../durable-objects/rest-proxy/admission-queue.ts";
import {
  BUDGET_SLOT_MS,
  BUDGET_WINDOW_MS,
  InvalidBudget,
} from "../../durable-objects/rest-proxy/invalid-budget.ts";
import { RateLimiter } from "../../durable-objects/rest-proxy/limiter.ts";
import type { OnLimit, RateLimitedRoute } from "../../schemas/proxy.ts";

// The queue in front of the limiter, and the invalid-request budget: pure, with a stepped clock.

const route = (channel: string): RateLimitedRoute => ({
  method: "POST",
  bucketRoute: "/channels/:id/messages",
  major: channel,
  kind: "bot",
});
const open: Guard = () => null;

function setup(globalPerSecond = 50) {
  const limiter = new RateLimiter({ globalPerSecond });
  const queue = new AdmissionQueue<string>(limiter);
  const submit = (
    ticket: string,
    r: RateLimitedRoute,
    now: number,
    onLimit: OnLimit = "queue",
    deadline = 60_000,
  ) => queue.submit({ route: r, onLimit, deadline, enqueuedAt: now, ticket }, now, open);
  return { limiter, queue, submit };
}

describe("the admission queue", () => {
  it("serves one route's line in order and lets another route pass a full one", () => {
    const { queue, submit } = setup();
    expect(submit("a1", route("1"), 0)?.ok).toBe(true);
    expect(submit("a2", route("1"), 0)).toBeNull();
    expect(submit("a3", route("1"), 0)).toBeNull();
    expect(submit("b1", route("2"), 0)?.ok).toBe(true);
    expect(queue.waiting).toBe(2);
    // Nothing settled: a1 still holds the unknown route's one slot.
    expect(queue.pump(1, open).settled).toEqual([]);
  });

  it("answers at once in reject mode, with how long the line's head still waits", () => {
    const { submit } = setup(1);
    submit("a1", route("1"), 0);
    const rejected = submit("b1", route("2"), 0, "reject");
    expect(rejected).toEqual({
      ok: false,
      refusal: { kind: "rate_limited", scope: "global", retryAfterMs: 1_000 },
      queuedMs: 0,
    });
  });

  it("times a waiter out at its deadline and never admits it afterwards", () => {
    const { limiter, queue, submit } = setup(1);
    const first = submit("a1", route("1"), 0);
    expect(submit("b1", route("2"), 0, "queue", 500)).toBeNull();
    expect(queue.pump(499, open).wakeAt).toBe(500);
    const { settled } = queue.pump(500, open);
    expect(settled).toEqual([
      { ticket: "b1", answer: { ok: false, refusal: { kind: "proxy_timeout" }, queuedMs: 500 } },
    ]);
    if (first?.ok) limiter.settle(first.permit, route("1"), null, 501);
    expect(queue.pump(2_000, open).settled).toEqual([]);
  });

  it("says proxy_timeout at once when the known wait outlasts the deadline", () => {
    const { queue, limiter, submit } = setup(1);
    const first = submit("a1", route("1"), 0);
    if (first?.ok) limiter.settle(first.permit, route("1"), null, 10);
    // The global slot frees at 1,010; a deadline of 800 cannot be met.
    expect(submit("b1", route("2"), 20, "queue", 800)).toEqual({
      ok: false,
      refusal: { kind: "proxy_timeout" },
      queuedMs: 0,
    });
    expect(queue.waiting).toBe(0);
  });

  it("admits waiters as slots free, oldest line first, reporting how long each waited", () => {
    const { limiter, queue, submit } = setup(1);
    const first = submit("a1", route("1"), 0);
    submit("b1", route("2"), 5);
    submit("c1", route("3"), 6);
    if (first?.ok) limiter.settle(first.permit, route("1"), null, 10);
    expect(queue.pump(10, open).wakeAt).toBe(1_010);
    const { settled } = queue.pump(1_010, open);
    expect(settled.map((s) => [s.ticket, s.answer.ok, s.answer.queuedMs])).toEqual([["b1", true, 1_005]]);
  });

  it("refuses a waiter when a guard (lock, ban, budget) closes while it waits", () => {
    const { queue, submit } = setup(1);
    submit("a1", route("1"), 0);
    submit("b1", route("2"), 0);
    const locked: Guard = () => ({ kind: "locked" });
    expect(queue.pump(1, locked).settled).toEqual([
      { ticket: "b1", answer: { ok: false, refusal: { kind: "locked" }, queuedMs: 1 } },
    ]);
  });
});

describe("the invalid-request budget", () => {
  it("refuses at the budget, not one before, until the oldest answers slide out", () => {
    const budget = new InvalidBudget(3);
    budget.record(0);
    budget.record(BUDGET_SLOT_MS);
    expect(budget.refusedForMs(BUDGET_SLOT_MS)).toBe(0);
    budget.record(2 * BUDGET_SLOT_MS);
    expect(budget.used(2 * BUDGET_SLOT_MS)).toBe(3);
    // The first slot leaves the window once its last moment is ten minutes old.
    const leaves = BUDGET_SLOT_MS + BUDGET_WINDOW_MS;
    expect(budget.refusedForMs(2 * BUDGET_SLOT_MS)).toBe(leaves - 2 * BUDGET_SLOT_MS);
    expect(budget.refusedForMs(leaves - 1)).toBe(1);
    expect(budget.refusedForMs(leaves)).toBe(0);
    expect(budget.used(leaves)).toBe(2);
  });

  it("starts from persisted slots, so a restarted object remembers", () => {
    const budget = new InvalidBudget(2, [[0, 2]]);
    expect(budget.refusedForMs(5)).toBeGreaterThan(0);
  });
});
