import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { openMany, openSocket } from "./socket-client.ts";

/**
 * A stranger's attack on a running Worker, as the outside review ran it: reads, bulk reads and
 * socket subscriptions for well-formed ids nobody monitors, with no credentials. Shared by the
 * end-to-end test (which asserts it leaves no storage behind) and the benchmark (which measures
 * what it costs).
 */

/** The SQLite files under wrangler dev's --persist-to, per Durable Object class, and their bytes. */
export interface StorageSnapshot {
  /** Class → number of objects (one .sqlite file each). */
  objects: Record<string, number>;
  /** Class → bytes of its objects' files (.sqlite, -wal, -shm). */
  bytes: Record<string, number>;
}

export function storageOf(persistTo: string): StorageSnapshot {
  const objects: Record<string, number> = {};
  const bytes: Record<string, number> = {};
  const root = join(persistTo, "v3", "do");
  let dirs: string[] = [];
  try {
    dirs = readdirSync(root);
  } catch {
    return { objects, bytes };
  }
  for (const dir of dirs) {
    // wrangler names each class's folder <worker>-<Class>.
    const name = dir.slice(dir.lastIndexOf("-") + 1);
    for (const file of readdirSync(join(root, dir))) {
      if (file.startsWith("metadata.")) continue;
      if (file.endsWith(".sqlite")) objects[name] = (objects[name] ?? 0) + 1;
      bytes[name] = (bytes[name] ?? 0) + statSync(join(root, dir, file)).size;
    }
  }
  return { objects, bytes };
}

let counter = 0;
/** Well-formed ids (19 digits) that no emulator world hands out. */
export function strangerIds(count: number): string[] {
  const run = String(process.pid).padStart(7, "0").slice(-7);
  return Array.from({ length: count }, () => `9${run}${String(++counter).padStart(11, "0")}`);
}

export interface Flood {
  restReads: number;
  bulkReads: number;
  /** Lanyard sockets, each sending `initsPerSocket` INITs of 100 stranger ids. */
  sockets: number;
  initsPerSocket: number;
}

export interface FloodResult {
  /** Unknown ids named, over all requests and frames. */
  ids: number;
  /** Statuses seen, by kind: every REST read must be 404. */
  statuses: Record<string, number>;
  /** INIT_STATE frames received: every INIT answered. */
  initStates: number;
  ms: number;
}

/** Runs the flood against `workerUrl`; REST reads at `concurrency` at a time. */
export async function flood(workerUrl: string, plan: Flood, concurrency = 16): Promise<FloodResult> {
  const started = performance.now();
  const statuses: Record<string, number> = {};
  const count = (kind: string, status: number) => {
    const key = `${kind} ${status}`;
    statuses[key] = (statuses[key] ?? 0) + 1;
  };
  let ids = 0;
  const paths = (n: number) => {
    const [id] = strangerIds(1);
    ids++;
    return [`/api/v1/users/${id}`, `/v1/users/${id}`, `/api/v1/users/${id}/storage`][n % 3]!;
  };
  const rest = openMany(plan.restReads, concurrency, async (n) => {
    const path = paths(n);
    const res = await fetch(`${workerUrl}${path}`);
    await res.arrayBuffer();
    count("read", res.status);
  });
  const bulk = openMany(plan.bulkReads, 4, async () => {
    const batch = strangerIds(50);
    ids += batch.length;
    const res = await fetch(`${workerUrl}/api/v1/users?${batch.map((id) => `user_ids=${id}`).join("&")}`);
    await res.arrayBuffer();
    count("bulk", res.status);
  });
  let initStates = 0;
  const sockets = openMany(plan.sockets, plan.sockets, async () => {
    const socket = await openSocket(workerUrl);
    await socket.next((frame) => frame.op === 1);
    for (let n = 0; n < plan.initsPerSocket; n++) {
      const batch = strangerIds(100);
      ids += batch.length;
      socket.send({ op: 2, d: { subscribe_to_ids: batch } });
      await socket.next((frame) => frame.t === "INIT_STATE", 30_000);
      initStates++;
    }
    await socket.close();
  });
  await Promise.all([rest, bulk, sockets]);
  return { ids, statuses, initStates, ms: performance.now() - started };
}
