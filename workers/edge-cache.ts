import { InFlightReads } from "./in-flight-reads.ts";
import { TtlCache } from "./ttl-cache.ts";

/**
 * The edge cache for REST reads: one entry per user and dialect, in the Cache API of the data
 * centre serving the request.
 *
 * Why not Hono's cache() middleware: it derives keys from the request URL with an internal scheme,
 * so ingest could not purge a user's entries when they change, and the bulk route could not reuse
 * the single-user entries. Here a user has two fixed keys, purged on every change.
 *
 * Staleness bound: the Cache API is per data centre and is not replicated. Ingest purges the keys in
 * the data centre it runs in (locally, in tests, and wherever the runner's requests land), so
 * reads there see a change at once; other data centres serve an entry for at most the TTL.
 */

export type Dialect = "lantern" | "lanyard";

export interface CachedRead {
  status: number;
  /** The JSON body as stored: the payload alone, or Lantern's error object. */
  body: string;
  etag: string | null;
}

const keyFor = (userId: string, dialect: Dialect) => `${dialect}/users/${userId}`;

/** What one read of a user's object gives: both dialects' bodies, and whether the user was found. */
export interface UserReads {
  found: boolean;
  reads: Record<Dialect, CachedRead>;
}

/** Object reads in flight in this isolate, shared by concurrent misses; a purge supersedes them. */
export const readsInFlight = new InFlightReads<UserReads>();

export class EdgeCache {
  #entries: TtlCache;

  constructor(cache: Cache, origin: string, ttlSeconds: number) {
    this.#entries = new TtlCache(cache, origin, "__edge-cache", ttlSeconds);
  }

  async get(userId: string, dialect: Dialect): Promise<CachedRead | null> {
    const hit = await this.#entries.match(keyFor(userId, dialect));
    if (!hit) return null;
    return { status: hit.status, body: await hit.text(), etag: hit.headers.get("etag") };
  }

  async put(userId: string, dialect: Dialect, read: CachedRead): Promise<void> {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (read.etag) headers.etag = read.etag;
    // 404s are stored too, so a flood of reads for unknown ids does not wake an object per read.
    await this.#entries.put(keyFor(userId, dialect), read.body, { status: read.status, headers });
  }

  async purge(userId: string): Promise<void> {
    readsInFlight.supersede(userId);
    await Promise.all(
      (["lantern", "lanyard"] as const).map((dialect) => this.#entries.delete(keyFor(userId, dialect))),
    );
  }
}
