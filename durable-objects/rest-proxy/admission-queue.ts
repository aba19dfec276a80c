import type { AcquireAnswer, OnLimit, RateLimitedRoute, Refusal } from "../../schemas/proxy.ts";
import type { LimitScope } from "./answers.ts";
import type { RateLimiter } from "./limiter.ts";

/**
 * Requests waiting for Discord's limits, in order. Each route and major parameter keeps its own
 * line (a full channel never holds up another channel), and lines are served oldest head first,
 * so the global limit is shared in arrival order. Pure: the owner resolves what `pump` settles and
 * sets one timer for `wakeAt`.
 */

export interface Waiter<T> {
  route: RateLimitedRoute;
  onLimit: OnLimit;
  deadline: number;
  enqueuedAt: number;
  /** The owner's handle (a promise's resolve), returned with the answer. */
  ticket: T;
}

interface Queued<T> extends Waiter<T> {
  seq: number;
}

/** A refusal that is not about rate limits (lock, ban, budget), or null to go on. */
export type Guard = (route: RateLimitedRoute, now: number) => Refusal | null;

export interface Settled<T> {
  ticket: T;
  answer: AcquireAnswer;
}

/** A permit's lease outlives its caller's deadline by this, to cover the answer's way back. */
export const LEASE_GRACE_MS = 5_000;

export class AdmissionQueue<T> {
  readonly #limiter: RateLimiter;
  readonly #lines = new Map<string, Queued<T>[]>();
  #seq = 0;
  #waiting = 0;

  constructor(limiter: RateLimiter) {
    this.#limiter = limiter;
  }

  get waiting(): number {
    return this.#waiting;
  }

  /** An answer at once, or null when the waiter joined its line (pump will answer it). */
  submit(waiter: Waiter<T>, now: number, guard: Guard): AcquireAnswer | null {
    const key = lineKey(waiter.route);
    const line = this.#lines.get(key);
    if (line && line.length > 0) {
      // Someone is already waiting on this route: a rejecting caller is told now, a queueing one lines up.
      if (waiter.onLimit === "reject") return this.#refuseBehind(line[0]!, now);
      line.push({ ...waiter, seq: this.#seq++ });
      this.#waiting += 1;
      return null;
    }
    const tried = this.#try(waiter, now, guard);
    if ("answer" in tried) return tried.answer;
    this.#lines.set(key, [{ ...waiter, seq: this.#seq++ }]);
    this.#waiting += 1;
    return null;
  }

  /** Admits, refuses or times out whoever can be answered at `now`; wakeAt is when to pump next. */
  pump(now: number, guard: Guard): { settled: Settled<T>[]; wakeAt: number | null } {
    const settled: Settled<T>[] = [];
    let wakeAt: number | null = null;
    const wake = (at: number | null) => {
      if (at !== null && (wakeAt === null || at < wakeAt)) wakeAt = at;
    };
    const heads = [...this.#lines.entries()].sort(([, a], [, b]) => a[0]!.seq - b[0]!.seq);
    for (const [key, line] of heads) {
      while (line.length > 0) {
        const head = line[0]!;
        const tried = this.#try(head, now, guard);
        if (!("answer" in tried)) {
          // Null: it waits for a request in flight to settle, which pumps; the deadline still bounds it.
          wake(Math.min(head.deadline, tried.until ?? head.deadline));
          break;
        }
        line.shift();
        this.#waiting -= 1;
        settled.push({ ticket: head.ticket, answer: tried.answer });
      }
      if (line.length === 0) this.#lines.delete(key);
    }
    wake(this.#limiter.nextLeaseExpiry());
    return { settled, wakeAt };
  }

  /** An answer for `waiter` now (admitted or refused), or when to try again (null: after a settle). */
  #try(waiter: Waiter<T>, now: number, guard: Guard): { answer: AcquireAnswer } | { until: number | null } {
    const queuedMs = now - waiter.enqueuedAt;
    const refuse = (refusal: Refusal) => ({ answer: { ok: false as const, refusal, queuedMs } });
    if (waiter.deadline <= now) return refuse({ kind: "proxy_timeout" });
    const refusal = guard(waiter.route, now);
    if (refusal) return refuse(refusal);
    const admission = this.#limiter.admit(waiter.route, now, waiter.deadline + LEASE_GRACE_MS);
    if (admission.go) return { answer: { ok: true, permit: admission.permit, queuedMs } };
    if (waiter.onLimit === "reject") return refuse(rateLimited(admission.scope, admission.until, now));
    // Known to outlast the deadline: say so now rather than hold the caller until it passes.
    if (admission.until !== null && admission.until > waiter.deadline)
      return refuse({ kind: "proxy_timeout" });
    return { until: admission.until };
  }

  /** A rejecting caller behind a line is told how long the line's head still waits. */
  #refuseBehind(head: Queued<T>, now: number): AcquireAnswer {
    const wait = this.#limiter.wait(head.route, now);
    return { ok: false, refusal: rateLimited(wait?.scope ?? "user", wait?.until ?? null, now), queuedMs: 0 };
  }
}

/** Unknown waits (a request in flight must settle first) are reported as one second, as Discord's shortest windows. */
function rateLimited(scope: LimitScope, until: number | null, now: number): Refusal {
  return { kind: "rate_limited", scope, retryAfterMs: until === null ? 1_000 : Math.max(0, until - now) };
}

function lineKey(route: RateLimitedRoute): string {
  return `${route.method} ${route.bucketRoute}:${route.major}`;
}
