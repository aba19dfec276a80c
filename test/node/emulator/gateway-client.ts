import { createInflate } from "node:zlib";
import { GatewayIntentBits, GatewayOpcodes } from "discord-api-types/v10";
import WebSocket from "ws";
import type { Emulator } from "../../../emulator/server.ts";

/**
 * A bare gateway client for tests: it records every frame and close, and lets a test await a frame
 * matching a predicate. It sends only what the test tells it to (no automatic heartbeats).
 */

// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary payload fields.
export type Payload = any;

export interface Frame {
  op: number;
  d: Payload;
  s: number | null;
  t: string | null;
}

export interface CloseEvent {
  code: number;
  reason: string;
}

export const DEFAULT_WAIT_MS = 10_000;

/**
 * Emulator settings for raw-client tests: clients here heartbeat only when a test says so, so the
 * heartbeat deadline is far away; IDENTIFY is not spaced unless a test asks for it.
 */
export const RAW_CLIENT_CONFIG = {
  port: 0,
  heartbeatIntervalMs: 1_000,
  heartbeatTimeoutMs: 60_000,
  identifyIntervalMs: 0,
} as const;
/** Guilds | GuildMembers | GuildPresences: what a presence bot asks for. */
export const PRESENCE_INTENTS =
  GatewayIntentBits.Guilds | GatewayIntentBits.GuildMembers | GatewayIntentBits.GuildPresences;

interface Waiter {
  match: (frame: Frame) => boolean;
  resolve: (frame: Frame) => void;
  reject: (error: Error) => void;
}

export class GatewayClient {
  readonly frames: Frame[] = [];
  /** Every WebSocket message as received (before inflating), with whether it was binary. */
  readonly messages: { data: Buffer; binary: boolean }[] = [];
  closeEvent: CloseEvent | null = null;
  readonly #ws: WebSocket;
  readonly #waiters = new Set<Waiter>();
  readonly #closed: Promise<CloseEvent>;
  #inflating: Promise<void> = Promise.resolve();

  /** Opens `url` with the given query (default v=10&encoding=json) and waits for the socket to open. */
  static async connect(url: string, query = "v=10&encoding=json"): Promise<GatewayClient> {
    const client = new GatewayClient(`${url}?${query}`, query.includes("compress=zlib-stream"));
    await new Promise<void>((resolve, reject) => {
      client.#ws.once("open", () => resolve());
      client.#ws.once("error", reject);
    });
    return client;
  }

