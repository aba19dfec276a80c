import type { RateLimitedRoute } from "../../schemas/proxy.ts";
import type { LearnedAnswer, LimitScope } from "./answers.ts";
import { DiscordClock } from "./discord-clock.ts";
import { bucketRouteKey, carriesOwnToken } from "./routes.ts";

/**
 * One bot's view of Discord's rate limits: the global limit, every bucket learned from
 * X-RateLimit-Bucket, and what a 429 said. Pure and synchronous (time comes in as `now`), so the
 * object that owns it (index.ts) only queues, sleeps and persists.
 *
 * The rule behind every number here: a slot is free only once Discord can no longer count it
 * against the window. Discord counts a request when it arrives, which the proxy never sees; it
 * sees when the answer came back, which is later. So the global limit frees a slot one second
 * after the answer (not after the send: two sends a second apart can arrive closer together), and
 * a bucket's reset is reckoned from the answer's arrival, which is later than Discord's own, or
 * from Discord's own clock where a bound on its offset from ours places it sooner but never early
 * (discord-clock.ts).
 */

/** A request may go now, holding `permit` until it is settled (or its lease runs out). */
export type Admission =
  | { go: true; permit: number }
  /** Not now. `until` is when to ask again; null means "when some request in flight settles". */
  | { go: false; scope: LimitScope; until: number | null };

interface Bucket {
  limit: number;
  remaining: number;
  /** When the window resets; Infinity after a local refill, until an answer says. */
  resetAt: number;
  /** The first permit of the current window here: answers to earlier permits describe an older one. */
  windowFrom: number;
  /** The latest permits sent on this bucket, oldest first (a few windows' worth): see #spentBesides. */
  sends: number[];
  /** The longest Reset-After seen: about the window's length, since a window's first answer says it. */
  windowMs: number;
  inFlight: number;
  /** A 429 (user or shared) holds the bucket shut until then. */
  blockedUntil: number;
  blockScope: LimitScope;
}

interface BucketKey {
  key: string;
  /** The learned bucket id; null while the route is unknown. */
  id: string | null;
}

interface Permit {
  bucketKey: string | null;
  global: boolean;
  grantedAt: number;
  expiresAt: number;
}

export interface LimiterOptions {
  globalPerSecond: number;
}

/** Discord's global window. */
const GLOBAL_WINDOW_MS = 1_000;
/** An answer resetting later than ours by more than this (and half a window) comes from a newer window. */
const NEW_WINDOW_SLACK_MS = 50;
/** Permits remembered per bucket beyond twice its limit. */
const SENDS_KEPT_BEYOND_LIMIT = 16;
/** Bounds on remembered routes and idle buckets; each is a few dozen bytes. */
const MAX_ROUTES = 10_000;
const MAX_BUCKETS = 20_000;
/** A route that answered without bucket headers has no per-route limit. */
const NO_BUCKET = "";

export class RateLimiter {
  readonly #globalPerSecond: number;
  #globalInFlight = 0;
  /** When each recently settled global slot frees, ascending. */
  readonly #globalFrees: number[] = [];
  #globalBlockedUntil = 0;
  /** `${method} ${bucketRoute}` → the bucket id learned for it (a hash, a split hash, or NO_BUCKET). */
  readonly #routes = new Map<string, string>();
  /** Bucket id → its limit. A route whose hash is known with another limit gets an id of its own. */
  readonly #limits = new Map<string, number>();
  /** `${bucketId}:${major}` (or `?${route}:${major}` while unknown) → its state. */
  readonly #buckets = new Map<string, Bucket>();
  readonly #permits = new Map<number, Permit>();
  #nextPermit = 1;
  readonly #discordClock = new DiscordClock();

  constructor(options: LimiterOptions) {
    this.#globalPerSecond = options.globalPerSecond;
  }

