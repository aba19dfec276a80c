import type { Env } from "./env.ts";

/**
 * The gate in front of the user objects. Addressing a Durable Object, even to read nothing,
 * creates its storage, so every path a stranger can reach (reads, storage reads, the bot for
 * someone who is not a member) asks the monitored-users directory first and addresses only the
 * objects of monitored users: one indexed look-up per request, whatever the number of ids.
 */
export async function monitoredAmong(env: Env, userIds: string[]): Promise<Set<string>> {
  if (userIds.length === 0) return new Set();
  // Typed through unknown: the RPC stub's mapped type is too deep for tsc here.
  const monitored: unknown = await env.MONITORED_USERS.getByName("all").monitoredAmong(userIds);
  return new Set(monitored as string[]);
}

export async function isMonitored(env: Env, userId: string): Promise<boolean> {
  return (await monitoredAmong(env, [userId])).has(userId);
}

/** Whether the user has an object at all: monitored now, or a member once (who keeps their data). */
export async function isKnown(env: Env, userId: string): Promise<boolean> {
  const known: unknown = await env.MONITORED_USERS.getByName("all").knownAmong([userId]);
  return (known as string[]).includes(userId);
}
