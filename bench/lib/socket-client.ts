import { inflateSync } from "node:zlib";
import WebSocket from "ws";
import type { HubStats as HubCounts } from "../../durable-objects/socket-hub/stats.ts";
import { ingestHeaders } from "../../schemas/ingest-signature.ts";

/**
 * A /socket client in Node for the end-to-end test and the socket benchmark: one `ws` connection,
 * frames decoded to text in arrival order (binary frames, ?compression=zlib_json, inflated with
 * node:zlib), optional heartbeats at the interval HELLO announces. Cheap enough to open thousands:
 * with `keep: false` frames only go to `onFrame`, nothing is queued.
 */

export interface SocketClientOptions {
  /** Sent every heartbeat_interval once HELLO has arrived (the first at a random point of the interval). */
  heartbeat?: string;
  /** Called for every frame, with its arrival time (performance.now()), before it is queued. */
  onFrame?: (text: string, at: number) => void;
  /** Queue frames for next()/frames (default true). */
  keep?: boolean;
}

export interface SocketClient {
  ws: WebSocket;
  /** Every frame received so far, as text (when `keep`). */
  frames: string[];
  /** How many frames came binary (deflated, with ?compression=zlib_json) rather than as text. */
  binaryFrames(): number;
  /** The first frame not yet taken that matches, parsed; the frames before it are taken too. */
  next(match?: (frame: Frame) => boolean, timeoutMs?: number): Promise<Frame>;
  send(frame: unknown): void;
  /** Resolves once the socket is closed, by either side. */
  closed: Promise<{ code: number; reason: string }>;
  close(): Promise<void>;
}

export type Frame = { op?: number; t?: string; d?: unknown } & Record<string, unknown>;

/** Opens a socket on the Worker's /socket (`query` e.g. "?compression=zlib_json") and waits for it to open. */
export async function openSocket(
  workerUrl: string,
  query = "",
  options: SocketClientOptions = {},
): Promise<SocketClient> {
  const ws = new WebSocket(`${workerUrl.replace(/^http/, "ws")}/socket${query}`, {
    perMessageDeflate: false,
  });
  const keep = options.keep ?? true;
  const frames: string[] = [];
  let taken = 0;
  let binary = 0;
  const waiters = new Set<() => void>();
  let heartbeat: ReturnType<typeof setTimeout> | undefined;
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.once("close", (code, reason) => {
      clearTimeout(heartbeat);
      clearInterval(heartbeat);
      resolve({ code, reason: reason.toString() });
      for (const wake of waiters) wake();
    });
  });
  ws.on("message", (data: Buffer, isBinary: boolean) => {
    const at = performance.now();
    if (isBinary) binary++;
    const text = isBinary ? inflateSync(data).toString() : data.toString();
    options.onFrame?.(text, at);
    if (options.heartbeat && heartbeat === undefined && text.includes('"HELLO"')) {
      const interval = (JSON.parse(text) as { d: { heartbeat_interval: number } }).d.heartbeat_interval;
      const beat = () => ws.readyState === WebSocket.OPEN && ws.send(options.heartbeat!);
      heartbeat = setTimeout(() => {
        beat();
        heartbeat = setInterval(beat, interval);
      }, Math.random() * interval);
    }
    if (!keep) return;
    frames.push(text);
    for (const wake of waiters) wake();
  });
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    // Before opening, an error fails the open; after, it shows up as the close.
    ws.on("error", reject);
    ws.once("unexpected-response", (_req, res) => {
      reject(new Error(`no upgrade: ${res.statusCode}`));
      ws.terminate();
    });
  });

  return {
    ws,
    frames,
    binaryFrames: () => binary,
    closed,
    send: (frame) => ws.send(typeof frame === "string" ? frame : JSON.stringify(frame)),
    async close() {
      if (ws.readyState === WebSocket.CLOSED) return;
      ws.close(1000);
      await Promise.race([closed, sleep(5_000).then(() => ws.terminate())]);
    },
    next(match = () => true, timeoutMs = 20_000) {
      return new Promise<Frame>((resolve, reject) => {
        const look = () => {
          while (taken < frames.length) {
            const frame = JSON.parse(frames[taken++]!) as Frame;
            if (match(frame)) return done(() => resolve(frame));
          }
          if (ws.readyState === WebSocket.CLOSED)
            done(() => reject(new Error(`socket closed before the frame came; got ${frames.join("\n")}`)));
        };
        const timer = setTimeout(
          () =>
            done(() =>
              reject(new Error(`no matching frame within ${timeoutMs} ms; got ${frames.join("\n")}`)),
            ),
          timeoutMs,
        );
        const done = (settle: () => void) => {
          clearTimeout(timer);
          waiters.delete(look);
          settle();
        };
        waiters.add(look);
        look();
      });
    },
  };
}

/** Runs `open` for indexes 0 … count − 1, `concurrency` at a time (e.g. connect, INIT, await the ack). */
export async function openMany<T>(
  count: number,
  concurrency: number,
  open: (index: number) => Promise<T>,
): Promise<T[]> {
  const out: T[] = new Array(count);
  let nextIndex = 0;
  const worker = async () => {
    while (nextIndex < count) {
      const index = nextIndex++;
      out[index] = await open(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return out;
}

/** One hub's entry in the signed GET /ingest/sockets: its stats under its name. */
export interface HubStats extends HubCounts {
  hub: string;
}

/** Sockets and wake-ups per hub, through the signed GET /ingest/sockets. */
export async function socketStats(workerUrl: string, secret: string): Promise<HubStats[]> {
  const res = await fetch(`${workerUrl}/ingest/sockets`, {
    headers: await ingestHeaders(secret, { method: "GET", path: "/ingest/sockets" }, ""),
  });
  if (!res.ok) throw new Error(`GET /ingest/sockets: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { hubs: HubStats[] }).hubs;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
