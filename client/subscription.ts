import type { LanternUser } from "../schemas/lantern.ts";
import type { LanyardPresence } from "../schemas/lanyard.ts";
import { type BackoffOptions, backoffDelay } from "./backoff.ts";
import { PorchlightError } from "./errors.ts";
import type { Dialect } from "./presence.ts";
import {
  heartbeatFrame,
  initFrame,
  isFinalClose,
  readServerFrame,
  type ServerFrame,
  subscribeFrame,
  unsubscribeFrame,
} from "./socket-protocol.ts";
import { TypedEvents } from "./typed-events.ts";

/**
 * A live subscription on /socket that keeps itself alive: it heartbeats at the interval HELLO
 * announces, and when the connection drops (the Worker restarts, a deploy, a network change, a
 * connection that stops answering) it reconnects with exponential backoff and jitter and sends
 * its INIT again for whoever it follows now, including users added or removed since. Each
 * (re)connection starts with a `ready` event carrying the whole current state, so a caller that
 * renders from `ready` and then applies updates never shows anything stale. `close()` ends it.
 */

/** The parts of a WebSocket used here: the standard one of browsers, Node 22+ and Workers fits. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: string, listener: (event: unknown) => void): void;
}

export type WebSocketConstructor = new (url: string) => WebSocketLike;

const OPEN = 1;
const NOBODY_LEFT = "nobody left to follow";

export interface SubscriptionError {
  message: string;
  /** `server`: an ERROR frame (op 11), after which the socket stays open; `client`: a frame that could not be read. */
  source: "server" | "client";
}

interface ConnectionEvents {
  error: SubscriptionError;
  /** The connection ended and another is coming after `delayMs`. */
  reconnecting: { attempt: number; delayMs: number; code: number; reason: string };
  /** The subscription is over: `close()`, a close the server means for good, or retries exhausted. */
  close: { code: number; reason: string };
}

export interface LanternSubscriptionEvents extends ConnectionEvents {
  /** INIT_ACK, on every connection: the users followed, in full. */
  ready: { users: LanternUser[]; reconnected: boolean };
  /** SUBSCRIBE_ACK: the users `subscribe()` added. */
  subscribed: { users: LanternUser[] };
  presence: LanternUser;
  storage: LanternUser;
  /** A user joined the monitored servers (when following All). */
  joined: LanternUser;
  /** A followed user left the monitored servers and is no longer followed. */
  left: { user_id: string };
}

export interface LanyardSubscriptionEvents extends ConnectionEvents {
  /** INIT_STATE, on every connection: id → presence of the users followed. */
  ready: { presences: Record<string, LanyardPresence>; reconnected: boolean };
  /** INIT_STATE answering `subscribe()`. */
  subscribed: { presences: Record<string, LanyardPresence> };
  /** Presence or key-value pairs changed (Lanyard has no separate storage event). */
  presence: LanyardPresence & { user_id: string };
}

export type SubscriptionEvents<D extends Dialect> = D extends "lanyard"
  ? LanyardSubscriptionEvents
  : LanternSubscriptionEvents;

export interface SubscriptionOptions<D extends Dialect = Dialect> {
  /** Lantern's protocol by default. */
  dialect?: D;
  /** Backoff between connection attempts (default 500 ms doubling to 30 s, with full jitter). */
  reconnect?: Partial<BackoffOptions> & {
    /** Failed attempts in a row before giving up with a `close` (default: never give up). */
    maxAttempts?: number;
  };
  /** A connection that has not delivered its initial state by then is dropped and retried (default 15 s). */
  connectTimeoutMs?: number;
}

export interface SubscriptionSetup<D extends Dialect> extends SubscriptionOptions<D> {
  /** ws:// or wss:// URL of /socket. */
  url: string;
  targets: readonly string[] | "all";
  WebSocket: WebSocketConstructor;
}

export class PresenceSubscription<D extends Dialect = "lantern"> extends TypedEvents<SubscriptionEvents<D>> {
  readonly dialect: D;
  readonly #url: string;
  readonly #WebSocket: WebSocketConstructor;
  readonly #backoff: BackoffOptions;
  readonly #maxAttempts: number;
  readonly #connectTimeoutMs: number;

