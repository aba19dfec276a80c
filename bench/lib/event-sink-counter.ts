import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { ForwardedEvent } from "../../schemas/gateway-events.ts";

/**
 * A child process that counts the gateway runner's forwarded events (schemas/gateway-events.ts
 * ForwardedEvent) where a sink delivers them, by id, in a process of its own so that reading them
 * takes no time from the emulator in the benchmark's process: NDJSON lines on its standard input
 * (the runner's stdout sink, its standard output handed straight to this process's), and POSTs of
 * `{"events": [...]}` on an HTTP port (examples/queue-consumer's FORWARD_TO). Each event's latency
 * is its arrival here (Date.now()) less its `received_at` (the runner's Date.now() when the
 * dispatch arrived). Talks to its parent over the IPC channel:
 *
 *   child → parent  {type: "ready", url}      the HTTP server's base URL
 *   parent → child  {type: "expect", count}   reset the counts; answer at once, and again when
 *   child → parent  {type: "expecting"}       `count` distinct ids of PRESENCE_UPDATE have
 *   child → parent  {type: "reached"}         arrived
 *   parent → child  {type: "progress"}
 *   child → parent  {type: "progress", distinct}
 *   parent → child  {type: "report"}
 *   child → parent  {type: "report", ...}     SinkReport, since the last "expect"
 *   parent → child  {type: "close"}
 */

export interface SinkReport {
  /** Distinct ids of PRESENCE_UPDATE events. */
  distinct: number;
  /** Events whose id had already arrived since the last "expect". */
  duplicates: number;
  /** Events of another type. */
  other: number;
  /** Lines or POSTs that were not forwarded events (`detail` says the first). */
  malformed: number;
  detail: string | null;
  /** Milliseconds from `received_at` to arrival, one per distinct event, in arrival order. */
  latencies: number[];
  /** Through which door the events came. */
  lines: number;
  posts: number;
}

type ParentMessage =
  | { type: "expect"; count: number }
  | { type: "progress" }
  | { type: "report" }
  | { type: "close" };

if (!process.send) {
  console.error("event-sink-counter: run by bench/events.ts (needs IPC)");
  process.exit(2);
}
const send = (message: object) => process.send?.(message);

let ids = new Set<string>();
let latencies: number[] = [];
let target = Number.POSITIVE_INFINITY;
let counts = { duplicates: 0, other: 0, malformed: 0, lines: 0, posts: 0 };
let detail: string | null = null;
/** The first event after each "expect" is checked against the whole schema, not only its head. */
let checked = false;

function malformed(why: string) {
  counts.malformed++;
  detail ??= why.slice(0, 300);
}

function arrived(id: string, type: string, receivedAt: number, now: number) {
  if (type !== "PRESENCE_UPDATE") {
    counts.other++;
    return;
  }
  if (ids.has(id)) {
    counts.duplicates++;
    return;
  }
  ids.add(id);
  latencies.push(now - receivedAt);
  if (ids.size === target) send({ type: "reached" });
}

function fullEvent(value: unknown, now: number) {
  const parsed = ForwardedEvent.safeParse(value);
  if (!parsed.success) return malformed(`not a ForwardedEvent: ${parsed.error.issues[0]?.message}`);
  arrived(parsed.data.id, parsed.data.type, parsed.data.received_at, now);
}

// The stdout sink's lines, as event-forwarder.ts writes them (keys in this order): the head is read
// with a pattern rather than parsing a whole presence per line.
const HEAD = /^\{"id":"([^"\\]+)","shard":\d+,"seq":\d+,"type":"([A-Z0-9_]+)","received_at":(\d+),"data":/;

function line(text: string, now: number) {
  if (text === "") return;
  counts.lines++;
  const head = checked ? HEAD.exec(text) : null;
  if (head) return arrived(head[1]!, head[2]!, Number(head[3]), now);
  checked = true;
  try {
    fullEvent(JSON.parse(text), now);
  } catch {
    malformed(`not JSON: ${text}`);
  }
}

let partial = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk: string) => {
  const now = Date.now();
  const parts = (partial + chunk).split("\n");
  partial = parts.pop()!;
  for (const part of parts) line(part, now);
});

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => {
    const now = Date.now();
    counts.posts++;
    try {
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { events?: unknown };
      if (!Array.isArray(body.events)) malformed("a POST without an events array");
      else for (const event of body.events) fullEvent(event, now);
    } catch {
      malformed("a POST whose body is not JSON");
    }
    res.writeHead(200, { "content-type": "application/json" }).end("{}");
  });
});
server.listen(0, "127.0.0.1", () => {
  const { port } = server.address() as AddressInfo;
  send({ type: "ready", url: `http://127.0.0.1:${port}` });
});

process.on("message", (message: ParentMessage) => {
  if (message.type === "expect") {
    ids = new Set();
    latencies = [];
    counts = { duplicates: 0, other: 0, malformed: 0, lines: 0, posts: 0 };
    detail = null;
    checked = false;
    target = message.count;
    send({ type: "expecting" });
  } else if (message.type === "progress") {
    send({ type: "progress", distinct: ids.size });
  } else if (message.type === "report") {
    const report: SinkReport = {
      distinct: ids.size,
      ...counts,
      detail,
      latencies,
    };
    send({ type: "report", ...report });
  } else if (message.type === "close") {
    server.close();
    server.closeAllConnections();
    process.disconnect();
  }
});
// The parent gone (killed, crashed) means there is nothing left to measure for.
process.on("disconnect", () => process.exit(0));
