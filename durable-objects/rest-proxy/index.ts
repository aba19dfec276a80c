import { DurableObject } from "cloudflare:workers";
import {
  type AcquireAnswer,
  type AcquireRequest,
  PROXY_ERRORS,
  type RateLimitedRoute,
  type Refusal,
  type SettleReport,
} from "../../schemas/proxy.ts";
import type { Env } from "../../settings/env.ts";
import { invalidRequestBudget, type ProxyBot, proxyBot } from "../../settings/proxy.ts";
import { sha256Hex } from "../../settings/secrets.ts";
import { AdmissionQueue } from "./admission-queue.ts";
import { learn } from "./answers.ts";
import { type BudgetSlots, InvalidBudget } from "./invalid-budget.ts";
import { RateLimiter } from "./limiter.ts";
import { type BotMetrics, MetricsRecorder } from "./metrics.ts";

/**
 * One bot's rate-limit object: every edge isolate asks it before calling Discord with that bot's
 * token, so they share one view of the global limit, every bucket, the invalid-request budget,
 * the 401 lock and a Cloudflare ban, with no cluster and no Redis. It never sees a request's body
 * or any token: the Worker asks for a permit (acquire), calls Discord itself, and reports what
 * Discord said (settle), so a busy bot's bytes never queue behind one object.
 *
 * Buckets live in memory (a new instance relearns them one request per route); the lock, a ban
 * and the invalid-request count are stored, because forgetting them is what gets a bot banned.
 */

type Resolve = (answer: AcquireAnswer) => void;

/** Isolates batch these and send them now and then (cache answers and key refusals never reach the object). */
export interface IsolateCounts {
  cacheHit: number;
  cacheMiss: number;
  unauthorized: number;
}

