import type { GatewayDispatchPayload } from "discord-api-types/v10";
import { eventId, type ForwardedEvent } from "../schemas/gateway-events.ts";
import type { EventSink } from "./event-sinks.ts";
import type { SequenceTracker } from "./sequence-tracker.ts";

/**
 * FORWARD_EVENTS, beside the presence path: each dispatch of a chosen type goes to every sink, and
 * holds its sequence once per sink until that sink settles it, so the session checkpoint never
 * passes an event some sink does not have yet. A runner killed with events unsettled resumes from
 * before them and Discord replays them, under the same ids.
 */
export class EventForwarder {
  readonly #types: ReadonlySet<string>;
  readonly #sinks: readonly EventSink[];
  readonly #tracker: SequenceTracker;
  readonly #sessionOf: (shardId: number) => string | null;
  #accepting = true;

  constructor(deps: {
    types: readonly string[];
    sinks: readonly EventSink[];
    tracker: SequenceTracker;
    /** The shard's current session id (the session cache's), which makes ids stable across a RESUME. */
    sessionOf(shardId: number): string | null;
  }) {
    this.#types = new Set(deps.types);
    this.#sinks = deps.sinks;
    this.#tracker = deps.tracker;
    this.#sessionOf = deps.sessionOf;
  }

  get sinks(): readonly EventSink[] {
    return this.#sinks;
  }

  onDispatch(shardId: number, payload: GatewayDispatchPayload, receivedAt: number): void {
    // Once shutting down, events are left unhandled so the checkpoint stays before them.
    if (!this.#accepting) return;
    if (this.#types.has(payload.t)) {
      const sessionId = this.#sessionOf(shardId);
      if (sessionId !== null) {
        const event: ForwardedEvent = {
          id: eventId(shardId, sessionId, payload.s),
          shard: shardId,
          seq: payload.s,
          type: payload.t,
          received_at: Date.now(),
          data: payload.d,
        };
        const json = JSON.stringify(event);
        const bytes = Buffer.byteLength(json);
        for (const sink of this.#sinks) {
          const hold = this.#tracker.hold(shardId, payload.s);
          sink.add({ event, json, bytes, receivedAt, settled: () => hold && this.#tracker.release(hold) });
        }
      }
    }
    this.#tracker.handled(shardId, payload.s);
  }

  stopAccepting(): void {
    this.#accepting = false;
  }

  /** Delivers what every sink holds, within `timeoutMs` in all; true when everything was. */
  async drain(timeoutMs: number): Promise<boolean> {
    const results = await Promise.all(this.#sinks.map((sink) => sink.drain(timeoutMs)));
    return results.every(Boolean);
  }

  stop(): void {
    for (const sink of this.#sinks) sink.stop();
  }
}
