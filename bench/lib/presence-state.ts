import type { Emulator } from "../../emulator/server.ts";

/**
 * Convergence between Discord (an in-process emulator) and the Worker, as the end-to-end test
 * checks it: every member's status and per-platform status, compared as one string per user.
 */

const PLATFORMS = ["desktop", "mobile", "web"] as const;
/** The bulk route's limit (MAX_BULK_USERS in workers/routes/lantern.ts). */
const BULK = 50;

function summary(status: string, platforms: Partial<Record<string, string>>): string {
  return [status, ...PLATFORMS.map((p) => platforms[p] ?? "offline")].join("/");
}

/** What the emulator says about every member of the guild. */
export function emulatorStatuses(emulator: Emulator, guildId: string): Map<string, string> {
  const guild = emulator.world.requireGuild(guildId);
  return new Map(
    [...guild.members.keys()].map((id) => {
      const presence = guild.presences.get(id);
      return [id, summary(presence?.status ?? "offline", presence?.client_status ?? {})];
    }),
  );
}

/** What the Worker serves for these users, through GET /api/v1/users?user_ids=…, a few requests at a time. */
export async function workerStatuses(workerUrl: string, ids: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const chunks: string[][] = [];
  for (let i = 0; i < ids.length; i += BULK) chunks.push(ids.slice(i, i + BULK));
  const fetchChunk = async (chunk: string[]) => {
    const query = chunk.map((id) => `user_ids=${id}`).join("&");
    const res = await fetch(`${workerUrl}/api/v1/users?${query}`);
    if (res.status !== 200) {
      await res.arrayBuffer();
      return;
    }
    const users = (await res.json()) as {
      metadata: { id: string };
      status: string;
      active_platforms: Record<string, string>;
    }[];
    for (const user of users) out.set(user.metadata.id, summary(user.status, user.active_platforms));
  };
  for (let i = 0; i < chunks.length; i += 4) await Promise.all(chunks.slice(i, i + 4).map(fetchChunk));
  return out;
}

export interface Difference {
  id: string;
  /** status/desktop/mobile/web as the emulator has it. */
  expected: string;
  /** The same as the Worker serves it; undefined when it does not serve the user. */
  actual: string | undefined;
}

/** Members whose state the Worker does not (yet) serve as the emulator has it. */
export async function differences(
  emulator: Emulator,
  guildId: string,
  workerUrl: string,
): Promise<Difference[]> {
  const expected = emulatorStatuses(emulator, guildId);
  const actual = await workerStatuses(workerUrl, [...expected.keys()]);
  return [...expected]
    .filter(([id, status]) => actual.get(id) !== status)
    .map(([id, status]) => ({ id, expected: status, actual: actual.get(id) }));
}

/**
 * Checks until the Worker serves exactly the emulator's state, or `timeoutMs` passes. Returns when
 * the passing check finished (performance.now()), or null with the last count of differences.
 */
export async function waitConverged(
  emulator: Emulator,
  guildId: string,
  workerUrl: string,
  timeoutMs: number,
): Promise<{ at: number; checks: number } | { at: null; remaining: Difference[]; checks: number }> {
  const deadline = performance.now() + timeoutMs;
  let remaining: Difference[] = [];
  let checks = 0;
  while (performance.now() < deadline) {
    checks++;
    try {
      remaining = await differences(emulator, guildId, workerUrl);
      if (remaining.length === 0) return { at: performance.now(), checks };
    } catch {
      // The Worker restarting or busy: try again.
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { at: null, remaining, checks };
}
