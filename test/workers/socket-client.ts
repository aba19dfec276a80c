import { exports } from "cloudflare:workers";
import { BASE } from "./helpers.ts";

/**
 * A /socket client for tests inside workerd: opens the socket through the Worker, as a browser
 * would, and reads frames in order. Binary frames (zlib_json) are inflated back to text.
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
  /** Frames received so far and not yet read. */
  pending(): number;
}

export async function connect(query = ""): Promise<TestSocket> {
  const response = await exports.default.fetch(`${BASE}/socket${query}`, {
    headers: { Upgrade: "websocket" },
  });
  const ws = response.webSocket;
  if (response.status !== 101 || !ws)
    throw new Error(`no upgrade: ${response.status} ${await response.text()}`);
  ws.accept();
  const queue: Record<string, unknown>[] = [];
  const waiters: ((frame: Record<string, unknown>) => void)[] = [];
  let order = Promise.resolve();
  ws.addEventListener("message", (event) => {
    // Inflating is async: chain it so frames stay in the order they came.
    order = order.then(async () => {
      const text = typeof event.data === "string" ? event.data : await inflate(event.data as ArrayBuffer);
      const frame = JSON.parse(text) as Record<string, unknown>;
      const waiter = waiters.shift();
      if (waiter) waiter(frame);
      else queue.push(frame);
    });
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.addEventListener("close", (event) => resolve({ code: event.code, reason: event.reason }));
  });
  return {
    ws,
    closed,
    pending: () => queue.length,
    send: (frame) => ws.send(typeof frame === "string" ? frame : JSON.stringify(frame)),
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
      if (queue.length > 0) throw new Error(`unexpected frame: ${JSON.stringify(queue[0])}`);
    },
  };
}

export async function inflate(data: ArrayBuffer): Promise<string> {
  const stream = new Blob([data]).stream().pipeThrough(new DecompressionStream("deflate"));
  return new Response(stream).text();
}
