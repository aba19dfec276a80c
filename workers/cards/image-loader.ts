import { IMAGE_TIMEOUT_MS, MAX_IMAGE_BYTES } from "../../schemas/card-images.ts";
import { readCapped } from "../body.ts";
import { TtlCache } from "../ttl-cache.ts";
import { imageDataUri } from "./mime.ts";

/**
 * Fetches a card's images in parallel and returns them as data URIs, through the Cache API so a
 * view does not refetch what an earlier render already had. Each fetch is bounded: a timeout, a
 * byte cap (checked on Content-Length and again while reading), and a type check by magic bytes.
 * A failure is cached too, for a shorter time, so a broken image does not cost a fetch per view;
 * the card then draws a placeholder.
 *
 * The cache holds the finished data URI rather than the bytes, so a hit costs no base64 encoding.
 * Its keys live under the Worker's own origin (ttl-cache.ts, like the edge cache's), since the
 * Cache API files entries under the zone that stores them.
 */

export interface ImageLoaderOptions {
  fetch: typeof fetch;
  /** Null turns caching off (a cache TTL of 0). */
  cache: Cache | null;
  /** The Worker's origin, for cache keys. */
  origin: string;
  /**
   * The image the gateway runner stored for this URL (R2), asked before the CDN is: Discord's
   * media proxy may refuse the Worker, and the runner fetched it anyway. Null when not stored.
   */
  stored?: (url: string) => Promise<Uint8Array | null>;
  /** URLs the loader may fetch; others count as failed without a request. */
  allowed: (url: string) => boolean;
  timeoutMs: number;
  maxBytes: number;
  /** Runs cache writes after the response (ctx.waitUntil); without it they are awaited. */
  defer?: (work: Promise<unknown>) => void;
}

// The limits live with the runner's copy of them (it fetches the same images for R2).
export { IMAGE_TIMEOUT_MS, MAX_IMAGE_BYTES };

/** Image URLs carry the image's hash or id, so what they point at never changes. */
const IMAGE_TTL_SECONDS = 86_400;
/** A miss may be a CDN hiccup: retry it soon, but not on every view. */
const FAILURE_TTL_SECONDS = 60;
const FAILED = "x-porchlight-image-failed";
const PREFIX = "__card-images";

export interface LoadStats {
  fetched: number;
  /** Found in the runner's store (R2) rather than fetched. */
  stored: number;
  cached: number;
  failed: number;
}

/** The data URI for each URL that could be had; the stats count what this call did. */
export async function loadImages(
  urls: readonly (string | null)[],
  options: ImageLoaderOptions,
): Promise<{ images: Map<string, string>; stats: LoadStats }> {
  const unique = [...new Set(urls.filter((url): url is string => url !== null))];
  const stats: LoadStats = { fetched: 0, stored: 0, cached: 0, failed: 0 };
  // One key space, two lifetimes: an image is kept a day, a failure a minute.
  const cache = options.cache && {
    images: new TtlCache(options.cache, options.origin, PREFIX, IMAGE_TTL_SECONDS),
    failures: new TtlCache(options.cache, options.origin, PREFIX, FAILURE_TTL_SECONDS),
  };
  const loaded = await Promise.all(unique.map((url) => loadOne(url, options, cache, stats)));
  const images = new Map<string, string>();
  unique.forEach((url, i) => {
    const uri = loaded[i];
    if (uri) images.set(url, uri);
    else stats.failed++;
  });
  return { images, stats };
}

async function loadOne(
  url: string,
  options: ImageLoaderOptions,
  cache: { images: TtlCache; failures: TtlCache } | null,
  stats: LoadStats,
): Promise<string | null> {
  if (!options.allowed(url)) return null;
  const key = encodeURIComponent(url);
  const hit = await cache?.images.match(key);
  if (hit) {
    stats.cached++;
    return hit.headers.has(FAILED) ? null : hit.text();
  }
  const uri = (await storedImage(url, options, stats)) ?? (await fetchImage(url, options, stats));
  if (cache) {
    const stored = uri
      ? cache.images.put(key, uri, { headers: {} })
      : cache.failures.put(key, "", { headers: { [FAILED]: "1" } });
    const put = stored.catch(() => undefined);
    if (options.defer) options.defer(put);
    else await put;
  }
  return uri;
}

/** The runner's copy, when it has one; a store that fails is no worse than one that lacks the image. */
async function storedImage(url: string, options: ImageLoaderOptions, stats: LoadStats) {
  const bytes = await options.stored?.(url).catch(() => null);
  const uri = bytes ? imageDataUri(bytes) : null;
  if (uri) stats.stored++;
  return uri;
}

function fetchImage(url: string, options: ImageLoaderOptions, stats: LoadStats): Promise<string | null> {
  stats.fetched++;
  return fetchFromCdn(url, options).catch(() => null);
}

async function fetchFromCdn(url: string, options: ImageLoaderOptions): Promise<string | null> {
  const response = await options.fetch(url, {
    signal: AbortSignal.timeout(options.timeoutMs),
    headers: { accept: "image/png,image/jpeg,image/gif,image/webp" },
    // Only the configured bases are fetched; a redirect could lead anywhere, so it is a failure.
    redirect: "manual",
  });
  if (!response.ok || !response.body) {
    await response.body?.cancel();
    return null;
  }
  const declared = Number(response.headers.get("content-length"));
  if (declared > options.maxBytes) {
    await response.body.cancel();
    return null;
  }
  const bytes = await readCapped(response.body, options.maxBytes);
  return bytes ? imageDataUri(bytes) : null;
}