  /** Whether `route` may be sent at `now`; a permit lasts until settled or `leaseUntil`. */
  admit(route: RateLimitedRoute, now: number, leaseUntil: number): Admission {
    const wait = this.wait(route, now);
    if (wait) return { go: false, ...wait };
    const global = !carriesOwnToken(route.kind);
    const key = this.#bucketKey(route);
    if (key !== null) {
      const bucket = this.#bucketFor(key, now);
      bucket.remaining -= 1;
      bucket.inFlight += 1;
      bucket.sends.push(this.#nextPermit);
      if (bucket.sends.length > 2 * bucket.limit + SENDS_KEPT_BEYOND_LIMIT) bucket.sends.shift();
    }
    if (global) this.#globalInFlight += 1;
    const permit = this.#nextPermit++;
    this.#permits.set(permit, { bucketKey: key?.key ?? null, global, grantedAt: now, expiresAt: leaseUntil });
    return { go: true, permit };
  }

  /** Why `route` may not be sent at `now`, or null when it may; takes nothing. */
  wait(route: RateLimitedRoute, now: number): { scope: LimitScope; until: number | null } | null {
    this.#expireLeases(now);
    if (!carriesOwnToken(route.kind)) {
      const until = this.#globalWait(now);
      if (until !== undefined) return { scope: "global", until };
    }
    const key = this.#bucketKey(route);
    return key === null ? null : bucketWait(this.#bucketFor(key, now), now, this.#nextPermit);
  }

  /** What Discord answered to a permitted request; null when it never answered. */
  settle(permit: number, route: RateLimitedRoute, answer: LearnedAnswer | null, now: number): void {
    const held = this.#permits.get(permit);
    if (!held) return;
    this.#release(permit, held, now);
    if (!answer) return;
    const routeKey = bucketRouteKey(route);
    if (answer.bucket) this.#learnBucket(routeKey, route, answer.bucket, permit, held.grantedAt, now);
    else if (answer.status < 400 && held.bucketKey?.startsWith("?")) this.#remember(routeKey, NO_BUCKET);
    if (answer.limited) this.#obey(route, answer.limited, now);
  }

  /** The earliest lease that runs out, so the owner can wake and free it. */
  nextLeaseExpiry(): number | null {
    let earliest: number | null = null;
    for (const permit of this.#permits.values())
      if (earliest === null || permit.expiresAt < earliest) earliest = permit.expiresAt;
    return earliest;
  }

  get inFlight(): number {
    return this.#permits.size;
  }

  get bucketCount(): number {
    return this.#buckets.size;
  }

  #globalWait(now: number): number | null | undefined {
    if (this.#globalBlockedUntil > now) return this.#globalBlockedUntil;
    while (this.#globalFrees.length > 0 && this.#globalFrees[0]! <= now) this.#globalFrees.shift();
    if (this.#globalInFlight + this.#globalFrees.length < this.#globalPerSecond) return undefined;
    return this.#globalFrees[0] ?? null;
  }

  /** The state's key: `${bucketId}:${major}`, or `?${route}:${major}` while the route's bucket is unknown. */
  #bucketKey(route: RateLimitedRoute): BucketKey | null {
    const id = this.#routes.get(bucketRouteKey(route));
    if (id === NO_BUCKET) return null;
    return id === undefined
      ? { key: `?${bucketRouteKey(route)}:${route.major}`, id: null }
      : { key: `${id}:${route.major}`, id };
  }

  #bucketFor({ key, id }: BucketKey, now: number): Bucket {
    let bucket = this.#buckets.get(key);
    if (!bucket) {
      if (this.#buckets.size >= MAX_BUCKETS) this.#sweepBuckets(now);
      // An unknown route sends one request at a time until the first answer names its bucket.
      const limit = (id !== null && this.#limits.get(id)) || 1;
      bucket = {
        limit,
        remaining: limit,
        resetAt: Infinity,
        windowFrom: this.#nextPermit,
        sends: [],
        windowMs: 0,
        inFlight: 0,
        blockedUntil: 0,
        blockScope: "user",
      };
      this.#buckets.set(key, bucket);
    }
    return bucket;
  }

  #release(permit: number, held: Permit, now: number): void {
    this.#permits.delete(permit);
    if (held.global) {
      this.#globalInFlight -= 1;
      this.#globalFrees.push(now + GLOBAL_WINDOW_MS);
    }
    if (held.bucketKey === null) return;
    const bucket = this.#buckets.get(held.bucketKey);
    if (!bucket) return;
    bucket.inFlight -= 1;
    // An unknown route's one slot comes back whatever the answer; its first answer may teach it.
    if (held.bucketKey.startsWith("?")) {
      bucket.remaining = 1;
      if (bucket.inFlight === 0 && bucket.blockedUntil <= now) this.#buckets.delete(held.bucketKey);
    }
  }

  #learnBucket(
    routeKey: string,
    route: RateLimitedRoute,
    learned: NonNullable<LearnedAnswer["bucket"]>,
    permit: number,
    sentAt: number,
    now: number,
  ): void {
    // The same hash has been seen on routes with different limits (discord-api-docs #8073), so a
    // hash is a hint: routes share state only while their limits agree.
    const first = this.#limits.get(learned.hash);
    const id = first === undefined || first === learned.limit ? learned.hash : `${learned.hash}~${routeKey}`;
    this.#limits.set(id, learned.limit);
    this.#remember(routeKey, id);
    this.#adoptUnknown(routeKey, id, now);
    const key = `${id}:${route.major}`;
    const resetAt = this.#resetOf(learned, sentAt, now);
    const bucket = this.#buckets.get(key);
    if (!bucket) {
      // An unknown route sends one request per major at a time, and this one is answered: nothing
      // else is in flight on this major, so Discord's Remaining is the whole truth here.
      this.#buckets.set(key, {
        limit: learned.limit,
        remaining: learned.remaining,
        resetAt,
        windowFrom: permit,
        sends: [],
        windowMs: learned.resetAfterMs,
        inFlight: 0,
        blockedUntil: 0,
        blockScope: "user",
      });
      return;
    }
    bucket.limit = learned.limit;
    bucket.windowMs = Math.max(bucket.windowMs, learned.resetAfterMs);
    // Sent before this window opened here: it says how an older window ended, nothing about this one.
    if (permit < bucket.windowFrom) return;
    // Discord's count when it took this request may miss any other of ours: those sent after it, and
    // those sent before it that are still unanswered (they can overtake it on the way). Counting them
    // spent keeps every branch below safe however far out of order answers arrive.
    const left = Math.max(0, learned.remaining - this.#spentBesides(bucket, permit));
    if (bucket.resetAt === Infinity) {
      bucket.remaining = Math.min(bucket.remaining, left);
      bucket.resetAt = resetAt;
    } else if (resetAt > bucket.resetAt + Math.max(NEW_WINDOW_SLACK_MS, bucket.windowMs / 2)) {
      // Discord's window is newer than ours: ours reset late and requests sent since landed in the
      // next. A newer window resets a whole window later, a slow answer of this one (its arrival
      // late) only a little: half a window tells them apart, since a slow answer's Remaining can
      // be too high (requests sent before it may have been counted after it and answered since).
      bucket.remaining = left;
      bucket.resetAt = resetAt;
    } else {
      // The same window: every answer's arrival plus its Reset-After is at or after Discord's reset,
      // so the earliest is the closest safe estimate, and the least remaining the truest.
      bucket.remaining = Math.min(bucket.remaining, left);
      bucket.resetAt = Math.min(bucket.resetAt, resetAt);
    }
  }

  /**
   * Requests sent on other majors while the route was unknown (one each) now count against the
   * bucket it turned out to be: without this, a burst over several guilds sends each of them one
   * request more than a window holds (bench:proxy saw it after an idle object lost its state).
   */
  #adoptUnknown(routeKey: string, id: string, now: number): void {
    const prefix = `?${routeKey}:`;
    for (const [permit, held] of this.#permits) {
      if (!held.bucketKey?.startsWith(prefix)) continue;
      this.#buckets.delete(held.bucketKey);
      const major = held.bucketKey.slice(prefix.length);
      held.bucketKey = `${id}:${major}`;
      const fresh = !this.#buckets.has(held.bucketKey);
      const bucket = this.#bucketFor({ key: held.bucketKey, id }, now);
      // Discord counted it first on a fresh window, so its answer is this window's and may teach it.
      if (fresh) bucket.windowFrom = permit;
      bucket.remaining -= 1;
      bucket.inFlight += 1;
      bucket.sends.push(permit);
    }
  }

  /**
   * When the answer's window resets on our clock: its arrival plus Reset-After, or earlier where
   * Discord's clock (discord-clock.ts) proves the answer's trip back was slower than it had to be.
   */
  #resetOf(learned: NonNullable<LearnedAnswer["bucket"]>, sentAt: number, now: number): number {
    const fromArrival = now + learned.resetAfterMs;
    if (learned.discordNow === null) return fromArrival;
    this.#discordClock.observe(learned.discordNow, sentAt, now);
    const placed = this.#discordClock.toLocal(learned.discordNow + learned.resetAfterMs, now);
    return placed === null ? fromArrival : Math.min(fromArrival, placed);
  }

