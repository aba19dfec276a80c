import { GatewayCloseCodes } from "discord-api-types/v10";
import type { RawData, WebSocket } from "ws";
import type { EmulatorConfig } from "../config.ts";
import { HEARTBEAT_ACK_FRAME, helloFrame } from "./frames.ts";
import { SendWindow } from "./limits.ts";
import { type ClientPayload, decodeClientPayload, isRejection } from "./protocol.ts";
import type { FrameSink, Session } from "./session.ts";
import { plainTransport, type Transport, zlibStreamTransport } from "./transport.ts";

/** Which URL the client dialled: the one GET /gateway/bot hands out, or READY's resume_gateway_url. */
export type UrlKind = "gateway" | "resume";

export type CloseInitiator = "client" | "server";

export interface ConnectionEvents {
  /** A decoded client payload with an opcode the client may send in its current state. */
  onPayload(connection: Connection, payload: ClientPayload): void;
  /** Called once: at once for a server close (before the socket closes), on the close frame otherwise. */
  onClose(connection: Connection, code: number, by: CloseInitiator): void;
}

/**
 * One WebSocket of the gateway: HELLO, the heartbeat deadline (4009), the send limit (4008), frame
 * decoding (4001-4003) and the attached session. What a payload means is the gateway's business.
 */
export class Connection implements FrameSink {
  readonly urlKind: UrlKind;
  session: Session | null = null;
  /** Set by the dropAcks control: heartbeats go unanswered, so the client sees a zombie connection. */
  acksDropped = false;
  readonly #transport: Transport;
  readonly #sendWindow: SendWindow;
  readonly #events: ConnectionEvents;
  #heartbeatDeadline: NodeJS.Timeout | null = null;
  #closeLater: NodeJS.Timeout | null = null;
  #closed = false;

  constructor(
    ws: WebSocket,
    options: { urlKind: UrlKind; zlibStream: boolean; config: EmulatorConfig; events: ConnectionEvents },
  ) {
    this.urlKind = options.urlKind;
    this.#events = options.events;
    this.#transport = options.zlibStream ? zlibStreamTransport(ws) : plainTransport(ws);
    this.#sendWindow = new SendWindow(options.config.gatewaySendLimit, options.config.gatewaySendWindowMs);
    ws.on("message", (data) => this.#receive(data));
    ws.on("close", (code) => this.#socketClosed(code));
    // A socket error is always followed by "close"; that is where the connection is cleaned up.
    ws.on("error", () => {});
  }

  get open(): boolean {
    return !this.#closed;
  }

  /** Sends HELLO and starts waiting for the first heartbeat. */
  hello(heartbeatIntervalMs: number, heartbeatTimeoutMs: number): void {
    this.send(helloFrame(heartbeatIntervalMs));
    this.#heartbeatDeadline = setTimeout(
      () => this.close(GatewayCloseCodes.SessionTimedOut, "Session timed out: no heartbeat"),
      heartbeatTimeoutMs,
    ).unref();
  }

  /** Restarts the heartbeat deadline and ACKs, unless ACKs are being dropped. */
  heartbeat(): void {
    this.#heartbeatDeadline?.refresh();
    if (!this.acksDropped) this.send(HEARTBEAT_ACK_FRAME);
  }

  send(frame: string): void {
    if (!this.#closed) this.#transport.send(frame);
  }

  /** A server-side close: the gateway hears about it at once, so no further frame is routed here. */
  close(code: number, reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#clearTimers();
    this.#events.onClose(this, code, "server");
    this.#transport.close(code, reason);
  }

  /** Closes with `code` after `delayMs` unless the connection has closed by then. */
  closeAfter(delayMs: number, code: number, reason: string): void {
    if (this.#closed || this.#closeLater) return;
    this.#closeLater = setTimeout(() => this.close(code, reason), delayMs).unref();
  }

  #receive(data: RawData): void {
    if (this.#closed) return;
    if (!this.#sendWindow.tryConsume(Date.now())) {
      this.close(GatewayCloseCodes.RateLimited, "Rate limited: too many gateway sends");
      return;
    }
    const raw = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    const payload = decodeClientPayload(raw, this.session !== null);
    if (isRejection(payload)) {
      this.close(payload.close, payload.reason);
      return;
    }
    this.#events.onPayload(this, payload);
  }

  #socketClosed(code: number): void {
    this.#transport.dispose();
    if (this.#closed) return;
    this.#closed = true;
    this.#clearTimers();
    this.#events.onClose(this, code, "client");
  }

  #clearTimers(): void {
    if (this.#heartbeatDeadline) clearTimeout(this.#heartbeatDeadline);
    if (this.#closeLater) clearTimeout(this.#closeLater);
  }
}