export class RestProxy extends DurableObject<Env> {
  #bot: ProxyBot | null = null;
  #fingerprint = "";
  #limiter: RateLimiter | null = null;
  #queue: AdmissionQueue<Resolve> | null = null;
  #budget: InvalidBudget;
  readonly #metrics = new MetricsRecorder();
  /** The fingerprint of the token Discord refused; a new DISCORD_TOKEN is not locked by an old refusal. */
  #lockedToken: string | null;
  #bannedUntil: number;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #wakeAt: number | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const sql = ctx.storage.sql;
    sql.exec(
      "CREATE TABLE IF NOT EXISTS guard (key TEXT PRIMARY KEY, value TEXT NOT NULL);" +
        "CREATE TABLE IF NOT EXISTS invalid_answers (slot INTEGER PRIMARY KEY, count INTEGER NOT NULL)",
    );
    const guard = new Map(
      sql
        .exec<{ key: string; value: string }>("SELECT key, value FROM guard")
        .toArray()
        .map((r) => [r.key, r.value]),
    );
    this.#lockedToken = guard.get("locked_token") ?? null;
    this.#bannedUntil = Number(guard.get("banned_until") ?? 0);
    const slots = sql
      .exec<{ slot: number; count: number }>("SELECT slot, count FROM invalid_answers ORDER BY slot")
      .toArray()
      .map((r): [number, number] => [r.slot, r.count]);
    this.#budget = new InvalidBudget(invalidRequestBudget(env), slots satisfies BudgetSlots);
  }

  /** A permit to call Discord now, or why not; in queue mode it resolves once Discord's limits allow. */
  async acquire(bot: string, request: AcquireRequest): Promise<AcquireAnswer> {
    const queue = await this.#ready(bot);
    const now = Date.now();
    const answer = await new Promise<AcquireAnswer>((resolve) => {
      const immediate = queue.submit({ ...request, enqueuedAt: now, ticket: resolve }, now, this.#guard);
      if (immediate) resolve(immediate);
      else this.#pump();
    });
    this.#count(request.route, answer);
    return answer;
  }

  /** What Discord answered to a permitted request (or that it never did). */
  async settle(bot: string, report: SettleReport): Promise<void> {
    await this.#ready(bot);
    const now = Date.now();
    const learned = report.answer ? learn(report.answer) : null;
    this.#limiter!.settle(report.permit, report.route, learned, now);
    this.#metrics.request(report.route.method, report.route.bucketRoute, report.status);
    if (learned?.limited) this.#metrics.rateLimited(learned.limited.scope, "discord");
    if (learned?.invalid) {
      const [slot, count] = this.#budget.record(now);
      this.ctx.storage.sql.exec(
        "INSERT INTO invalid_answers (slot, count) VALUES (?, ?) ON CONFLICT (slot) DO UPDATE SET count = excluded.count",
        slot,
        count,
      );
      this.ctx.storage.sql.exec("DELETE FROM invalid_answers WHERE slot < ?", now - 11 * 60_000);
    }
    if (learned?.cloudflareBan) {
      this.#bannedUntil = Math.max(this.#bannedUntil, now + learned.cloudflareBan.retryAfterMs);
      this.#store("banned_until", String(this.#bannedUntil));
      this.#metrics.cloudflareBans += 1;
      console.error(
        `proxy: Cloudflare refused bot ${bot}'s requests (429 without rate-limit headers); holding its traffic for ${Math.ceil(learned.cloudflareBan.retryAfterMs / 1000)} s`,
      );
    }
    // Only the bot's own token can be refused this way: interaction and webhook routes carry theirs.
    if (learned?.status === 401 && report.route.kind === "bot" && this.#lockedToken !== this.#fingerprint) {
      this.#lockedToken = this.#fingerprint;
      this.#store("locked_token", this.#fingerprint);
      console.error(
        `proxy: Discord refused bot ${bot}'s token (401); its bot-token routes are locked until an operator unlocks them (POST /proxy/bots/${bot}/unlock) or the token changes`,
      );
    }
    this.#pump();
  }

  record(bot: string, counts: IsolateCounts): void {
    if (!proxyBot(this.env, bot)) return;
    this.#metrics.cache.hit += counts.cacheHit;
    this.#metrics.cache.miss += counts.cacheMiss;
    this.#metrics.unauthorized += counts.unauthorized;
  }

  async metrics(bot: string): Promise<BotMetrics> {
    await this.#ready(bot);
    const now = Date.now();
    return this.#metrics.snapshot({
      invalidBudget: { used: this.#budget.used(now), budget: this.#budget.budget },
      locked: this.#locked(),
      bannedForMs: Math.max(0, this.#bannedUntil - now),
    });
  }

  /** An operator's word that the token is good again; returns whether the bot was locked. */
  async unlock(bot: string): Promise<boolean> {
    await this.#ready(bot);
    const was = this.#locked();
    this.#lockedToken = null;
    this.ctx.storage.sql.exec("DELETE FROM guard WHERE key = 'locked_token'");
    if (was) console.warn(`proxy: bot ${bot} unlocked by an operator`);
    this.#pump();
    return was;
  }

  async #ready(bot: string): Promise<AdmissionQueue<Resolve>> {
    if (this.#queue && this.#bot?.name === bot) return this.#queue;
    const settings = proxyBot(this.env, bot);
    if (!settings) throw new RangeError(`no proxy bot named ${bot}`);
    this.#fingerprint = (await sha256Hex(settings.token)).slice(0, 32);
    if (this.#queue) return this.#queue;
    this.#bot = settings;
    this.#limiter = new RateLimiter({ globalPerSecond: settings.globalPerSecond });
    this.#queue = new AdmissionQueue(this.#limiter);
    return this.#queue;
  }

  #locked(): boolean {
    return this.#lockedToken !== null && this.#lockedToken === this.#fingerprint;
  }

  readonly #guard = (route: RateLimitedRoute, now: number): Refusal | null => {
    if (this.#bannedUntil > now) return { kind: "banned", retryAfterMs: this.#bannedUntil - now };
    const refusedForMs = this.#budget.refusedForMs(now);
    if (refusedForMs > 0) return { kind: "invalid_request_budget", retryAfterMs: refusedForMs };
    if (route.kind === "bot" && this.#locked()) return { kind: "locked" };
    return null;
  };

  /** Answers whoever can be answered and sleeps until the next one could be. */
  #pump(): void {
    const queue = this.#queue;
    if (!queue) return;
    const { settled, wakeAt } = queue.pump(Date.now(), this.#guard);
    for (const { ticket, answer } of settled) ticket(answer);
    if (wakeAt === this.#wakeAt && this.#timer) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#wakeAt = wakeAt;
    if (wakeAt === null || queue.waiting === 0) return;
    this.#timer = setTimeout(
      () => {
        this.#timer = null;
        this.#wakeAt = null;
        this.#pump();
      },
      Math.max(0, wakeAt - Date.now()),
    );
  }

  #count(route: RateLimitedRoute, answer: AcquireAnswer): void {
    if (answer.ok) {
      this.#metrics.queued(answer.queuedMs);
      return;
    }
    const { refusal } = answer;
    this.#metrics.request(route.method, route.bucketRoute, refusalStatus(refusal.kind));
    if (refusal.kind === "rate_limited") this.#metrics.rateLimited(refusal.scope, "proxy");
  }

  #store(key: string, value: string): void {
    this.ctx.storage.sql.exec(
      "INSERT INTO guard (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      key,
      value,
    );
  }
}

/** The status the Worker answers a refusal with: a Discord-shaped 429, or the proxy error of that name. */
function refusalStatus(kind: Refusal["kind"]): number {
  return kind === "rate_limited" ? 429 : PROXY_ERRORS[kind].status;
}

/** The rate-limit object of the bot named `bot` (settings/proxy.ts names bots). */
export function proxyObject(env: Env, bot: string): DurableObjectStub<RestProxy> {
  return env.REST_PROXY.get(env.REST_PROXY.idFromName(`bot:${bot}`));
}
