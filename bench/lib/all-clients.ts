import { openMany, openSocket, type SocketClient } from "./socket-client.ts";

/**
 * The All subscribers of bench/socket.ts's part (d), in a child process of their own: each one
 * receives every change, so at 50 sockets and 200 changes/s they read 10,000 frames a second, and
 * in the benchmark's process that reading would delay the id sockets whose latency is measured.
 * Talks to its parent over the IPC channel (times are wall-clock milliseconds, comparable across
 * processes: performance.timeOrigin + performance.now()):
 *
 *   parent → child  {type: "open", url, count, concurrency}  open `count` more Lantern All sockets,
 *                                               `concurrency` at a time
 *   child → parent  {type: "opened", acks}      each one's INIT → INIT_ACK time and the ack's bytes
 *   parent → child  {type: "report"}            per change marker: first and last arrival, sockets
 *   child → parent  {type: "report", changes}
 *   parent → child  {type: "drop"}              close every socket, stay up
 *   child → parent  {type: "dropped"}
 *   parent → child  {type: "close"}             close every socket and exit
 */

type ParentMessage =
  | { type: "open"; url: string; count: number; concurrency: number }
  | { type: "report" }
  | { type: "drop" }
  | { type: "close" };

export interface AllAck {
  ms: number;
  bytes: number;
}

/** Per change sequence number: when the first and the last All socket had it, and how many did. */
export type AllReceipts = Record<number, { first: number; last: number; sockets: number }>;

const MARKER = /sk-(\d+)-z/;
const now = () => performance.timeOrigin + performance.now();

if (!process.send) {
  console.error("all-clients: run by bench/socket.ts (needs IPC)");
  process.exit(2);
}
const send = (message: object) => process.send?.(message);

const sockets: SocketClient[] = [];
let receipts: AllReceipts = {};
const onFrame = (text: string) => {
  const match = MARKER.exec(text);
  if (!match) return;
  const at = now();
  const seq = Number(match[1]);
  const entry = receipts[seq];
  if (entry) {
    entry.last = at;
    entry.sockets++;
  } else receipts[seq] = { first: at, last: at, sockets: 1 };
};

async function openAll(url: string, count: number, concurrency: number): Promise<AllAck[]> {
  return openMany(count, concurrency, async () => {
    let acked: (bytes: number) => void = () => {};
    const ack = new Promise<number>((resolve) => {
      acked = resolve;
    });
    const socket = await openSocket(url, "", {
      heartbeat: '{"op":4}',
      keep: false,
      onFrame: (text) => {
        // The ack holds every user's current presence, markers of earlier changes included.
        if (text.startsWith('{"t":"INIT_ACK"')) acked(Buffer.byteLength(text));
        else onFrame(text);
      },
    });
    sockets.push(socket);
    const started = now();
    socket.send({ op: 2, d: { user_id: "All" } });
    const bytes = await Promise.race([
      ack,
      socket.closed.then((close) => {
        throw new Error(`an All socket closed before its INIT_ACK: ${close.code} ${close.reason}`);
      }),
    ]);
    return { ms: now() - started, bytes };
  });
}

process.on("message", (message: ParentMessage) => {
  if (message.type === "open") {
    openAll(message.url, message.count, message.concurrency).then(
      (acks) => send({ type: "opened", acks }),
      (error: Error) => send({ type: "failed", error: error.message }),
    );
  } else if (message.type === "report") {
    send({ type: "report", changes: receipts });
    receipts = {};
  } else if (message.type === "drop") {
    void Promise.all(sockets.splice(0).map((socket) => socket.close())).then(() => send({ type: "dropped" }));
  } else if (message.type === "close") {
    void Promise.all(sockets.map((socket) => socket.close())).then(() => process.disconnect());
  }
});
process.on("disconnect", () => process.exit(0));
