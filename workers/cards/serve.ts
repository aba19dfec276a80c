import type { Context } from "hono";
import type { CardQuery } from "../../schemas/card.ts";
import type { LanternUser } from "../../schemas/lantern.ts";
import { Snowflake } from "../../schemas/snowflake.ts";
import { cacheOrigin, cacheTtlSeconds, type Env, shapingOptions } from "../../settings/env.ts";
import { readUser } from "../presence-reads.ts";
import { CardCache, cardEtag, type RenderedCard } from "./card-cache.ts";
import { type CardError, cardErrors } from "./card-errors.ts";
import { renderErrorCard } from "./error-card.ts";
import { IMAGE_TIMEOUT_MS, type LoadStats, loadImages, MAX_IMAGE_BYTES } from "./image-loader.ts";
import { type CardImages, cardImageUrls, isAllowedImageUrl } from "./images.ts";
import { cardHeight } from "./layout.ts";
import { type CardOptions, cardOptions, optionsKey } from "./options.ts";
import { renderCard } from "./render.ts";
import { storedImageReader } from "./stored-images.ts";

/**
 * GET /api/v1/users/:id?svg=1: the user's read (through the edge cache, as the JSON route), then the
 * rendered card from the card cache, or else images loaded and a fresh render. The only module
 * here that touches the platform; everything it calls is pure or takes its I/O as arguments.
 */

/**
 * How long browsers and GitHub's image proxy may keep a card: short, since presence changes, and
 * revalidated with the ETag after that. The Worker's own card cache follows CACHE_TTL_SECONDS.
 */
export const CARD_MAX_AGE_SECONDS = 30;

type Ctx = Context<{ Bindings: Env }>;

export async function serveCard(c: Ctx, userId: string, query: CardQuery): Promise<Response> {
  const options = cardOptions(query);
  const read = await readUser(c, userId, "lantern");
  if (read.status !== 200) {
    const size = { ...options, height: cardHeight(options) };
    return errorCard(c, cardErrors.notMonitored(userId), size, { cache: read.cache });
  }

  // With a TTL of 0 the cache finds and stores nothing (ttl-cache.ts), and images are not cached.
  const ttl = cacheTtlSeconds(c.env);
  const cache = new CardCache(caches.default, cacheOrigin(c.env), ttl);
  const key = await cache.keyFor(userId, read.etag ?? "unversioned", optionsKey(options));
  const hit = await cache.get(key);
  if (hit) return cardResponse(c, hit, 200, { cache: "hit" });

  const user = JSON.parse(read.body) as LanternUser;
  const { images, stats } = await inlineImages(c, user, options, ttl > 0 ? caches.default : null);
  const svg = renderCard(user, options, images, Date.now());
  const card = { svg, etag: await cardEtag(svg) };
  c.executionCtx.waitUntil(cache.put(key, card));
  return cardResponse(c, card, 200, { cache: "miss", images: stats });
}

/**
 * The error card for a request that failed validation: 400, still an image. The id is looked at
 * first, since with a bad one no parameter could make a card; otherwise `message` names the
 * parameter.
 */
export function badCardRequest(c: Ctx, message: string): Promise<Response> {
  const id = c.req.param("id") ?? "";
  const error = Snowflake.safeParse(id).success
    ? cardErrors.badParameter(message)
    : cardErrors.notADiscordId(id);
  return errorCard(c, error, cardOptions({}), {});
}

async function errorCard(
  c: Ctx,
  error: CardError,
  options: Parameters<typeof renderErrorCard>[2],
  extra: { cache?: string },
): Promise<Response> {
  const svg = renderErrorCard(error.title, error.message, options);
  return cardResponse(c, { svg, etag: await cardEtag(svg) }, error.status, extra);
}

async function inlineImages(
  c: Ctx,
  user: LanternUser,
  options: CardOptions,
  imageCache: Cache | null,
): Promise<{ images: CardImages; stats: LoadStats }> {
  const shaping = shapingOptions(c.env);
  const urls = cardImageUrls(user, options, shaping);
  const { images, stats } = await loadImages(Object.values(urls), {
    fetch: (input, init) => fetch(input, init),
    cache: imageCache,
    origin: cacheOrigin(c.env),
    stored: storedImageReader(c.env.CARD_IMAGES),
    allowed: (url) => isAllowedImageUrl(url, shaping),
    timeoutMs: IMAGE_TIMEOUT_MS,
    maxBytes: MAX_IMAGE_BYTES,
    defer: (work) => c.executionCtx.waitUntil(work),
  });
  const inlined = (url: string | null) => (url ? (images.get(url) ?? null) : null);
  return {
    images: {
      avatar: inlined(urls.avatar),
      activityLarge: inlined(urls.activityLarge),
      activitySmall: inlined(urls.activitySmall),
      emoji: inlined(urls.emoji),
      serverTag: inlined(urls.serverTag),
    },
    stats,
  };
}

function cardResponse(
  c: Ctx,
  card: RenderedCard,
  status: 200 | 400 | 404,
  extra: { cache?: string; images?: LoadStats },
): Response {
  const headers: Record<string, string> = {
    "content-type": "image/svg+xml; charset=utf-8",
    "cache-control": `public, max-age=${CARD_MAX_AGE_SECONDS}`,
    etag: card.etag,
    // Opened directly rather than as an <img>, the card still may run and load nothing.
    "content-security-policy": "default-src 'none'; img-src data:; style-src 'unsafe-inline'",
    "x-content-type-options": "nosniff",
  };
  if (extra.cache) headers["x-porchlight-cache"] = extra.cache;
  if (extra.images) {
    const { fetched, stored, cached, failed } = extra.images;
    headers["x-porchlight-card-images"] =
      `fetched=${fetched}, stored=${stored}, cached=${cached}, failed=${failed}`;
  }
  return c.body(card.svg, status, headers);
}
