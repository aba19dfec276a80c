import { cardImageKey, IMAGE_TIMEOUT_MS, MAX_IMAGE_BYTES } from "../schemas/card-images.ts";
import type { ShapingOptions } from "../schemas/user-state.ts";
import { readCapped } from "../workers/body.ts";
import { sniffImageType } from "../workers/cards/mime.ts";
import { type BackoffPolicy, backoffDelay } from "./backoff.ts";
import { imagesToSync, type KnownImages } from "./card-image-urls.ts";
import type { UserUpdate } from "./coalescer.ts";
import { describeError, type Logger } from "./log.ts";
import type { RunnerMetrics } from "./metrics.ts";
import { ingestRouteUrl, signedFetch } from "./signed-fetch.ts";

/**
 * Copies the images monitored users' cards draw from the CDN to the Worker's R2 (PUT
 * /ingest/images/:key), so a card need not ask Discord's CDN when it is viewed. Beside the presence
 * path, never on it: observe() only notes what changed and queues URLs; a few fetches at a time
 * (CARD_IMAGE_CONCURRENCY) run in the background with their own retries and backoff, so a slow CDN
 * or a Worker refusing images delays no delta.
 *
 * Bounded everywhere: each fetch by the card's own deadline and byte cap, the queue by MAX_QUEUE
 * (more are dropped and counted; the card then fetches them from the CDN as before), memory by the
 * monitored users (a handful of URLs each) and a short list of images stored lately, which lets
 * users sharing a game's artwork cost one upload.
 */

export interface CardImageSyncOptions {
  ingestUrl: string;
  secret: string;
  /** The Worker's CDN bases (its DISCORD_CDN_BASE, …): keys are made from the URLs they give. */
  shaping: ShapingOptions;
  concurrency: number;
  backoff: BackoffPolicy;
  /** The deadline of one upload to the Worker. */
  timeoutMs: number;
  metrics: RunnerMetrics;
  log: Logger;
}

const MAX_QUEUE = 1_000;
const MAX_ATTEMPTS = 5;
/** Images stored lately, not uploaded again when another user's card draws them too. */
const MAX_RECENT = 4_096;

/** What one attempt came to; `retry` is a transient failure worth another attempt. */
type Attempt = "stored" | "cdn_failed" | "upload_failed" | "retry";

export class CardImageSync {
  readonly #options: CardImageSyncOptions;
  readonly #known = new Map<string, KnownImages>();
  /** URL → the attempt it is waiting for; a Map keeps the order they came in, and dedupes. */
  readonly #queue = new Map<string, number>();
  readonly #recent = new Set<string>();
  readonly #timers = new Set<NodeJS.Timeout>();
  #active = 0;
  #stopped = false;
  #idle: (() => void)[] = [];

  constructor(options: CardImageSyncOptions) {
    this.#options = options;
  }

