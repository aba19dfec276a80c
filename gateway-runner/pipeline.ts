import { GatewayDispatchEvents, type GatewayDispatchPayload } from "discord-api-types/v10";
import type { CardImageSync } from "./card-image-sync.ts";
import type { UserUpdate } from "./coalescer.ts";
import type { Forwarder } from "./forwarder.ts";
import { describeError, type Logger } from "./log.ts";
import type { MemberRequests } from "./member-requests.ts";
import type { RunnerMetrics } from "./metrics.ts";
import type { PresenceRouter } from "./presence-router.ts";
import type { Reconciler } from "./reconciler.ts";
import type { SequenceTracker } from "./sequence-tracker.ts";

/**
 * The dispatch path, from one gateway event to deltas in the forward buffer: the router says what
 * the event means for which users, member requests are sent and completed (and each complete list
 * reconciled against the Worker's record, off this path), and each delta holds the event's
 * sequence until the Worker has it. Synchronous: nothing on this path waits.
 */
export class PresencePipeline {
  readonly #router: PresenceRouter;
  readonly #requests: MemberRequests;
  readonly #reconciler: Reconciler;
  readonly #tracker: SequenceTracker;
  readonly #forwarder: Forwarder;
  readonly #images: CardImageSync | null;
  readonly #metrics: RunnerMetrics;
  readonly #log: Logger;
  readonly #shardCount: number;
  #accepting = true;

  constructor(deps: {
    router: PresenceRouter;
    requests: MemberRequests;
    reconciler: Reconciler;
    tracker: SequenceTracker;
    forwarder: Forwarder;
    /** Copies card images to the Worker beside forwarding (CARD_IMAGES=on); it never waits. */
    images?: CardImageSync | null;
    metrics: RunnerMetrics;
    log: Logger;
    shardCount: number;
  }) {
    this.#router = deps.router;
    this.#requests = deps.requests;
    this.#reconciler = deps.reconciler;
    this.#tracker = deps.tracker;
    this.#forwarder = deps.forwarder;
    this.#images = deps.images ?? null;
    this.#metrics = deps.metrics;
    this.#log = deps.log;
    this.#shardCount = deps.shardCount;
  }

  onDispatch(shardId: number, payload: GatewayDispatchPayload, receivedAt: number): void {
    // Once shutting down, events are left unhandled, so the checkpoint stays before them and
    // Discord replays them to the next process.
    if (!this.#accepting) return;
    this.#metrics.eventsIn.inc({ type: payload.t });
    let updates: UserUpdate[] = [];
    try {
      updates = this.#route(shardId, payload);
    } catch (error) {
      this.#log.error("dispatch could not be handled; skipped", {
        type: payload.t,
        error: describeError(error),
      });
    }
    for (const update of updates) {
      this.#forwarder.add(update, receivedAt, this.#tracker.hold(shardId, payload.s));
      this.#images?.observe(update);
    }
    this.#tracker.handled(shardId, payload.s);
    this.#metrics.monitoredUsers.set(this.#router.memberCount);
  }

  /**
   * A resumed session replays what was missed but sends no GUILD_CREATE. If this process has not
   * had a member list for a monitored guild on the shard yet (it resumed a previous process's
   * session), it asks for one now.
   */
  onResumed(shardId: number): void {
    if (!this.#accepting) return;
    for (const guildId of this.#router.loadingGuilds()) {
      if (shardOf(guildId, this.#shardCount) === shardId && !this.#requests.isPending(guildId)) {
        this.#requests.request(guildId, shardId);
      }
    }
  }

  /**
   * Leaves found by reconciling a complete member list with the Worker. They hold no sequence: if
   * they are lost with the process, the next one asks for a member list and reconciles again.
   */
  onReconciled(updates: UserUpdate[]): void {
    if (!this.#accepting) return;
    for (const update of updates) {
      this.#forwarder.add(update, performance.now(), null);
      this.#images?.observe(update);
    }
    this.#metrics.monitoredUsers.set(this.#router.memberCount);
  }

  stopAccepting(): void {
    this.#accepting = false;
    this.#requests.stop();
    this.#reconciler.stop();
    this.#images?.stop();
  }

  #route(shardId: number, payload: GatewayDispatchPayload): UserUpdate[] {
    const updates = this.#router.handle(payload);
    switch (payload.t) {
      case GatewayDispatchEvents.Ready: {
        // A new session lists every guild of the shard: a monitored one missing from it, the bot is
        // not in, and reconciling must not wait for its member list.
        const listed = new Set(payload.d.guilds.map((guild) => guild.id));
        this.#router.notJoined(
          this.#router
            .loadingGuilds()
            .filter((guildId) => shardOf(guildId, this.#shardCount) === shardId && !listed.has(guildId)),
        );
        this.#reconciler.wake();
        break;
      }
      case GatewayDispatchEvents.GuildDelete:
        // The bot was removed from a guild that was loading: the others need not wait for it.
        this.#reconciler.wake();
        break;
      case GatewayDispatchEvents.GuildCreate:
        if (
          this.#router.isMonitored(payload.d.id) &&
          !("unavailable" in payload.d && payload.d.unavailable)
        ) {
          this.#requests.request(payload.d.id, shardId);
        }
        break;
      case GatewayDispatchEvents.RateLimited:
        this.#requests.onRateLimited(payload.d);
        break;
      case GatewayDispatchEvents.GuildMembersChunk: {
        const complete = this.#requests.onChunk(payload.d);
        if (complete) {
          updates.push(...this.#router.completeMemberList(complete.guildId, complete.memberIds));
          // Reconciled once no monitored guild is loading, with every other list waiting for it.
          this.#reconciler.request(complete.guildId);
        }
        break;
      }
      default:
    }
    return updates;
  }
}

/** The shard that receives a guild's events: (guild_id >> 22) % shard_count. */
export function shardOf(guildId: string, shardCount: number): number {
  return Number((BigInt(guildId) >> 22n) % BigInt(shardCount));
}