  #targets: Set<string> | "all";
  #socket: WebSocketLike | null = null;
  /** What the current connection's INIT named, once sent. */
  #initTargets: Set<string> | "all" | null = null;
  #ready = false;
  #everReady = false;
  #attempt = 0;
  #lastFrameAt = 0;
  /** Lantern's DISCONNECT (op 9) says why before the close frame comes. */
  #disconnectReason = "";
  #closed = false;
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  #connectTimer: ReturnType<typeof setTimeout> | undefined;
  #reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  readonly #closedPromise: Promise<{ code: number; reason: string }>;
  #resolveClosed!: (event: { code: number; reason: string }) => void;

  constructor(setup: SubscriptionSetup<D>) {
    super();
    this.dialect = (setup.dialect ?? "lantern") as D;
    this.#url = setup.url;
    this.#WebSocket = setup.WebSocket;
    this.#backoff = { baseMs: setup.reconnect?.baseMs ?? 500, maxMs: setup.reconnect?.maxMs ?? 30_000 };
    this.#maxAttempts = setup.reconnect?.maxAttempts ?? Number.POSITIVE_INFINITY;
    this.#connectTimeoutMs = setup.connectTimeoutMs ?? 15_000;
    this.#targets = setup.targets === "all" ? "all" : new Set(setup.targets);
    if (this.#targets !== "all" && this.#targets.size === 0) {
      throw new PorchlightError('a subscription needs at least one user id, or "all"');
    }
    this.#closedPromise = new Promise((resolve) => {
      this.#resolveClosed = resolve;
    });
    // After the caller has had the chance to add listeners.
    queueMicrotask(() => this.#connect());
  }

  /** Who is followed now: ids, or "all". */
  get targets(): readonly string[] | "all" {
    return this.#targets === "all" ? "all" : [...this.#targets];
  }

  /** The current connection has delivered its initial state. */
  get connected(): boolean {
    return this.#ready;
  }

  /** Settles once the subscription is over, with the final close. */
  get closed(): Promise<{ code: number; reason: string }> {
    return this.#closedPromise;
  }

  /** Follows more users (or everyone), now and on every reconnection. */
  subscribe(users: string | readonly string[] | "all"): void {
    if (this.#closed) throw new PorchlightError("the subscription is closed");
    if (this.#targets === "all") {
      if (users === "all") return;
      throw new PorchlightError("the subscription already follows every user");
    }
    if (users === "all") {
      this.#targets = "all";
      this.#sendOnInitialised(subscribeFrame(this.dialect, "all"));
      return;
    }
    const targets = this.#targets;
    const added = [...new Set(typeof users === "string" ? [users] : users)].filter((id) => !targets.has(id));
    if (added.length === 0) return;
    for (const id of added) targets.add(id);
    this.#sendOnInitialised(subscribeFrame(this.dialect, added));
  }

  /**
   * Stops following some users. On Lantern's protocol a socket left with nobody is closed by the
   * server (4000), which ends the subscription.
   */
  unsubscribe(users: string | readonly string[]): void {
    if (this.#closed) throw new PorchlightError("the subscription is closed");
    if (this.#targets === "all") {
      throw new PorchlightError("the subscription follows every user: close() it to stop");
    }
    const targets = this.#targets;
    const removed = [...new Set(typeof users === "string" ? [users] : users)].filter((id) => targets.has(id));
    if (removed.length === 0) return;
    for (const id of removed) targets.delete(id);
    if (this.dialect === "lantern" && targets.size === 0 && this.#initTargets === null) {
      // Not connected now, and a Lantern INIT needs someone: there is nothing to reconnect for.
      this.#endHere(NOBODY_LEFT);
      return;
    }
    this.#sendOnInitialised(unsubscribeFrame(this.dialect, removed));
  }

  /** Ends the subscription for good. */
  close(): void {
    this.#endHere("closed by the client");
  }

  /** Ends it from this side: the socket, if open, is closed normally (1000), and `close` carries `reason`. */
  #endHere(reason: string): void {
    if (this.#closed) return;
    const socket = this.#socket;
    this.#socket = null;
    try {
      socket?.close(1000, reason);
    } catch {
      // Already closing.
    }
    this.#finish(1000, reason);
  }

  // ---- one connection ----

  #connect(): void {
    if (this.#closed) return;
    let socket: WebSocketLike;
    try {
      socket = new this.#WebSocket(this.#url);
    } catch (error) {
      this.#emitAny("error", { message: `cannot open ${this.#url}: ${String(error)}`, source: "client" });
      this.#retry(1006, String(error));
      return;
    }
    this.#socket = socket;
    this.#ready = false;
    this.#initTargets = null;
    this.#disconnectReason = "";
    this.#lastFrameAt = Date.now();
    this.#connectTimer = setTimeout(
      () => this.#drop(socket, `no initial state within ${this.#connectTimeoutMs} ms`),
      this.#connectTimeoutMs,
    );
    // Events of a socket this subscription has moved on from are ignored.
    socket.addEventListener("open", () => {
      if (socket === this.#socket) this.#sendInit();
    });
    socket.addEventListener("message", (event) => {
      if (socket === this.#socket) this.#onFrame((event as { data?: unknown }).data);
    });
    socket.addEventListener("close", (event) => {
      if (socket !== this.#socket) return;
      const { code, reason } = event as { code?: number; reason?: string };
      this.#onClose(code ?? 1006, reason ?? "");
    });
    // An error is always followed by a close, which is where reconnecting is decided.
    socket.addEventListener("error", () => {});
  }

  // An INIT may be sent before HELLO is read, in both dialects: sending it on open saves a round trip.
  #sendInit(): void {
    if (this.#targets !== "all" && this.#targets.size === 0 && this.dialect === "lantern") {
      // Lantern refuses an INIT without users (4006): nobody is left to follow.
      this.#endHere(NOBODY_LEFT);
      return;
    }
    this.#initTargets = this.#targets === "all" ? "all" : new Set(this.#targets);
    this.#send(initFrame(this.dialect, this.#initTargets));
  }

  #onFrame(data: unknown): void {
    this.#lastFrameAt = Date.now();
    const frame = readServerFrame(data);
    if (!frame) {
      this.#emitAny("error", {
        message: "the server sent a frame that is not a JSON object",
        source: "client",
      });
      return;
    }
    if (frame.op === 1) {
      this.#startHeartbeat((frame.d as { heartbeat_interval?: number } | undefined)?.heartbeat_interval);
      return;
    }
    if (this.dialect === "lanyard") this.#onLanyardFrame(frame);
    else this.#onLanternFrame(frame);
  }

  #onLanternFrame(frame: ServerFrame): void {
    switch (frame.op) {
      case 3: {
        const users = asArray(frame.d as LanternUser | LanternUser[]);
        this.#forgetUnknown(users.map((user) => user.metadata.id));
        this.#becomeReady({ users });
        return;
      }
      case 6:
        this.#emitAny("presence", frame.d);
        return;
      case 7: {
        const { user_id } = frame.d as { user_id: string };
        if (this.#targets !== "all") this.#targets.delete(user_id);
        this.#emitAny("left", { user_id });
        return;
      }
      case 8:
        this.#emitAny("joined", frame.d);
        return;
      case 9: {
        const d = frame.d as { reason?: string; error?: string } | undefined;
        this.#disconnectReason = d?.reason ?? d?.error ?? "";
        return;
      }
      case 10:
        this.#emitAny("storage", frame.d);
        return;
      case 11:
        this.#emitAny("error", { message: String(frame.d), source: "server" });
        return;
      case 13:
        this.#emitAny("subscribed", { users: asArray(frame.d as LanternUser | LanternUser[]) });
        return;
      default:
        // 5 HEARTBEAT_ACK and 15 UNSUBSCRIBE_ACK carry nothing; receiving them was the point.
        return;
    }
  }

  #onLanyardFrame(frame: ServerFrame): void {
    if (frame.op !== 0) return;
    if (frame.t === "INIT_STATE") {
      const presences = (frame.d ?? {}) as Record<string, LanyardPresence>;
      if (this.#ready) {
        this.#emitAny("subscribed", { presences });
        return;
      }
      this.#forgetUnknown(Object.keys(presences));
      this.#becomeReady({ presences });
    } else if (frame.t === "PRESENCE_UPDATE") {
      this.#emitAny("presence", frame.d);
    }
  }

  /**
   * The initial state leaves out users who are not monitored (Lantern names them in an ERROR
   * first): they are not followed any more, so a reconnection does not ask for them again.
   */
  #forgetUnknown(present: string[]): void {
    const asked = this.#initTargets;
    if (asked === "all" || asked === null || this.#targets === "all") return;
    const known = new Set(present);
    for (const id of asked) if (!known.has(id)) this.#targets.delete(id);
  }

  #becomeReady(state: { users: LanternUser[] } | { presences: Record<string, LanyardPresence> }): void {
    stopTimer(this.#connectTimer);
    this.#ready = true;
    this.#attempt = 0;
    const reconnected = this.#everReady;
    this.#everReady = true;
    this.#emitAny("ready", { ...state, reconnected });
  }

  #startHeartbeat(intervalMs: number | undefined): void {
    stopInterval(this.#heartbeat);
    if (!intervalMs || intervalMs <= 0) return;
    const socket = this.#socket;
    this.#heartbeat = setInterval(() => {
      // Lantern answers every heartbeat; two intervals of silence mean the connection is gone
      // even if the operating system has not noticed (a laptop waking, a NAT forgetting it).
      if (this.dialect === "lantern" && Date.now() - this.#lastFrameAt > 2 * intervalMs) {
        if (socket) this.#drop(socket, "no answer to heartbeats");
        return;
      }
      this.#send(heartbeatFrame(this.dialect));
    }, intervalMs);
  }

  #sendOnInitialised(frame: string): void {
    // Before INIT, the INIT itself will name the new targets.
    if (this.#initTargets !== null) this.#send(frame);
  }

  #send(frame: string): void {
    const socket = this.#socket;
    if (!socket || socket.readyState !== OPEN) return;
    try {
      socket.send(frame);
    } catch {
      // The close event that follows decides what happens next.
    }
  }

  /** Gives up on a connection that looks alive but is not, and reconnects. */
  #drop(socket: WebSocketLike, reason: string): void {
    if (socket !== this.#socket) return;
    this.#socket = null;
    try {
      socket.close(1000, reason);
    } catch {
      // Nothing to close.
    }
    this.#onClose(1006, reason);
  }

  #onClose(code: number, reason: string): void {
    this.#socket = null;
    this.#ready = false;
    this.#initTargets = null;
    stopInterval(this.#heartbeat);
    stopTimer(this.#connectTimer);
    if (this.#closed) return;
    const why = reason || this.#disconnectReason;
    if (isFinalClose(code)) this.#finish(code, why);
    else this.#retry(code, why);
  }

  #retry(code: number, reason: string): void {
    if (this.#attempt >= this.#maxAttempts) {
      this.#finish(code, reason || "gave up reconnecting");
      return;
    }
    const delayMs = backoffDelay(this.#attempt, this.#backoff);
    this.#attempt++;
    this.#emitAny("reconnecting", { attempt: this.#attempt, delayMs, code, reason });
    this.#reconnectTimer = setTimeout(() => this.#connect(), delayMs);
  }

  #finish(code: number, reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#ready = false;
    stopInterval(this.#heartbeat);
    stopTimer(this.#connectTimer);
    stopTimer(this.#reconnectTimer);
    this.#emitAny("close", { code, reason });
    this.#resolveClosed({ code, reason });
  }

  // The event map depends on D, which TypeScript cannot narrow inside the class; each call site
  // passes the payload its dialect's map names.
  #emitAny(type: string, payload: unknown): void {
    (this.emit as (type: string, payload: unknown) => void)(type, payload);
  }
}

// Typed for undefined because Workers' clearTimeout and clearInterval do not accept it where
// Node's and browsers' do.
function stopTimer(timer: ReturnType<typeof setTimeout> | undefined): void {
  if (timer !== undefined) clearTimeout(timer);
}
function stopInterval(timer: ReturnType<typeof setInterval> | undefined): void {
  if (timer !== undefined) clearInterval(timer);
}

const asArray = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);