  private constructor(url: string, zlibStream: boolean) {
    this.#ws = new WebSocket(url);
    const inflate = zlibStream ? createInflate() : null;
    const inflated: Buffer[] = [];
    inflate?.on("data", (chunk: Buffer) => inflated.push(chunk));
    this.#ws.on("message", (data: Buffer, binary) => {
      this.messages.push({ data, binary });
      if (!inflate) return this.#receive(data.toString());
      // One inflate context for the connection; each message ends on a sync flush.
      this.#inflating = this.#inflating.then(
        () =>
          new Promise<void>((resolve) =>
            inflate.write(data, () => {
              this.#receive(Buffer.concat(inflated.splice(0)).toString());
              resolve();
            }),
          ),
      );
    });
    this.#closed = new Promise((resolve) => {
      this.#ws.on("close", async (code, reason) => {
        await this.#inflating;
        this.closeEvent = { code, reason: reason.toString() };
        for (const waiter of this.#waiters) {
          waiter.reject(
            new Error(`socket closed with ${code} (${reason}) while waiting; saw ${this.summary()}`),
          );
        }
        this.#waiters.clear();
        resolve(this.closeEvent);
      });
    });
    this.#ws.on("error", () => {});
  }

  #receive(text: string): void {
    const frame = JSON.parse(text) as Frame;
    this.frames.push(frame);
    for (const waiter of this.#waiters) {
      if (waiter.match(frame)) {
        this.#waiters.delete(waiter);
        waiter.resolve(frame);
      }
    }
  }

  /** A short description of what arrived, for failure messages. */
  summary(): string {
    return this.frames
      .map((frame) => (frame.op === 0 ? `${frame.t}#${frame.s}` : `op${frame.op}`))
      .join(", ");
  }

  /** The first frame matching, counting those already received from index `from` on. */
  waitFor(
    match: (frame: Frame) => boolean,
    options: { from?: number; timeoutMs?: number } = {},
  ): Promise<Frame> {
    const seen = this.frames.slice(options.from ?? 0).find(match);
    if (seen) return Promise.resolve(seen);
    if (this.closeEvent) return Promise.reject(new Error(`socket already closed (${this.closeEvent.code})`));
    return new Promise((resolve, reject) => {
      const timeoutMs = options.timeoutMs ?? DEFAULT_WAIT_MS;
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(new Error(`no matching frame within ${timeoutMs} ms; saw ${this.summary()}`));
      }, timeoutMs);
      const waiter: Waiter = {
        match,
        resolve: (frame) => {
          clearTimeout(timer);
          resolve(frame);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      this.#waiters.add(waiter);
    });
  }

  waitForOp(op: GatewayOpcodes, from = 0): Promise<Frame> {
    return this.waitFor((frame) => frame.op === op, { from });
  }

  waitForDispatch(t: string, from = 0): Promise<Frame> {
    return this.waitFor((frame) => frame.op === GatewayOpcodes.Dispatch && frame.t === t, { from });
  }

  dispatches(t?: string): Frame[] {
    return this.frames.filter(
      (frame) => frame.op === GatewayOpcodes.Dispatch && (t === undefined || frame.t === t),
    );
  }

  /** The highest sequence number received so far. */
  get seq(): number {
    return Math.max(0, ...this.frames.map((frame) => frame.s ?? 0));
  }

  /** Resolves with the close code and reason, whoever closed. */
  waitForClose(timeoutMs = DEFAULT_WAIT_MS): Promise<CloseEvent> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`still open after ${timeoutMs} ms; saw ${this.summary()}`)),
        timeoutMs,
      );
    });
    return Promise.race([this.#closed, timeout]).finally(() => clearTimeout(timer));
  }

  send(payload: unknown): void {
    this.#ws.send(JSON.stringify(payload));
  }

  sendRaw(text: string): void {
    this.#ws.send(text);
  }

  heartbeat(): void {
    this.send({ op: GatewayOpcodes.Heartbeat, d: this.seq || null });
  }

  identify(token: string, fields: Record<string, unknown> = {}): void {
    this.send({
      op: GatewayOpcodes.Identify,
      d: {
        token,
        intents: PRESENCE_INTENTS,
        properties: { os: "linux", browser: "test", device: "test" },
        ...fields,
      },
    });
  }

  resume(token: string, sessionId: string, seq: number): void {
    this.send({ op: GatewayOpcodes.Resume, d: { token, session_id: sessionId, seq } });
  }

  /** Closes from the client side (default 1000) and waits for the close to complete. */
  async close(code = 1000): Promise<CloseEvent> {
    if (this.#ws.readyState === WebSocket.OPEN) this.#ws.close(code);
    else if (this.#ws.readyState === WebSocket.CONNECTING) this.#ws.terminate();
    return this.#closed;
  }

  /** Drops the TCP connection without a close frame (the server sees 1006). */
  terminate(): void {
    this.#ws.terminate();
  }
}

/** Connects to the emulator's gateway URL, IDENTIFYs and returns the client with its READY. */
export async function identifiedClient(
  emulator: Emulator,
  fields: Record<string, unknown> = {},
  query?: string,
): Promise<{ client: GatewayClient; ready: Frame }> {
  const client = await GatewayClient.connect(emulator.urls.gateway, query);
  await client.waitForOp(GatewayOpcodes.Hello);
  client.identify(emulator.world.application.botToken, fields);
  const ready = await client.waitForDispatch("READY");
  return { client, ready };
}

/** Closes every client a test opened, whatever state it is in. */
export async function closeAll(clients: GatewayClient[]): Promise<void> {
  await Promise.all(clients.splice(0).map((client) => client.close()));
}
