import { allHubsList } from "../durable-objects/monitored-users.ts";
import type { HubChange } from "../durable-objects/socket-hub/index.ts";
import type { ApplyResult } from "../durable-objects/user-presence/index.ts";
import type { Env } from "../settings/env.ts";

/**
 * After ingest: which socket hub hears which change. A hub hears a user's change when it watches
 * the user (a socket subscribed to the id) or follows All; each hub gets one call per batch with
 * all its changes, in the batch's order.
 */
export function changesByHub(
  results: readonly Pick<ApplyResult, "change" | "watchers">[],
  allHubs: readonly string[],
): Map<string, HubChange[]> {
  const byHub = new Map<string, HubChange[]>();
  const add = (hub: string, entry: HubChange) => {
    const list = byHub.get(hub);
    if (list) list.push(entry);
    else byHub.set(hub, [entry]);
  };
  for (const { change, watchers } of results) {
    if (!change) continue;
    for (const hub of watchers) add(hub, { change, watched: true });
    for (const hub of allHubs) if (!watchers.includes(hub)) add(hub, { change, watched: false });
  }
  return byHub;
}

/** Hands each hub its changes. A hub that fails loses only its sockets' updates, never the batch. */
export async function announceChanges(
  env: Env,
  results: readonly Pick<ApplyResult, "change" | "watchers">[],
): Promise<void> {
  if (!results.some((result) => result.change)) return;
  const allHubs = await allHubsList(env).allHubs();
  const byHub = changesByHub(results, allHubs);
  await Promise.all(
    [...byHub].map(async ([hub, changes]) => {
      try {
        // One call per part, in order: a hub hears a user's changes in the order they happened.
        for (const part of deliveryParts(changes)) {
          await env.SOCKET_HUB.getByName(hub).deliver(part, allHubs.includes(hub));
        }
      } catch (error) {
        console.error("ingest: delivering to socket hub failed", hub, error);
      }
    }),
  );
}

/**
 * An RPC carries at most 32 MiB, and a user at the storage limit alone is up to ~31 MB (512 values
 * of 30,000 two-byte characters). Changes are split so no call carries more than this estimate.
 */
export const MAX_DELIVERY_BYTES = 8 * 1024 * 1024;

export function deliveryParts(changes: HubChange[], budget = MAX_DELIVERY_BYTES): HubChange[][] {
  const parts: HubChange[][] = [];
  let part: HubChange[] = [];
  let size = 0;
  for (const entry of changes) {
    const bytes = estimatedBytes(entry);
    if (part.length > 0 && size + bytes > budget) {
      parts.push(part);
      part = [];
      size = 0;
    }
    part.push(entry);
    size += bytes;
  }
  if (part.length > 0) parts.push(part);
  return parts;
}

/** Two bytes a character of the user's pairs (their only unbounded part), plus the rest's few KiB. */
function estimatedBytes({ change }: HubChange): number {
  let chars = 0;
  for (const [key, value] of Object.entries(change.snapshot?.lantern.storage ?? {}))
    chars += key.length + value.length;
  return 2 * chars + 16 * 1024;
}