  /** The bucket's other permits Discord may not have counted when it answered `permit`. */
  #spentBesides(bucket: Bucket, permit: number): number {
    let count = 0;
    for (const other of bucket.sends)
      if (other > permit || (other < permit && this.#permits.has(other))) count++;
    return count;
  }

  #obey(route: RateLimitedRoute, limited: NonNullable<LearnedAnswer["limited"]>, now: number): void {
    const until = now + limited.retryAfterMs;
    if (limited.scope === "global") {
      this.#globalBlockedUntil = Math.max(this.#globalBlockedUntil, until);
      return;
    }
    const key = this.#bucketKey(route);
    if (key === null) return;
    const bucket = this.#bucketFor(key, now);
    bucket.blockedUntil = Math.max(bucket.blockedUntil, until);
    bucket.blockScope = limited.scope;
    if (limited.scope === "user") bucket.remaining = 0;
  }

  #remember(routeKey: string, id: string): void {
    if (!this.#routes.has(routeKey) && this.#routes.size >= MAX_ROUTES) {
      // Oldest first: Map keeps insertion order. Forgetting a route costs one serial request later.
      this.#routes.delete(this.#routes.keys().next().value!);
    }
    this.#routes.set(routeKey, id);
  }

  #expireLeases(now: number): void {
    // The caller's deadline has passed with the lease: whatever it sent was answered by then, if ever.
    for (const [permit, held] of this.#permits)
      if (held.expiresAt <= now) this.#release(permit, held, held.expiresAt);
  }

  /** Idle buckets whose windows have passed hold nothing a fresh one would not. */
  #sweepBuckets(now: number): void {
    for (const [key, bucket] of this.#buckets) {
      if (bucket.inFlight === 0 && bucket.resetAt <= now && bucket.blockedUntil <= now)
        this.#buckets.delete(key);
    }
  }
}

/** Why a bucket cannot admit now, or null when it can (refilling a window that has passed). */
function bucketWait(
  bucket: Bucket,
  now: number,
  nextPermit: number,
): { scope: LimitScope; until: number | null } | null {
  if (bucket.blockedUntil > now) return { scope: bucket.blockScope, until: bucket.blockedUntil };
  if (bucket.resetAt <= now) {
    // Discord's window has reset; requests still in flight may yet be counted in the new one.
    bucket.remaining = Math.max(0, bucket.limit - bucket.inFlight);
    bucket.resetAt = Infinity;
    bucket.windowFrom = nextPermit;
  }
  if (bucket.remaining > 0) return null;
  return { scope: "user", until: bucket.resetAt === Infinity ? null : bucket.resetAt };
}
