/**
 * One kind of entry in the Cache API of the data centre serving the request. The Cache API keys by
 * URL, so keys sit under one canonical origin (env.ts cacheOrigin) and a prefix no route serves; the Cache-Control
 * each entry is stored with is what makes it expire after the TTL. A TTL of 0 stores and finds
 * nothing, but deletes still go through, so turning the cache off never leaves an entry unpurged.
 */
export class TtlCache {
  #cache: Cache;
  #base: string;
  #ttlSeconds: number;

  constructor(cache: Cache, origin: string, prefix: string, ttlSeconds: number) {
    this.#cache = cache;
    this.#base = `${origin}/${prefix}/`;
    this.#ttlSeconds = ttlSeconds;
  }

  async match(path: string): Promise<Response | undefined> {
    if (this.#ttlSeconds === 0) return undefined;
    return this.#cache.match(this.#base + path);
  }

  async put(
    path: string,
    body: string,
    init: { status?: number; headers: Record<string, string> },
  ): Promise<void> {
    if (this.#ttlSeconds === 0) return;
    const headers = { ...init.headers, "cache-control": `public, max-age=${this.#ttlSeconds}` };
    await this.#cache.put(this.#base + path, new Response(body, { status: init.status, headers }));
  }

  async delete(path: string): Promise<void> {
    await this.#cache.delete(this.#base + path);
  }
}
