import type { ForwardedEvent } from "../../schemas/gateway-events.ts";

/**
 * A consumer of Porchlight's forwarded gateway events: your own Worker, reading the
 * porchlight-gateway-events queue that Porchlight's Worker fills (POST /ingest/events). A queue has
 * one consumer Worker, so Porchlight never consumes it; this is where your bot's logic goes.
 *
 * Delivery is at least once: the same event may arrive twice (a runner that resumed its Discord
 * session, a sendBatch retried, a batch of yours redelivered after it threw). Every event carries
 * an `id` that stays the same across replays, and duplicates are dropped by it.
 *
 * With FORWARD_TO set, each batch's new events are POSTed there as JSON (`{"events": [...]}`); an
 * answer other than 2xx throws, so Queues delivers the batch again. Without it, one line per event
 * is logged (`MESSAGE_CREATE 0:<session>:42`).
 */

export interface Env {
  /** Where to POST each batch's events; unset, they are logged. */
  FORWARD_TO?: string;
}

/**
 * The ids this isolate delivered lately, oldest first, at most RECENT_IDS of them. A simple
 * dedupe, and only a partial one: an isolate's memory is lost when it is evicted and is not shared
 * with the other isolates Queues may hand a batch to. A lasting dedupe needs storage that every
 * invocation sees: a Durable Object, or KV, keyed by the event's id with a TTL longer than the
 * queue's retention (KV's put with expirationTtl; an object's alarm deleting old rows).
 */
const RECENT_IDS = 10_000;
const recent = new Set<string>();

function remember(id: string): void {
  recent.delete(id);
  recent.add(id);
  // A Set iterates in insertion order: the first id is the oldest.
  if (recent.size > RECENT_IDS) recent.delete(recent.values().next().value!);
}

/** The batch's events less those seen before, in this batch or lately, in the order they came. */
export function newEvents(events: readonly ForwardedEvent[]): ForwardedEvent[] {
  const seen = new Set<string>();
  return events.filter((event) => {
    if (seen.has(event.id) || recent.has(event.id)) return false;
    seen.add(event.id);
    return true;
  });
}

async function deliver(events: ForwardedEvent[], env: Env): Promise<void> {
  if (!env.FORWARD_TO) {
    for (const event of events) console.log(`${event.type} ${event.id}`);
    return;
  }
  const response = await fetch(env.FORWARD_TO, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ events }),
  });
  // Thrown, the whole batch comes back later (up to the consumer's max_retries).
  if (!response.ok) throw new Error(`FORWARD_TO answered ${response.status}; the batch will be redelivered`);
}

export default {
  async queue(batch, env) {
    const events = newEvents(batch.messages.map((message) => message.body));
    if (events.length === 0) return;
    await deliver(events, env);
    // Only once delivered: a batch that threw must not be taken for a duplicate when it comes back.
    for (const event of events) remember(event.id);
  },
} satisfies ExportedHandler<Env, ForwardedEvent>;
