import type { Context } from "hono";
import { isMonitored, monitoredAmong } from "../durable-objects/monitored-users.ts";
import { withCurrentTime } from "../durable-objects/payloads/current-time.ts";
import type { PresenceSnapshot } from "../durable-objects/user-presence/index.ts";
import { cacheOrigin, cacheTtlSeconds, type Env } from "../settings/env.ts";
import { type CachedRead, type Dialect, EdgeCache, readsInFlight, type UserReads } from "./edge-cache.ts";

/**
 * Reading a user's public payload, through the edge cache. A miss asks the user's object once and
 * stores both dialects' bodies, since a site that reads one often reads the other.
 */

export interface UserRead extends CachedRead {
  /** hit: from the edge cache; miss: this request read the object; coalesced: it shared another's read. */
  cache: "hit" | "miss" | "coalesced";
}

export const notMonitored = {
  lantern: (id: string) => JSON.stringify({ error: `User ${id} is not being monitored by Porchlight.` }),
  lanyard: () =>
    JSON.stringify({
      success: false,
      error: { code: "user_not_monitored", message: "User is not being monitored by Porchlight" },
    }),
};

export async function readUser(
  c: Context<{ Bindings: Env }>,
  userId: string,
  dialect: Dialect,
): Promise<UserRead> {
  const [read] = await readUsers(c, [userId], dialect, { cacheNotFound: true });
  return read!;
}

/**
 * Reads several users at once. The misses go to the monitored-users directory in one call, and
 * only its monitored ids reach their user objects: addressing an object creates its storage, so a
 * stranger's made-up ids must never get that far. They cost one directory look-up per request, and
 * with `cacheNotFound` (single reads) their 404 is cached, in the requested dialect only. A miss for
 * a user whose read is already in flight in this isolate waits for that read (in-flight-reads.ts),
 * so a purged popular user costs one object call, not one per concurrent reader.
 *
 * Why 404s are cached for single reads and not for bulk ones: a card or page for someone who is not
 * monitored may be viewed over and over, and its cached 404 spares the directory; a bulk read of
 * fifty made-up ids would otherwise write fifty entries that nobody reads again, and entries are
 * what a flood of random ids costs most (locally, each is a file write).
 */
export async function readUsers(
  c: Context<{ Bindings: Env }>,
  userIds: string[],
  dialect: Dialect,
  options: { cacheNotFound?: boolean } = {},
): Promise<UserRead[]> {
  const cache = new EdgeCache(caches.default, cacheOrigin(c.env), cacheTtlSeconds(c.env));
  const hits = await Promise.all(userIds.map((id) => cache.get(id, dialect)));
  const reads = new Map<string, { value: Promise<UserReads>; led: boolean }>();
  const led: string[] = [];
  for (const [n, id] of userIds.entries()) {
    if (hits[n] || reads.has(id) || led.includes(id)) continue;
    const joined = readsInFlight.join(id);
    if (joined) reads.set(id, { value: joined, led: false });
    else led.push(id);
  }
  if (led.length > 0) {
    const batch = readObjects(c.env, led);
    // Failures reach the readers through `value`; this one only keeps the rejection handled.
    batch.catch(() => {});
    for (const id of led) {
      const value = batch.then((all) => all.get(id)!);
      reads.set(id, { value, led: true });
      const read = readsInFlight.lead(id, value);
      c.executionCtx.waitUntil(
        value.then(
          ({ found, reads: bodies }) => {
            // A purge since the read began: what it read may predate the change.
            if (!read.stillCurrent()) return;
            // A found user is stored in both dialects: a site that reads one often reads the other.
            const store: Dialect[] = found ? ["lantern", "lanyard"] : options.cacheNotFound ? [dialect] : [];
            return Promise.all(store.map((d) => cache.put(id, d, bodies[d]))).then(() => {});
          },
          () => {},
        ),
      );
    }
  }
  const settled = new Map<string, UserReads>();
  await Promise.all([...reads].map(async ([id, read]) => settled.set(id, await read.value)));
  return userIds.map((id, n) => {
    const hit = hits[n];
    if (hit) return { ...hit, cache: "hit" };
    return { ...settled.get(id)!.reads[dialect], cache: reads.get(id)!.led ? "miss" : "coalesced" };
  });
}

/** One directory call for the ids, then one call per monitored user's object. */
async function readObjects(env: Env, ids: string[]): Promise<Map<string, UserReads>> {
  const monitored = await monitoredAmong(env, ids);
  const all = new Map<string, UserReads>();
  await Promise.all(
    ids.map(async (id) => {
      const snapshot = monitored.has(id) ? await readSnapshot(env, id) : null;
      all.set(
        id,
        snapshot
          ? { found: true, reads: foundReads(id, snapshot) }
          : { found: false, reads: notFoundReads(id) },
      );
    }),
  );
  return all;
}

function foundReads(userId: string, snapshot: PresenceSnapshot): Record<Dialect, CachedRead> {
  const etag = `W/"${userId}.${snapshot.version}"`;
  return {
    lantern: { status: 200, body: JSON.stringify(withCurrentTime(snapshot.lantern, Date.now())), etag },
    lanyard: { status: 200, body: JSON.stringify({ success: true, data: snapshot.lanyard }), etag },
  };
}

function notFoundReads(userId: string): Record<Dialect, CachedRead> {
  return {
    lantern: { status: 404, body: notMonitored.lantern(userId), etag: null },
    lanyard: { status: 404, body: notMonitored.lanyard(), etag: null },
  };
}

/** The HTTP response for a read: JSON, cacheable for the TTL, with its ETag. */
export function respond(
  c: Context<{ Bindings: Env }>,
  read: { status: number; body: string; etag: string | null; cache?: string },
) {
  const headers: Record<string, string> = {
    "content-type": "application/json; charset=utf-8",
    "cache-control": `public, max-age=${cacheTtlSeconds(c.env)}`,
  };
  if (read.etag) headers.etag = read.etag;
  if (read.cache) headers["x-porchlight-cache"] = read.cache;
  return c.body(read.body, read.status as 200, headers);
}

/** A user's key-value pairs, null when they are not monitored; strangers stop at the directory. */
export async function readPairs(env: Env, userId: string): Promise<Record<string, string> | null> {
  if (!(await isMonitored(env, userId))) return null;
  return (await env.USER_PRESENCE.getByName(userId).readKv()) as Record<string, string> | null;
}

async function readSnapshot(env: Env, userId: string): Promise<PresenceSnapshot | null> {
  const snapshot: unknown = await env.USER_PRESENCE.getByName(userId).serve();
  return snapshot as PresenceSnapshot | null;
}
