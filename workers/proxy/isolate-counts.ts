import { type IsolateCounts, proxyObject } from "../../durable-objects/rest-proxy/index.ts";
import type { Env } from "../../settings/env.ts";

/**
 * Counts that happen in the Worker alone (cache answers, refused keys) and so never reach a bot's
 * object on their own. An isolate adds them up and hands them over at most once a second, so a
 * flood of wrong keys costs the object one call a second per isolate, not one per request.
 */

const FLUSH_EVERY_MS = 1_000;
const pending = new Map<string, IsolateCounts>();
let lastFlush = 0;

export function countFor(bot: string, field: keyof IsolateCounts): void {
  let counts = pending.get(bot);
  if (!counts) {
    counts = { cacheHit: 0, cacheMiss: 0, unauthorized: 0 };
    pending.set(bot, counts);
  }
  counts[field] += 1;
}

/** Hands the counts over when a second has passed since the last time; for ctx.waitUntil. */
export async function flushCounts(env: Env, now = Date.now()): Promise<void> {
  if (pending.size === 0 || now - lastFlush < FLUSH_EVERY_MS) return;
  lastFlush = now;
  const batch = [...pending];
  pending.clear();
  await Promise.all(
    batch.map(([bot, counts]) =>
      proxyObject(env, bot)
        .record(bot, counts)
        .catch(() => {}),
    ),
  );
}
