import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { resolve } from "node:path";

/**
 * Where `npm start` keeps what outlives it: the Worker's Durable Objects (every user's presence and
 * key-value pairs, the monitored users, the runner's gateway sessions) and its cache, as wrangler
 * dev's --persist-to writes them. The emulator keeps nothing: it starts from its seed every time.
 */
export const DEFAULT_LOCAL_STATE_DIR = ".wrangler/state";

/** What wrangler dev writes under --persist-to: one folder per storage format version. */
const WRANGLER_STATE_ENTRY = /^v\d+$/;

/**
 * The state directory, made absolute and created; with `fresh`, emptied first, so the Worker starts
 * with no users, pairs or sessions from an earlier run. A directory holding anything wrangler did
 * not write is never emptied: LOCAL_STATE_DIR pointed at the wrong place must not cost its files.
 */
export function prepareLocalState(dir: string, { fresh }: { fresh: boolean }): string {
  const path = resolve(dir);
  mkdirSync(path, { recursive: true });
  if (fresh) {
    const entries = readdirSync(path);
    const foreign = entries.filter((entry) => !WRANGLER_STATE_ENTRY.test(entry));
    if (foreign.length > 0)
      throw new Error(
        `--fresh: ${path} holds more than wrangler's state (${foreign.slice(0, 3).join(", ")}); not emptying it`,
      );
    for (const entry of entries) rmSync(resolve(path, entry), { recursive: true, force: true });
  }
  return path;
}
