import { constants, createDeflate } from "node:zlib";
import { WebSocket } from "ws";

/**
 * How frames reach the socket: as text, or through `compress=zlib-stream`, where one deflate
 * context lives as long as the connection and every message is flushed with Z_SYNC_FLUSH (so it
 * ends in 00 00 ff ff and the client can inflate it on arrival) and sent as one binary frame.
 */
export interface Transport {
  send(text: string): void;
  /** Closes after every frame already handed to send() has gone out. */
  close(code: number, reason: string): void;
  /** Frees resources once the socket is closed. */
  dispose(): void;
}

/** Close reasons are limited to 123 bytes by RFC 6455; longer ones make ws throw. */
function closeReason(reason: string): string {
  let cut = reason;
  while (Buffer.byteLength(cut) > 123) cut = cut.slice(0, -1);
  return cut;
}

export function plainTransport(ws: WebSocket): Transport {
  return {
    send(text) {
      if (ws.readyState === WebSocket.OPEN) ws.send(text);
    },
    close(code, reason) {
      if (ws.readyState === WebSocket.OPEN) ws.close(code, closeReason(reason));
    },
    dispose() {},
  };
}

export function zlibStreamTransport(ws: WebSocket): Transport {
  const deflate = createDeflate();
  let output: Buffer[] = [];
  let inFlight = 0;
  let pendingClose: (() => void) | null = null;
  deflate.on("data", (chunk: Buffer) => output.push(chunk));
  // A deflate error can only follow dispose(); the socket is gone by then.
  deflate.on("error", () => {});

  return {
    send(text) {
      if (ws.readyState !== WebSocket.OPEN || pendingClose) return;
      inFlight += 1;
      deflate.write(text);
      // Flushes complete in write order, and each one's output has been emitted before its callback.
      deflate.flush(constants.Z_SYNC_FLUSH, () => {
        inFlight -= 1;
        const message = Buffer.concat(output);
        output = [];
        if (ws.readyState === WebSocket.OPEN) ws.send(message, { binary: true });
        if (inFlight === 0 && pendingClose) pendingClose();
      });
    },
    close(code, reason) {
      if (ws.readyState !== WebSocket.OPEN || pendingClose) return;
      pendingClose = () => {
        if (ws.readyState === WebSocket.OPEN) ws.close(code, closeReason(reason));
      };
      if (inFlight === 0) pendingClose();
    },
    dispose() {
      deflate.close();
    },
  };
}