  /** Notes one update; queues the images it newly calls for. Synchronous and cheap. */
  observe(update: UserUpdate): void {
    if (this.#stopped) return;
    let decided: ReturnType<typeof imagesToSync>;
    try {
      decided = imagesToSync(this.#known.get(update.userId), update, this.#options.shaping);
    } catch (error) {
      // Called on the dispatch path: a surprise in shaping costs this user's images, never the delta.
      this.#options.log.warn("card images skipped for an update", { error: describeError(error) });
      return;
    }
    const { known, fetch } = decided;
    if (known) this.#known.set(update.userId, known);
    else this.#known.delete(update.userId);
    for (const url of fetch) if (!this.#recent.has(url)) this.#enqueue(url, 1);
    this.#pump();
    this.#settle();
  }

  /** Resolves when nothing is queued, waiting or in flight (tests and benchmarks wait on it). */
  idle(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  stop(): void {
    this.#stopped = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    this.#queue.clear();
    this.#settle();
  }

  #enqueue(url: string, attempt: number): void {
    if (this.#queue.has(url)) return;
    if (this.#queue.size >= MAX_QUEUE) {
      this.#options.metrics.cardImages.inc({ outcome: "dropped" });
      return;
    }
    this.#queue.set(url, attempt);
  }

  #pump(): void {
    while (!this.#stopped && this.#active < this.#options.concurrency && this.#queue.size > 0) {
      const [url, attempt] = this.#queue.entries().next().value!;
      this.#queue.delete(url);
      this.#active++;
      void this.#attempt(url)
        .then((outcome) => this.#settleAttempt(url, attempt, outcome))
        .finally(() => {
          this.#active--;
          this.#pump();
          this.#settle();
        });
    }
  }

  #settleAttempt(url: string, attempt: number, outcome: Attempt): void {
    const { metrics, backoff } = this.#options;
    if (outcome !== "retry") {
      metrics.cardImages.inc({ outcome });
      if (outcome === "stored") this.#remember(url);
      return;
    }
    if (attempt >= MAX_ATTEMPTS || this.#stopped) {
      metrics.cardImages.inc({ outcome: "upload_failed" });
      return;
    }
    const timer = setTimeout(
      () => {
        this.#timers.delete(timer);
        this.#enqueue(url, attempt + 1);
        this.#pump();
      },
      backoffDelay(attempt, backoff),
    );
    timer.unref();
    this.#timers.add(timer);
  }

  async #attempt(url: string): Promise<Attempt> {
    let image: { bytes: Uint8Array<ArrayBuffer>; type: string } | null;
    try {
      image = await fetchCardImage(url);
    } catch (error) {
      this.#options.log.debug("card image: CDN unreachable", { url, error: describeError(error) });
      return "retry";
    }
    if (!image) return "cdn_failed";
    const { ingestUrl, secret, timeoutMs, log } = this.#options;
    const target = ingestRouteUrl(ingestUrl, `images/${await cardImageKey(url)}`).toString();
    try {
      const res = await signedFetch(target, secret, {
        method: "PUT",
        body: image.bytes,
        contentType: image.type,
        timeoutMs,
      });
      await res.body?.cancel();
      if (res.ok) return "stored";
      if (res.status >= 500 || res.status === 408 || res.status === 429) return "retry";
      log.warn("card image refused by the Worker", { url, status: res.status });
      return "upload_failed";
    } catch (error) {
      log.debug("card image: Worker unreachable", { url, error: describeError(error) });
      return "retry";
    }
  }

  #remember(url: string): void {
    this.#recent.add(url);
    // A Set iterates in insertion order: the first entry is the oldest.
    if (this.#recent.size > MAX_RECENT) this.#recent.delete(this.#recent.values().next().value!);
  }

  get #pending(): number {
    return this.#queue.size + this.#active + this.#timers.size;
  }

  #isIdle(): boolean {
    return this.#stopped || this.#pending === 0;
  }

  #settle(): void {
    this.#options.metrics.cardImagesPending.set(this.#pending);
    if (!this.#isIdle()) return;
    for (const resolve of this.#idle.splice(0)) resolve();
  }
}

/**
 * One image from the CDN within the card's limits, typed by its bytes: null when the CDN has no
 * such image (4xx), it is too large or not an image we draw; throws when the CDN is unreachable or
 * failing (5xx), which is worth a retry.
 */
export async function fetchCardImage(
  url: string,
): Promise<{ bytes: Uint8Array<ArrayBuffer>; type: string } | null> {
  const res = await fetch(url, {
    signal: AbortSignal.timeout(IMAGE_TIMEOUT_MS),
    headers: { accept: "image/png,image/jpeg,image/gif,image/webp" },
    // As the card does: only the configured bases are fetched, and a redirect could lead anywhere.
    redirect: "manual",
  });
  if (res.status >= 500) {
    await res.body?.cancel();
    throw new Error(`CDN answered ${res.status}`);
  }
  if (!res.ok || !res.body || Number(res.headers.get("content-length")) > MAX_IMAGE_BYTES) {
    await res.body?.cancel();
    return null;
  }
  const bytes = await readCapped(res.body, MAX_IMAGE_BYTES);
  const type = bytes && sniffImageType(bytes);
  return bytes && type ? { bytes: bytes as Uint8Array<ArrayBuffer>, type } : null;
}
