import { DurableObject } from "cloudflare:workers";
import type { Env } from "../../settings/env.ts";
import { socketConfigOf } from "../../settings/env.ts";
import { allHubsList, directoryOf, knownAmong, monitoredAmong } from "../monitored-users.ts";
import type { PresenceChange, PresenceSnapshot } from "../user-presence/index.ts";
import { compressFrame } from "./compression.ts";
import { AUTO_RESPONSE } from "./frames.ts";
import type { SocketConfig } from "./limits.ts";
import {
  type AckEffect,
  deadline,
  type Effect,
  fanOut,
  frameBytes,
  open,
  receive,
  release,
  type SocketSession,
  settleSubscription,
  tick,
  type UserChange,
} from "./protocol.ts";
import { SocketIndex } from "./socket-index.ts";
import type { HubStats } from "./stats.ts";

/** One change as ingest hands it to a hub, and why this hub hears it. */
export interface HubChange {
  change: PresenceChange;
  /** The hub is in the user's watchers (it has, or had, a socket subscribed to the user's id). */
  watched: boolean;
}

/**
 * Where /socket connections end. The Worker spreads sockets over a few hubs by name; each hub
 * keeps its sockets with the hibernation API, so an idle socket costs no duration, and registers
 * interest with the users' objects on its sockets' behalf. An update reaches a hub once and is
 * serialised once for all its sockets (protocol.ts fanOut).
 *
 * The class only carries effects; every decision is in protocol.ts. Platform rules it relies on:
 * - A hibernated object is rebuilt from scratch on the next event, so the only per-socket state is
 *   the session in the socket's attachment (≤ 16 KiB, kept by the runtime); the in-memory index is
 *   rebuilt from them in the constructor.
 * - ctx.setWebSocketAutoResponse lets the runtime answer Lantern's `{"op":4}` without waking the
 *   object; the last time it did is read back with getWebSocketAutoResponseTimestamp when deadlines
 *   are checked.
 * - One alarm per object: it is set to the earliest socket deadline.
 * - A client's close leaves a hibernatable socket CLOSING until the hub answers it (answerClose);
 *   a hub woken by that close no longer lists the socket, so its session is read from the attachment.
 * - workerd holds the connection of a hibernatable socket that never received a frame for a while
 *   after the hub closed it: the close frame goes out on time and the client's reply comes back
 *   (webSocketClose runs, getWebSockets drops the socket), but the TCP connection ends only when
 *   the object next goes idle (~10 s later), or when the client gives up if the object never idles.
 *   So a client that sends nothing sees 4001 on time and its connection end late. The same happens
 *   in a bare Durable Object with none of this code, whether the close comes from an alarm or a
 *   timer, with any code, reason or frame sent first; a socket that has sent any frame (even the
 *   auto-answered heartbeat) ends at once, as does one the client closes. The runtime reads from a
 *   socket as soon as it is accepted, before the Response couples it to the client, and the pump
 *   that hands over the client's first frame goes on pumping after it even when that frame is the
 *   Close. Nothing a Durable Object can call ends one socket's connection (acceptWebSocket after
 *   the Response is refused), so the hub does nothing about it; test/node/e2e/socket.test.ts
 *   notices when workerd stops.
 * - Awaiting an RPC lets other events run in between (input gates hold only for storage), so a
 *   socket waiting for its INIT_ACK has later changes and its own later frames queued, not
 *   answered before the ack.
 */
export class SocketHub extends DurableObject<Env> {
  readonly #config: SocketConfig;
  readonly #sockets = new SocketIndex<WebSocket>();
  /** Newest version fanned out per user: a change crossing a newer one (two ingests racing) is dropped. */
  readonly #versions = new Map<string, number>();
  /**
   * Per socket, the version of each user its acks carried, until a newer change for the user
   * reaches it: the delivery of a change an ack already read is not sent to that socket again.
   * Kept apart from #versions, which is per hub: an ack reading a change first must not stop its
   * delivery to the hub's other sockets.
   */
  readonly #acked = new Map<WebSocket, Map<string, number>>();
  /** Sockets whose subscription is being settled, with the changes held back meanwhile. */
  readonly #settling = new Map<WebSocket, Settling>();
  /** Per compressed socket, the frames still being deflated: keeps them in order. */
  readonly #compressing = new Map<WebSocket, Promise<void>>();
  /** Per user id, the last watch/unwatch call in flight (#inOrder). */
  readonly #interest = new Map<string, Promise<void>>();

