import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { Miniflare } from "miniflare";
import { groupPids } from "./lib/cpu.ts";
import { envNumber, fmt, machine } from "./lib/report.ts";

/**
 * What local workerd charges for the invocations one presence change needs, with no work of ours
 * inside them: an RPC into a warm Durable Object, the same RPC when the object writes one SQLite row
 * (the commit and its fsync), an object constructed after eviction, and one HTTP request. The
 * figures are the floor under bench:profile's "CPU a change": a change is one user-object call with
 * a write, part of a hub call and a socket send, and a share of a batch's HTTP request. And what
 * one frame sent on a hibernatable WebSocket costs, the floor under bench:socket's fan-out.
 * `npm run bench:rpc-floor`; it prints and writes no section of BENCHMARKS.md.
 */

const OBJECTS = 1_000;
const CALLS = envNumber("BENCH_FLOOR_CALLS", 20_000);
const SOCKETS = 1_000;

const script = `
import { DurableObject } from "cloudflare:workers";
export class Target extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS doc (id INTEGER PRIMARY KEY, json TEXT NOT NULL)");
  }
  noop(value) { return value; }
  write(json) {
    this.ctx.storage.sql.exec(
      "INSERT INTO doc (id, json) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET json = excluded.json", json);
    return 1;
  }
}
export class Hub extends DurableObject {
  fetch(request) {
    const [client, server] = Object.values(new WebSocketPair());
    this.ctx.acceptWebSocket(server);
    return new Response(null, { status: 101, webSocket: client });
  }
  broadcast(frame) {
    const sockets = this.ctx.getWebSockets();
    for (const ws of sockets) ws.send(frame);
    return sockets.length;
  }
}
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const op = url.searchParams.get("op");
    const from = Number(url.searchParams.get("from"));
    const count = Number(url.searchParams.get("count"));
    const prefix = url.searchParams.get("prefix") ?? "u";
    const json = JSON.stringify({ status: "online", activities: [{ name: "x".repeat(200) }] });
    if (op === "http") return new Response("ok");
    if (op === "socket") return env.HUB.getByName("hub").fetch(request);
    if (op === "broadcast") return new Response(String(await env.HUB.getByName("hub").broadcast("x".repeat(871))));
    // In parallel, as ingest calls a batch's users.
    await Promise.all(Array.from({ length: count }, (_, i) => {
      const stub = env.TARGET.getByName(prefix + ((from + i) % ${OBJECTS}));
      return op === "write" ? stub.write(json) : stub.noop(1);
    }));
    return new Response("ok");
  },
};`;

// On disk like wrangler dev's --persist-to (a tmpfs would spare every commit its fsync).
mkdirSync(".wrangler", { recursive: true });
const persist = mkdtempSync(join(".wrangler", "rpc-floor-"));
const mf = new Miniflare({
  modules: true,
  script,
  compatibilityDate: "2026-08-01",
  durableObjects: {
    TARGET: { className: "Target", useSQLite: true },
    HUB: { className: "Hub", useSQLite: true },
  },
  durableObjectsPersist: persist,
});
const url = await mf.ready;
const selfGroup = Number(readFileSync("/proc/self/stat", "utf8").split(") ")[1]!.split(" ")[2]);
const workerd = groupPids(selfGroup, "workerd");

function workerdCpu(): number {
  let seconds = 0;
  for (const pid of workerd) {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    seconds += (Number(fields[11]) + Number(fields[12])) / 100;
  }
  return seconds;
}

/** workerd CPU per operation, in ms, over `calls` operations made `batch` at a time. */
async function measure(op: string, calls: number, batch: number, prefix = "u"): Promise<number> {
  const before = workerdCpu();
  for (let from = 0; from < calls; from += batch) {
    const response = await fetch(`${url.origin}/?op=${op}&from=${from}&count=${batch}&prefix=${prefix}`);
    await response.text();
  }
  return ((workerdCpu() - before) * 1000) / calls;
}

/** workerd CPU per frame a Durable Object sends to SOCKETS sockets of Node's WebSocket client. */
async function broadcastCost(): Promise<number> {
  let received = 0;
  const sockets = await Promise.all(
    Array.from({ length: SOCKETS }, async () => {
      const ws = new WebSocket(`${url.origin.replace("http", "ws")}/?op=socket`);
      ws.onmessage = () => received++;
      await new Promise((resolve, reject) => {
        ws.onopen = resolve;
        ws.onerror = reject;
      });
      return ws;
    }),
  );
  const rounds = 20;
  const before = workerdCpu();
  for (let round = 0; round < rounds; round++) {
    await (await fetch(`${url.origin}/?op=broadcast`)).text();
    while (received < (round + 1) * SOCKETS) await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const perFrame = ((workerdCpu() - before) * 1000) / (rounds * SOCKETS);
  for (const ws of sockets) ws.close();
  return perFrame;
}

try {
  await measure("noop", OBJECTS, 10); // every object constructed once
  const rows: [string, number][] = [];
  const http = await measure("http", CALLS / 4, 1);
  rows.push(["one HTTP request to a trivial route, from Node", http]);
  const batchOf = 8;
  const noop = (await measure("noop", CALLS, batchOf)) - http / batchOf;
  rows.push([`a no-op RPC into a warm object (${batchOf} in parallel a request)`, noop]);
  const write = (await measure("write", CALLS, batchOf)) - http / batchOf;
  rows.push(["the same RPC writing one SQLite row", write]);
  const fresh = (await measure("noop", OBJECTS, batchOf, "fresh-")) - http / batchOf;
  rows.push(["a no-op RPC that creates its object (first call)", fresh]);
  // workerd evicts an object after 10 s without a call (cloudflare/workerd#1138).
  await new Promise((resolve) => setTimeout(resolve, 12_000));
  const reopened = (await measure("noop", OBJECTS, batchOf, "fresh-")) - http / batchOf;
  rows.push(["a no-op RPC that reopens its object after eviction", reopened]);
  rows.push([
    `one frame sent on a hibernatable socket (${fmt(SOCKETS)} sockets, one broadcast at a time)`,
    await broadcastCost(),
  ]);
  console.log(`workerd CPU per operation (${machine()}; ${fmt(CALLS)} calls a row):`);
  for (const [what, ms] of rows) console.log(`  ${fmt(ms, 3).padStart(7)} ms  ${what}`);
} finally {
  await mf.dispose();
  rmSync(persist, { recursive: true, force: true });
}
