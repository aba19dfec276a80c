import { runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import type { ApplyResult, UserPresence } from "../../durable-objects/user-presence/index.ts";
import { UserDelta, type UserDeltaInput } from "../../schemas/ingest.ts";
import { BASE, nextVersion } from "./helpers.ts";

/**
 * A /socket client for tests inside workerd: opens the socket through the Worker, as a browser
 * would (or straight on a named hub, to pin sockets to hubs), and reads frames in order. Binary
 * frames (zlib_json) are inflated back to text; `binary` says which frames came that way.
 */
export interface TestSocket {
  ws: WebSocket;
  /** The next frame, parsed; fails after `ms` without one. */
  next(ms?: number): Promise<Record<string, unknown>>;
  /** Resolves to nothing when no frame arrives within `ms`; fails if one does. */
  silent(ms?: number): Promise<void>;
  send(frame: unknown): void;
  /** Resolves with the close code and reason once the server closes. */
  closed: Promise<{ code: number; reason: string }>;
  /** Whether the close event has been seen. */
  isClosed(): boolean;
  /** Frames received so far and not yet read. */
  pending(): number;
  /** Per frame read or queued so far, in order: whether it came as a binary (deflated) message. */
  binary: boolean[];
}

export interface ConnectOptions {
  /** Open the socket on this hub (hub-0 …) instead of the one the Worker picks at random. */
  hub?: string;
}

export async function connect(query = "", options: ConnectOptions = {}): Promise<TestSocket> {
  const url = `${BASE}/socket${query}`;
  const init = { headers: { Upgrade: "websocket" } };
  const response = options.hub
    ? await env.SOCKET_HUB.getByName(options.hub).fetch(new Request(url, init))
    : await exports.default.fetch(url, init);
  const ws = response.webSocket;
  if (response.status !== 101 || !ws)
    throw new Error(`no upgrade: ${response.status} ${await response.text()}`);
  ws.accept();
  const queue: Record<string, unknown>[] = [];
  const waiters: ((frame: Record<string, unknown>) => void)[] = [];
  const binary: boolean[] = [];
  let order = Promise.resolve();
  ws.addEventListener("message", (event) => {
    // Inflating is async: chain it so frames stay in the order they came.
    const isBinary = typeof event.data !== "string";
    binary.push(isBinary);
    order = order.then(async () => {
      const text = isBinary ? await inflate(event.data as ArrayBuffer) : (event.data as string);
      const frame = JSON.parse(text) as Record<string, unknown>;
      const waiter = waiters.shift();
      if (waiter) waiter(frame);
      else queue.push(frame);
    });
  });
  let isClosed = false;
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.addEventListener("close", (event) => {
      isClosed = true;
      // Frames still being inflated were sent before the close: let them land first.
      void order.then(() => resolve({ code: event.code, reason: event.reason }));
    });
  });
  return {
    ws,
    closed,
    binary,
    isClosed: () => isClosed,
    pending: () => queue.length,
    send: (frame) =>
      ws.send(typeof frame === "string" || frame instanceof ArrayBuffer ? frame : JSON.stringify(frame)),
    next(ms = 2000) {
      const queued = queue.shift();
      if (queued) return Promise.resolve(queued);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(new Error(`no frame within ${ms} ms`));
        }, ms);
        const waiter = (frame: Record<string, unknown>) => {
          clearTimeout(timer);
          resolve(frame);
        };
        waiters.push(waiter);
      });
    },
    async silent(ms = 200) {
      await new Promise((resolve) => setTimeout(resolve, ms));
      await order;
      if (queue.length > 0) throw new Error(`unexpected frame: ${JSON.stringify(queue[0])}`);
    },
  };
}

/** Connects and reads HELLO, which every socket gets first. */
export async function connected(query = "", options: ConnectOptions = {}): Promise<TestSocket> {
  const socket = await connect(query, options);
  const hello = await socket.next();
  if (hello.op !== 1) throw new Error(`expected HELLO, got ${JSON.stringify(hello)}`);
  return socket;
}

export async function inflate(data: ArrayBuffer): Promise<string> {
  const stream = new Blob([data]).stream().pipeThrough(new DecompressionStream("deflate"));
  return new Response(stream).text();
}

/** The hubs registered as watching the user, read from the user's object. */
export function watchers(userId: string): Promise<string[]> {
  return runInDurableObject(env.USER_PRESENCE.getByName(userId), (_: UserPresence, state) =>
    state.storage.sql
      .exec<{ hub: string }>("SELECT hub FROM watchers ORDER BY hub")
      .toArray()
      .map((row) => row.hub),
  );
}

/** The hubs following All, read from the directory. */
export function allHubs(): Promise<string[]> {
  return env.MONITORED_USERS.getByName("all-hubs").allHubs() as Promise<string[]>;
}

/**
 * Polls until `read` gives `expected` (deep equality), for effects the hub carries out without
 * waiting (unwatch calls); fails with the last value after `ms`.
 */
export async function eventually<T>(read: () => Promise<T>, expected: T, ms = 2000): Promise<void> {
  const until = Date.now() + ms;
  let last: T;
  for (;;) {
    last = await read();
    if (JSON.stringify(last) === JSON.stringify(expected)) return;
    if (Date.now() > until) {
      throw new Error(`still ${JSON.stringify(last)}, expected ${JSON.stringify(expected)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * Applies deltas straight to the user's object, as ingest does, but without announcing the change
 * to hubs: the result's change can then be delivered by hand, at the moment a test chooses.
 */
export async function applyQuietly(...deltas: UserDeltaInput[]): Promise<ApplyResult> {
  const userId = deltas[0]!.user_id;
  // Typed through unknown: the RPC stub's mapped type of ApplyResult is too deep for tsc.
  const result: unknown = await env.USER_PRESENCE.getByName(userId).apply(
    deltas.map((delta) => UserDelta.parse(delta)),
  );
  return result as ApplyResult;
}

/** A presence delta for a user already joined. */
export const status = (userId: string, value: "online" | "idle" | "dnd" | "offline") => ({
  user_id: userId,
  version: nextVersion(),
  presence: { status: value, client_status: value === "offline" ? {} : { desktop: value } },
});

/** The member left every monitored guild. */
export const left = (userId: string) => ({ user_id: userId, version: nextVersion(), membership: null });