  /** What woke this instance, since it was constructed: the benchmarks' and operators' view. */
  readonly #events = { since: Date.now(), opens: 0, messages: 0, closes: 0, alarms: 0, deliveries: 0 };

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#config = socketConfigOf(env);
    ctx.setWebSocketAutoResponse(
      new WebSocketRequestResponsePair(AUTO_RESPONSE.request, AUTO_RESPONSE.response),
    );
    for (const ws of ctx.getWebSockets()) {
      const session = openSession(ws);
      if (session) this.#sockets.set(ws, session);
    }
  }

  get #name(): string {
    // Hubs are only ever addressed by name (workers/routes/socket.ts).
    return this.ctx.id.name ?? this.ctx.id.toString();
  }

  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") {
      return Response.json({ error: "Expected a WebSocket upgrade." }, { status: 426 });
    }
    this.#events.opens++;
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    const step = open(request.url, Date.now(), this.#config);
    this.#sockets.set(server, step.session);
    server.serializeAttachment(step.session);
    await this.#carryOut(server, step.effects);
    // Only this socket's deadline is new, and the alarm is already at or before every other one:
    // no need to look at every socket on each connect.
    const at = deadline(step.session, this.#config);
    const alarm = await this.ctx.storage.getAlarm();
    if (at !== null && (alarm === null || at < alarm)) await this.ctx.storage.setAlarm(at);
    return new Response(null, { status: 101, webSocket: client });
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    this.#events.messages++;
    // While its ack is being fetched, a socket's frames wait their turn: answered now, a reply
    // (an UNSUBSCRIBE_ACK, say) would reach the client before the INIT_ACK it follows.
    const settling = this.#settling.get(ws);
    // An oversized frame is not kept: it closes the socket (1009) now, and the ack finds it gone.
    if (settling && frameBytes(message, this.#config.maxFrameBytes) <= this.#config.maxFrameBytes) {
      // The flood limit closes the socket once these are read; more than that is never needed.
      if (settling.inbox.length <= this.#config.floodMaxMessages) settling.inbox.push(message);
      return;
    }
    await this.#receive(ws, message);
  }

  async #receive(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    const session = this.#sockets.get(ws);
    if (!session) return;
    const step = receive(session, message, Date.now(), this.#config, {
      allSubscribers: this.#sockets.allCount,
    });
    this.#update(ws, session, step.session);
    await this.#carryOut(ws, step.effects);
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    this.#events.closes++;
    answerClose(ws, code, reason);
    await this.#release(ws);
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    await this.#release(ws);
  }

  override async alarm(): Promise<void> {
    this.#events.alarms++;
    const now = Date.now();
    try {
      for (const [ws, session] of [...this.#sockets.entries()]) {
        const step = tick(session, now, this.#config, this.#autoResponseAt(ws));
        if (step.effects.length === 0) continue;
        this.#update(ws, session, step.session);
        await this.#carryOut(ws, step.effects);
      }
    } finally {
      // Whatever failed, the next deadline is still set: a hub without an alarm never times out.
      await this.#scheduleAlarm();
    }
  }

  /** Ingest's call: users changed. Each change is built into frames once for all sockets here. */
  async deliver(changes: HubChange[], asAllHub: boolean): Promise<void> {
    this.#events.deliveries++;
    for (const { change, watched } of changes) {
      const sent = this.#versions.get(change.user_id);
      if (sent !== undefined && change.version <= sent) continue;
      const audience = this.#sockets.audience(change.user_id);
      const settling = this.#settling.size > 0 && audience.some(([ws]) => this.#settling.has(ws));
      // A hub that lost track of a user (it was evicted mid-unsubscribe, say) stops hearing them.
      // Now, not after the loop: fanning out may wait, and a socket subscribing meanwhile queues
      // its watch, which a later unwatch would undo.
      if (watched && !this.#sockets.watches(change.user_id) && !settling) this.#unwatch(change.user_id);
      if (audience.length === 0) continue;
      // Re-inserted so the map stays in order of last use, and bounded: races between two ingest
      // requests last milliseconds, so the least recently changed users can be forgotten.
      this.#versions.delete(change.user_id);
      this.#versions.set(change.user_id, change.version);
      if (this.#versions.size > MAX_TRACKED_VERSIONS)
        this.#versions.delete(this.#versions.keys().next().value!);
      const complete = await this.#withPayloads(change);
      if (!complete) continue;
      const ready = audience.filter(([ws]) => {
        const settling = this.#settling.get(ws);
        if (settling) settling.held.push(complete);
        return !settling && !this.#alreadyAcked(ws, complete);
      });
      await this.#fanOut(ready, complete);
    }
    if (asAllHub && this.#sockets.allCount === 0) await this.#unfollowAllQuietly();
  }

  /**
   * A change with its payloads. Ingest sends them only for users some hub watches; a hub hearing
   * of another user as an All hub reads them (null: the user left since, and that change follows).
   */
  async #withPayloads(change: PresenceChange): Promise<PresenceChange | null> {
    if (change.kind === "left" || change.snapshot !== undefined) return change;
    const snapshot = await this.#read(change.user_id);
    return snapshot ? { ...change, version: Math.max(change.version, snapshot.version), snapshot } : null;
  }

  /** Sockets, interest and the events handled since this instance woke. */
  stats(): HubStats {
    return {
      sockets: this.#sockets.size,
      all_sockets: this.#sockets.allCount,
      watched_users: this.#sockets.watchedCount,
      events: { ...this.#events },
    };
  }

  async #fanOut(audience: [WebSocket, SocketSession][], change: PresenceChange): Promise<void> {
    const userChange = toUserChange(change);
    if (!userChange) return;
    for (const delivery of fanOut(audience, userChange)) {
      if (delivery.changed) this.#update(delivery.key, this.#sockets.get(delivery.key)!, delivery.session);
      await this.#carryOut(delivery.key, delivery.effects);
    }
  }

  /** Whether the socket's ack carried this change (or a newer one); forgets acks a change passes. */
  #alreadyAcked(ws: WebSocket, change: PresenceChange): boolean {
    const acked = this.#acked.get(ws);
    const version = acked?.get(change.user_id);
    if (acked === undefined || version === undefined) return false;
    if (change.version <= version) return true;
    acked.delete(change.user_id);
    if (acked.size === 0) this.#acked.delete(ws);
    return false;
  }

  // -------------------------------------------------------------------------------------------
  // Effects
  // -------------------------------------------------------------------------------------------

  async #carryOut(ws: WebSocket, effects: Effect[]): Promise<void> {
    for (const effect of effects) {
      switch (effect.kind) {
        case "send":
          this.#send(ws, effect.frame, effect.compress);
          break;
        case "close": {
          const compressing = this.#compressing.get(ws);
          this.#forget(ws);
          await compressing;
          try {
            ws.close(effect.code, effect.reason);
          } catch {
            // Already closing: the client went first.
          }
          break;
        }
        case "subscribe":
          // The All ack registers with the directory; an id subscription is watched by its ack.
          break;
        case "unsubscribe":
          if (effect.target === "all") {
            if (this.#sockets.allCount === 0) await this.#unfollowAllQuietly();
          } else {
            const gone = effect.target.filter((id) => !this.#sockets.watches(id));
            // A socket's ids may never have been checked (it closed before its ack, or an
            // eviction reset the hub mid-ack): only users whose objects exist are unwatched,
            // since addressing a stranger's object would create the storage the gate kept away.
            const known = gone.length > 0 ? knownAmong(this.env, gone) : null;
            // Each unwatch awaits it in its turn; a failure is reported there, not as unhandled.
            known?.catch(() => {});
            for (const id of gone) this.#unwatch(id, known);
          }
          break;
        case "ack":
          this.#settle(ws, effect);
          break;
      }
    }
  }

  #send(ws: WebSocket, frame: string, compress: boolean): void {
    if (!compress) {
      trySend(ws, frame);
      return;
    }
    const before = this.#compressing.get(ws) ?? Promise.resolve();
    const after = before
      .then(() => compressFrame(frame))
      .then((bytes) => trySend(ws, bytes))
      .finally(() => {
        if (this.#compressing.get(ws) === after) this.#compressing.delete(ws);
      });
    this.#compressing.set(ws, after);
  }

  /**
   * Fetches the users an ack names (registering this hub's interest in them as it goes), then
   * settles it on the session as it is by then. Acks of one socket settle one after another; the
   * changes held back meanwhile go out after the last one, unless the ack already carried them.
   */
  #settle(ws: WebSocket, ack: AckEffect): void {
    const entry = this.#settling.get(ws) ?? { chain: Promise.resolve(), held: [], inbox: [], pending: 0 };
    entry.pending++;
    this.#settling.set(ws, entry);
    entry.chain = entry.chain
      .then(async () => {
        const users = await this.#fetchUsers(ack);
        const session = this.#sockets.get(ws);
        if (!session) return;
        const acked = this.#acked.get(ws) ?? new Map<string, number>();
        for (const [id, snapshot] of users) acked.set(id, Math.max(snapshot.version, acked.get(id) ?? -1));
        if (acked.size > 0) this.#acked.set(ws, acked);
        const step = settleSubscription(session, ack, users);
        this.#update(ws, session, step.session);
        await this.#carryOut(ws, step.effects);
      })
      .catch((error) => {
        console.error("socket hub: settling a subscription failed", error);
        this.#failSocket(ws);
      })
      .finally(async () => {
        if (--entry.pending > 0 || this.#settling.get(ws) !== entry) return;
        // Catch up in arrival order: the changes held back, then the client's frames. A frame that
        // starts another ack leaves the rest to that ack's turn.
        while (this.#settling.get(ws) === entry) {
          for (const change of entry.held.splice(0)) {
            if (this.#alreadyAcked(ws, change)) continue;
            const current = this.#sockets.get(ws);
            if (current) await this.#fanOut([[ws, current]], change);
          }
          if (entry.pending > 0) return;
          const message = entry.inbox.shift();
          if (message === undefined) break;
          await this.#receive(ws, message);
        }
        if (this.#settling.get(ws) === entry && entry.pending === 0) this.#settling.delete(ws);
      });
  }

  async #fetchUsers(ack: AckEffect): Promise<Map<string, PresenceSnapshot>> {
    // Ids go to the directory first: addressing a stranger's object would create its storage.
    const ids =
      ack.target === "all" ? await this.#followAll() : [...(await monitoredAmong(this.env, ack.target))];
    const users = new Map<string, PresenceSnapshot>();
    // Bounded fan-in: an All ack on a large guild must not open thousands of calls at once.
    for (let i = 0; i < ids.length; i += USER_FETCH_CONCURRENCY) {
      const chunk = ids.slice(i, i + USER_FETCH_CONCURRENCY);
      const snapshots = await Promise.all(
        chunk.map((id) =>
          // Watch only for sockets subscribed by id; an All socket hears the user through the directory.
          this.#sockets.watches(id) ? this.#watch(id) : this.#read(id),
        ),
      );
      chunk.forEach((id, n) => {
        const snapshot = snapshots[n];
        if (snapshot) users.set(id, snapshot);
      });
    }
    return users;
  }

  /** Registers this hub with the user's object; resolves to the user's payloads (null: not monitored). */
  #watch(userId: string): Promise<PresenceSnapshot | null> {
    return this.#inOrder(userId, async (): Promise<PresenceSnapshot | null> => {
      const snapshot = await this.env.USER_PRESENCE.getByName(userId).watch(this.#name);
      return snapshot as PresenceSnapshot | null;
    });
  }

  /** `known`: the ids whose objects exist, when the caller cannot vouch for this one. */
  #unwatch(userId: string, known: Promise<Set<string>> | null = null): void {
    this.#inOrder(userId, async () => {
      if (known && !(await known).has(userId)) return;
      await this.env.USER_PRESENCE.getByName(userId).unwatch(this.#name);
    }).catch((error) => console.error("socket hub: unwatch failed", userId, error));
  }

  /** Calls for one user's object (or the directory, for All) in call order: an unwatch must not overtake a later watch. */
  #inOrder<T>(userId: string, call: () => Promise<T>): Promise<T> {
    const before = this.#interest.get(userId) ?? Promise.resolve();
    const result = before.then(call);
    const settled = result.then(
      () => undefined,
      () => undefined,
    );
    this.#interest.set(userId, settled);
    void settled.then(() => {
      if (this.#interest.get(userId) === settled) this.#interest.delete(userId);
    });
    return result;
  }

  async #read(userId: string): Promise<PresenceSnapshot | null> {
    const snapshot = await this.env.USER_PRESENCE.getByName(userId).read();
    return snapshot as PresenceSnapshot | null;
  }

  /** Registers before listing: a user who joins in between is delivered to this hub, held by the ack. */
  #followAll(): Promise<string[]> {
    return this.#inOrder(ALL, async () => {
      await allHubsList(this.env).followAll(this.#name);
      return directoryOf(this.env).list();
    });
  }

  /**
   * Releasing All must never stop what follows it (a close, the next socket's deadline): a failed
   * call leaves a row in the directory, which the next delivery to this hub removes.
   */
  async #unfollowAllQuietly(): Promise<void> {
    try {
      await this.#unfollowAll();
    } catch (error) {
      console.error("socket hub: releasing All failed", error);
    }
  }

  #unfollowAll(): Promise<void> {
    return this.#inOrder(ALL, async () => {
      await allHubsList(this.env).unfollowAll(this.#name);
    });
  }

  #failSocket(ws: WebSocket): void {
    const session = this.#sockets.get(ws);
    if (!session) return;
    const step = release(session);
    // Out of the index before the unsubscribes run, or they would see it still wanting its users.
    this.#update(ws, session, step.session);
    void this.#carryOut(ws, [...step.effects, { kind: "close", code: 1011, reason: "internal_error" }]);
  }

  // -------------------------------------------------------------------------------------------
  // Sessions and deadlines
  // -------------------------------------------------------------------------------------------

  #update(ws: WebSocket, before: SocketSession, after: SocketSession): void {
    if (after === before) return;
    if (after.closed) this.#sockets.delete(ws);
    else this.#sockets.set(ws, after);
    ws.serializeAttachment(after);
  }

  async #release(ws: WebSocket): Promise<void> {
    // A hub woken from hibernation by this close does not list the socket any more (getWebSockets
    // leaves out closed ones), so its session is read back from the attachment.
    const session = this.#sockets.get(ws) ?? openSession(ws);
    this.#forget(ws);
    if (!session) return;
    await this.#carryOut(ws, release(session).effects);
    // Deadlines only move later as sockets go, so the alarm may stay (firing early costs one
    // wake-up that finds nothing); with no socket left there is nothing to wake for.
    if (this.#sockets.size === 0) await this.ctx.storage.deleteAlarm();
  }

  /** Everything the hub keeps about a socket, dropped: it is closed or closing. */
  #forget(ws: WebSocket): void {
    this.#sockets.delete(ws);
    this.#settling.delete(ws);
    this.#acked.delete(ws);
    this.#compressing.delete(ws);
  }

  #autoResponseAt(ws: WebSocket): number | null {
    return this.ctx.getWebSocketAutoResponseTimestamp(ws)?.getTime() ?? null;
  }

  async #scheduleAlarm(): Promise<void> {
    let next: number | null = null;
    for (const [ws, session] of this.#sockets.entries()) {
      const at = deadline(session, this.#config, this.#autoResponseAt(ws));
      if (at !== null && (next === null || at < next)) next = at;
    }
    if (next === null) await this.ctx.storage.deleteAlarm();
    else await this.ctx.storage.setAlarm(next);
  }
}

