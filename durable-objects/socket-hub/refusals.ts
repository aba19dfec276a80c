import { Snowflake } from "../../schemas/snowflake.ts";

/**
 * What the socket says when it refuses ids, worded as REST words the same refusals (the Lantern and
 * Lanyard routes, workers/presence-reads.ts), so a client reads the same reason whichever way it
 * asked. protocol.ts decides when each applies and how each dialect carries it (Lantern: ERROR or
 * DISCONNECT; Lanyard: the close reason).
 */

/** REST's 404 text, for one user or several. */
export function notMonitored(ids: readonly string[]): string {
  return ids.length === 1
    ? `User ${ids[0]} is not being monitored by Porchlight.`
    : `Users ${ids.join(", ")} are not being monitored by Porchlight.`;
}

/** The cap, and how far past it the frame would have gone. */
export function tooManyIds(maxIdsPerSocket: number, wouldHave: number): string {
  return `At most ${maxIdsPerSocket} users can be subscribed per socket; this would make ${wouldHave}.`;
}

/**
 * The first of `ids` that is not a Discord id, named by its field as REST and Lantern's own
 * validation name one ("subscribe_to_ids.2: must be a Discord id (17 to 20 digits)"), or null.
 * `field` is a list's key, or the key of a single id when `ids` holds just that one.
 */
export function malformedId(field: string, ids: readonly string[], list: boolean): string | null {
  for (const [n, id] of ids.entries()) {
    const result = Snowflake.safeParse(id);
    if (!result.success) return `${list ? `${field}.${n}` : field}: ${result.error.issues[0]!.message}`;
  }
  return null;
}
