import { TtlCache } from "../ttl-cache.ts";

/**
 * Rendered cards in the Cache API, so repeat views within the TTL cost one cache lookup: no image
 * loading, no rendering. An entry is keyed by the user, the version of their presence the card
 * was drawn from, and the canonical options: a presence change makes a new key at once (the user's
 * read is purged on change, edge-cache.ts), and the TTL bounds how stale the clock-dependent parts
 * (elapsed time, the listening position) may get.
 */

export interface RenderedCard {
  svg: string;
  /** Strong ETag: a hash of the SVG itself. */
  etag: string;
}

export class CardCache {
  #entries: TtlCache;

  constructor(cache: Cache, origin: string, ttlSeconds: number) {
    this.#entries = new TtlCache(cache, origin, "__card-cache", ttlSeconds);
  }

  /** The key for one card: the options key is hashed to keep URLs short whatever the messages say. */
  async keyFor(userId: string, version: string, optionsKey: string): Promise<string> {
    return `${userId}/${encodeURIComponent(version)}/${await sha1Hex(optionsKey)}`;
  }

  async get(key: string): Promise<RenderedCard | null> {
    const hit = await this.#entries.match(key);
    if (!hit) return null;
    const svg = await hit.text();
    return { svg, etag: hit.headers.get("etag") ?? (await cardEtag(svg)) };
  }

  async put(key: string, card: RenderedCard): Promise<void> {
    await this.#entries.put(key, card.svg, { headers: { "content-type": "image/svg+xml", etag: card.etag } });
  }
}

export async function cardEtag(svg: string): Promise<string> {
  return `"${await sha1Hex(svg)}"`;
}

async function sha1Hex(value: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-1", new TextEncoder().encode(value));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join("");
}
