import type { Context } from "hono";
import { withCurrentTime } from "../durable-objects/payloads/current-time.ts";
import { type CachedRead, type Dialect, EdgeCache } from "./edge-cache.ts";
import { cacheTtlSeconds, type Env } from "./env.ts";

/**
 * Reading a user's public payload, through the edge cache. A miss asks the user's object once and
 * stores both dialects' bodies, since a site that reads one often reads the other.
 */

export interface UserRead extends CachedRead {
  cache: "hit" | "miss";
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
  const cache = new EdgeCache(caches.default, c.req.url, cacheTtlSeconds(c.env));
  const hit = await cache.get(userId, dialect);
  if (hit) return { ...hit, cache: "hit" };

  const snapshot = await c.env.USER_PRESENCE.getByName(userId).read();
  const reads: Record<Dialect, CachedRead> = snapshot
    ? {
        lantern: {
          status: 200,
          body: JSON.stringify(withCurrentTime(snapshot.lantern, Date.now())),
          etag: `W/"${userId}.${snapshot.version}"`,
        },
        lanyard: {
          status: 200,
          body: JSON.stringify({ success: true, data: snapshot.lanyard }),
          etag: `W/"${userId}.${snapshot.version}"`,
        },
      }
    : {
        lantern: { status: 404, body: notMonitored.lantern(userId), etag: null },
        lanyard: { status: 404, body: notMonitored.lanyard(), etag: null },
      };
  c.executionCtx.waitUntil(
    Promise.all([cache.put(userId, "lantern", reads.lantern), cache.put(userId, "lanyard", reads.lanyard)]),
  );
  return { ...reads[dialect], cache: "miss" };
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
