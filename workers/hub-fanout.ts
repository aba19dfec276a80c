import type { HubChange } from "../durable-objects/socket-hub/index.ts";
import type { ApplyResult } from "../durable-objects/user-presence/index.ts";
import type { Env } from "./env.ts";

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
  const allHubs = await env.MONITORED_USERS.getByName("all").allHubs();
  const byHub = changesByHub(results, allHubs);
  await Promise.all(
    [...byHub].map(async ([hub, changes]) => {
      try {
        await env.SOCKET_HUB.getByName(hub).deliver(changes, allHubs.includes(hub));
      } catch (error) {
        console.error("ingest: delivering to socket hub failed", hub, error);
      }
    }),
  );
}