const USER_FETCH_CONCURRENCY = 50;
/** Users whose last fanned-out version a hub remembers (an All hub hears every user). */
const MAX_TRACKED_VERSIONS = 10_000;
/** #inOrder's key for the directory's All registration; not a Discord id. */
const ALL = "all";

/** A socket with acks in flight. */
interface Settling {
  chain: Promise<void>;
  pending: number;
  /** Changes for this socket that arrived meanwhile, in order. */
  held: PresenceChange[];
  /** The client's frames that arrived meanwhile, in order. */
  inbox: (string | ArrayBuffer)[];
}

/**
 * Completes the client's closing handshake. The runtime leaves a hibernatable socket CLOSING when
 * the client's close frame arrives (web_socket_auto_reply_to_close does not cover acceptWebSocket
 * here), so without this reply the client never sees its close complete. Once the runtime does
 * answer, close() on a closed socket is ignored.
 */
function answerClose(ws: WebSocket, code: number, reason: string): void {
  try {
    // 1005 (no code), 1006 (dropped) and 1015 only describe a close; they cannot be sent.
    ws.close(code === 1005 || code === 1006 || code === 1015 ? 1000 : code, reason);
  } catch {
    // Already closed.
  }
}

function openSession(ws: WebSocket): SocketSession | undefined {
  try {
    const session = ws.deserializeAttachment() as SocketSession | null;
    return session && !session.closed ? session : undefined;
  } catch {
    return undefined;
  }
}

function toUserChange(change: PresenceChange): UserChange | null {
  if (change.kind === "left") return { kind: "left", user_id: change.user_id };
  if (!change.snapshot) return null;
  return { kind: change.kind, user_id: change.user_id, payloads: change.snapshot };
}

function trySend(ws: WebSocket, frame: string | ArrayBuffer | Uint8Array): void {
  try {
    ws.send(frame);
  } catch {
    // The socket closed under us; its close event releases the session.
  }
}
