import { type ChildProcess, fork } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import type { Socket } from "node:net";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import type { Emulator } from "../emulator/server.ts";
import { intentsForEvents } from "../gateway-runner/intents.ts";
import { startRunnerProcess } from "../scripts/lib/local-stack.ts";
import { cpuSnapshot, cpuUsed } from "./lib/cpu.ts";
import type { SinkReport } from "./lib/event-sink-counter.ts";
import { scrape, total } from "./lib/prometheus.ts";
import { envNumber, fmt, machine, median, percentile, writeSection } from "./lib/report.ts";
import { stackCpu, startWorkerStack, type WorkerStack, workerdPids } from "./lib/stack.ts";

/**
 * FORWARD_EVENTS end to end: how many gateway events per second the runner delivers to each sink,
 * against an unmodified @discordjs/ws shard on the same emulator in the same run (the ceiling: no
 * runner can forward more than its shard receives). One stack: the emulator in this process (a
 * simulated guild, no churn), the Worker under wrangler dev with the example queue consumer beside
 * it (examples/queue-consumer, FORWARD_TO pointed at a counting server), and, one at a time, the
 * ceiling's shard or a runner, each in a process of its own.
 *
 * Rows, each against a fresh shard and session, with the same bursts (`simulator.burst`, in
 * process: PRESENCE_UPDATE dispatches as fast as the emulator makes them):
 *
 * 1. the ceiling, with transport compression none and zlib-stream;
 * 2. the runner, FORWARD_EVENTS=PRESENCE_UPDATE, EVENT_SINKS=stdout, its standard output handed to a
 *    counting process, compression none and zlib-stream;
 * 3. the runner, EVENT_SINKS=queue: POST /ingest/events → the Worker → Miniflare's queue → the
 *    consumer → POST to the counting process, compression as the runner's default (zlib-stream).
 *
 * Every event is counted by id (the ceiling: by sequence) at the far end, and a row that lost one
 * fails the run. The ceiling goes right before the runner rows of its compression, so that each
 * ratio compares figures measured close together.
 *
 * Every setting can be overridden from the environment (BENCH_*), for quick trial runs.
 */

const USERS = envNumber("BENCH_USERS", 500);
const SIM_SEED = envNumber("BENCH_SEED", 7);
/** Every timed burst, in every row. */
const EVENTS = envNumber("BENCH_EVENTS", 50_000);
/** Each row's first burst, not timed: JIT, socket buffers, the Worker's first requests. */
const WARMUP = envNumber("BENCH_EVENTS_WARMUP", Math.min(5_000, EVENTS));
const ROUNDS = envNumber("BENCH_EVENTS_ROUNDS", 3);
/** After the last event, how long the far end keeps counting, for duplicates and strays. */
const GRACE_MS = 500;
/** A burst fails once this long passes with no event arriving. */
const STALL_MS = 30_000;
/** A stopped runner's session stays resumable this long, buffering every dispatch meanwhile. */
const RESUME_WINDOW_MS = 1_000;
const INTENTS = intentsForEvents(["PRESENCE_UPDATE"]);
const DJS_COUNTER = new URL("./lib/djs-dispatch-counter.ts", import.meta.url);
const SINK_COUNTER = new URL("./lib/event-sink-counter.ts", import.meta.url);

type Compression = "none" | "zlib-stream";
type Sink = "stdout" | "queue";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (line: string) => console.error(`[bench:events] ${line}`);

// ---------------------------------------------------------------------------------------------
// The counting processes: the ceiling's shard (djs-dispatch-counter.ts) and the sinks' far end
// (event-sink-counter.ts) speak the same protocol over IPC.
// ---------------------------------------------------------------------------------------------

interface Counted {
  distinct: number;
  duplicates: number;
}

interface CountingChild<R extends Counted> {
  child: ChildProcess;
  /** The child's "ready" message. */
  ready: Record<string, unknown>;
  /** Resets the child's counts; then `reached` resolves once `count` distinct events arrived. */
  expect(count: number): Promise<{ reached: Promise<void> }>;
  /** Distinct events so far. */
  progress(): Promise<number>;
  report(): Promise<R>;
  close(): Promise<void>;
}

/**
 * Forks a counting child in a process group of its own (so /proc finds its CPU time by group, as
 * for the stack's processes), with its standard input a pipe when asked: the stdout sink's runner
 * writes straight into it.
 */
async function forkCountingChild<R extends Counted>(
  script: URL,
  label: string,
  options: { env?: Record<string, string>; stdin?: "pipe" | "ignore" } = {},
): Promise<CountingChild<R>> {
  const child = fork(script, [], {
    env: { ...process.env, ...options.env },
    stdio: [options.stdin ?? "ignore", "inherit", "inherit", "ipc"],
    detached: true,
  });
  const kill = () => child.kill("SIGKILL");
  process.once("exit", kill);
  const waiting = new Map<string, (message: Record<string, unknown>) => void>();
  let exited: Error | null = null;
  const died = new Promise<never>((_, reject) => {
    child.once("exit", (code, signal) => {
      exited = new Error(`${label} exited (${code ?? signal})`);
      reject(exited);
    });
  });
  died.catch(() => {}); // read by whoever waits
  child.on("message", (message: Record<string, unknown>) => {
    const type = String(message.type);
    const resolve = waiting.get(type);
    waiting.delete(type);
    resolve?.(message);
  });
  const next = (type: string, timeoutMs = 30_000) => {
    if (exited) return Promise.reject(exited);
    const reply = new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${label}: no "${type}" in ${timeoutMs / 1000} s`)),
        timeoutMs,
      ).unref();
      waiting.set(type, (message) => {
        clearTimeout(timer);
        resolve(message);
      });
    });
    return Promise.race([reply, died]);
  };
  const ready = await next("ready");
  return {
    child,
    ready,
    async expect(count) {
      const acknowledged = next("expecting");
      child.send({ type: "expect", count });
      await acknowledged;
      // Listening for "reached" only now: "expecting" came first, so it cannot be missed.
      const reached = next("reached", 24 * 3600_000).then(() => undefined);
      reached.catch(() => {});
      return { reached };
    },
    async progress() {
      const reply = next("progress");
      child.send({ type: "progress" });
      return Number((await reply).distinct);
    },
    async report() {
      const reply = next("report");
      child.send({ type: "report" });
      return (await reply) as unknown as R;
    },
    async close() {
      if (!exited) {
        const gone = once(child, "exit");
        child.send({ type: "close" });
        const timer = setTimeout(kill, 5_000);
        await gone;
        clearTimeout(timer);
      }
      process.off("exit", kill);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Bytes on the wire: what the emulator wrote to each gateway socket.
// ---------------------------------------------------------------------------------------------

/**
 * Counts every byte the emulator writes to gateway sockets (WebSocket framing included): the
 * emulator has no such counter, so the sockets its HTTP server hands to `gateway.handleUpgrade` are
 * noted on the way in, and their `bytesWritten` summed. Nothing else about them changes.
 */
function countGatewayBytes(emulator: Emulator): () => number {
  const sockets = new Set<Socket>();
  const gateway = emulator.gateway;
  const handleUpgrade = gateway.handleUpgrade.bind(gateway);
  gateway.handleUpgrade = (req, socket, head) => {
    sockets.add(socket as Socket);
    handleUpgrade(req, socket, head);
  };
  return () => {
    let bytes = 0;
    for (const socket of sockets) bytes += socket.bytesWritten;
    return bytes;
  };
}

// ---------------------------------------------------------------------------------------------
// A row: one shard (the ceiling's or a runner's), a warm-up burst, then ROUNDS timed bursts.
// ---------------------------------------------------------------------------------------------

interface Round {
  seconds: number;
  /** Gateway bytes the emulator wrote during the round. */
  bytes: number;
  cpu: Map<string, number>;
  report: Counted & Partial<SinkReport>;
  restarted: boolean;
}

interface RowResult {
  label: string;
  kind: "ceiling" | Sink;
  compression: Compression;
  rounds: Round[];
  /** What the runner counted over the timed rounds (runner rows only). */
  runner?: { redeliveries: number; batchesFailed: number; dropped: number };
}

const rateOf = (round: Round) => EVENTS / round.seconds;

async function main(stack: WorkerStack, sinkCounter: CountingChild<SinkReport & Counted>) {
  const { emulator } = stack;
  const sentBytes = countGatewayBytes(emulator);
  const sessions = mkdtempSync(join(tmpdir(), "porchlight-bench-events-"));

  /** CPU so far: the stack's processes, the row's shard (`client`), the sink counter (`sink`). */
  const cpuNow = (clientPid: number | undefined) =>
    new Map([...stackCpu(stack.worker), ...cpuSnapshot({ client: clientPid, sink: sinkCounter.child.pid })]);

  /** Until the emulator holds no session: a stopped runner's stays resumable, buffering every burst. */
  async function noSessions() {
    const deadline = performance.now() + RESUME_WINDOW_MS + 10_000;
    while (emulator.gateway.shards().length > 0) {
      if (performance.now() > deadline)
        throw new Error(`the emulator still holds ${emulator.gateway.shards().length} sessions`);
      await sleep(100);
    }
  }

  function onlyOneSession(label: string) {
    const shards = emulator.gateway.shards();
    if (shards.length !== 1 || shards[0]!.status !== "connected")
      throw new Error(`${label}: expected one connected session, the emulator has ${JSON.stringify(shards)}`);
  }

  async function burstRound(
    counter: CountingChild<Counted & Partial<SinkReport>>,
    size: number,
    clientPid: number,
    label: string,
  ): Promise<Round> {
    const { reached } = await counter.expect(size);
    const cpuBefore = cpuNow(clientPid);
    const bytesBefore = sentBytes();
    const workerd = workerdPids(stack.worker);
    const started = performance.now();
    const emitted = emulator.simulator.burst(size);
    // Until every event arrived, failing once none has for STALL_MS.
    let last = -1;
    let lastChange = performance.now();
    for (;;) {
      const done = await Promise.race([reached.then(() => true), sleep(1_000).then(() => false)]);
      if (done) break;
      const distinct = await counter.progress();
      if (distinct !== last) {
        last = distinct;
        lastChange = performance.now();
      } else if (performance.now() - lastChange > STALL_MS) {
        throw new Error(
          `${label}: only ${fmt(distinct)} of ${fmt(size)} events arrived, and none in the last ${STALL_MS / 1000} s`,
        );
      }
    }
    const seconds = (performance.now() - started) / 1000;
    await emitted;
    const cpu = cpuUsed(cpuBefore, cpuNow(clientPid));
    const bytes = sentBytes() - bytesBefore;
    await sleep(GRACE_MS);
    const report = await counter.report();
    const problems = [
      report.distinct !== size && `${fmt(report.distinct)} distinct events arrived, not ${fmt(size)}`,
      (report.malformed ?? 0) > 0 && `${report.malformed} malformed (${report.detail})`,
      (report.other ?? 0) > 0 && `${report.other} events of another type`,
    ].filter(Boolean);
    if (problems.length > 0) throw new Error(`${label}: ${problems.join("; ")}`);
    if (report.duplicates > 0) log(`  ${label}: ${fmt(report.duplicates)} duplicates`);
    return { seconds, bytes, cpu, report, restarted: workerdPids(stack.worker) !== workerd };
  }

  async function rounds(
    counter: CountingChild<Counted & Partial<SinkReport>>,
    clientPid: number,
    label: string,
  ) {
    await burstRound(counter, WARMUP, clientPid, `${label}, warm-up`);
    const results: Round[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const round = await burstRound(counter, EVENTS, clientPid, `${label}, round ${i + 1}`);
      log(`  ${label}: ${fmt(rateOf(round))} events/s`);
      results.push(round);
    }
    return results;
  }

  async function ceilingRow(compression: Compression): Promise<RowResult> {
    const label = `@discordjs/ws shard alone, ${compression}`;
    log(label);
    await noSessions();
    const counter = await forkCountingChild<Counted>(DJS_COUNTER, "the @discordjs/ws counter", {
      env: {
        COUNTER_API: emulator.urls.api,
        COUNTER_TOKEN: emulator.world.application.botToken,
        COUNTER_INTENTS: String(INTENTS),
        COUNTER_COMPRESSION: compression,
      },
    });
    try {
      onlyOneSession(label);
      return {
        label,
        kind: "ceiling",
        compression,
        rounds: await rounds(counter, counter.child.pid!, label),
      };
    } finally {
      await counter.close();
    }
  }

  async function runnerRow(sink: Sink, compression: Compression): Promise<RowResult> {
    const label = `runner → ${sink}, ${compression}`;
    log(label);
    await noSessions();
    const env: Record<string, string> = {
      DISCORD_TOKEN: emulator.world.application.botToken,
      DISCORD_API_BASE: emulator.urls.api,
      FORWARD_EVENTS: "PRESENCE_UPDATE",
      EVENT_SINKS: sink,
      COMPRESSION: compression,
      // A fresh file each row, so each runner identifies a session of its own.
      SESSION_STORE: join(sessions, `${sink}-${compression}.json`),
      ...(sink === "queue" ? { INGEST_URL: `${stack.worker.url}/ingest`, INGEST_SECRET: stack.secret } : {}),
    };
    // Its standard output goes straight to the sink counter's input: the stdout sink's lines never
    // pass through the emulator's event loop. Its warnings and errors are shown as they come.
    const runner = await startRunnerProcess({
      env,
      stdout: sink === "stdout" ? sinkCounter.child.stdin! : "ignore",
      onLine: (line) => {
        if (/"level":"(warn|error)"/.test(line)) log(`  runner: ${line}`);
      },
    });
    try {
      onlyOneSession(label);
      await burstRound(sinkCounter, WARMUP, runner.child.pid!, `${label}, warm-up`);
      const before = await scrape(runner.metrics);
      const results: Round[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        const round = await burstRound(sinkCounter, EVENTS, runner.child.pid!, `${label}, round ${i + 1}`);
        log(`  ${label}: ${fmt(rateOf(round))} events/s`);
        results.push(round);
      }
      const after = await scrape(runner.metrics);
      const counted = (name: string) => total(after, name) - total(before, name);
      return {
        label,
        kind: sink,
        compression,
        rounds: results,
        runner: {
          redeliveries: counted("porchlight_runner_event_redeliveries_total"),
          batchesFailed: counted("porchlight_runner_event_batches_failed_total"),
          dropped: counted("porchlight_runner_events_dropped_total"),
        },
      };
    } finally {
      await runner.stop();
    }
  }

  try {
    const rows: RowResult[] = [];
    rows.push(await ceilingRow("none"));
    rows.push(await runnerRow("stdout", "none"));
    rows.push(await ceilingRow("zlib-stream"));
    rows.push(await runnerRow("stdout", "zlib-stream"));
    rows.push(await runnerRow("queue", "zlib-stream"));
    return rows;
  } finally {
    rmSync(sessions, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// The run.
// ---------------------------------------------------------------------------------------------

const runStarted = performance.now();
log("starting the sink counter, then the emulator and the Worker with the queue consumer (wrangler dev)");
const sinkCounter = await forkCountingChild<SinkReport & Counted>(SINK_COUNTER, "the sink counter", {
  stdin: "pipe",
});
let stack: WorkerStack | undefined;
try {
  stack = await startWorkerStack({
    emulator: {
      identifyIntervalMs: 100,
      resumeWindowMs: RESUME_WINDOW_MS,
      simulate: { users: USERS, rate: 0, seed: SIM_SEED },
    },
    queueConsumer: { forwardTo: `${String(sinkCounter.ready.url)}/events` },
  });
  log(`stack up after ${fmt((performance.now() - runStarted) / 1000, 1)} s`);
  const rows = await main(stack, sinkCounter);
  const runSeconds = (performance.now() - runStarted) / 1000;

  // --- The report -----------------------------------------------------------------------------
  const events = ROUNDS * EVENTS;
  const ceilingOf = (compression: Compression) =>
    median(rows.find((r) => r.kind === "ceiling" && r.compression === compression)!.rounds.map(rateOf));
  const sum = (row: RowResult, of: (round: Round) => number) => row.rounds.reduce((n, r) => n + of(r), 0);
  const cpuOf = (row: RowResult, key: (label: string) => boolean) =>
    sum(row, (round) => [...round.cpu].filter(([label]) => key(label)).reduce((n, [, s]) => n + s, 0));
  /** CPU milliseconds per 1,000 events (µs per event) of the processes whose labels match. */
  const perThousand = (row: RowResult, key: (label: string) => boolean) =>
    fmt((cpuOf(row, key) / events) * 1e6, 0);
  const restarted = (row: RowResult) => row.rounds.some((r) => r.restarted);
  const rowName = (row: RowResult) =>
    row.kind === "ceiling"
      ? "@discordjs/ws shard alone (the ceiling)"
      : row.kind === "stdout"
        ? "runner → stdout sink → pipe"
        : "runner → queue sink → Worker → queue → consumer → HTTP";
  const latency = (row: RowResult, p: number) => {
    const all = row.rounds.flatMap((r) => r.report.latencies ?? []);
    if (all.length === 0) return "";
    const ms = percentile(all, p);
    // Whole milliseconds: both ends are Date.now().
    return ms < 1 ? "<1 ms" : `${fmt(ms)} ms`;
  };
  const tableRow = (row: RowResult) => {
    const rate = median(row.rounds.map(rateOf));
    return `| ${rowName(row)} | ${row.compression} | ${fmt(rate)} | ${row.rounds.map((r) => fmt(rateOf(r))).join(", ")} | ${(rate / ceilingOf(row.compression)).toFixed(2)} | ${latency(row, 50)} | ${latency(row, 99)} | ${fmt(sum(row, (r) => r.bytes) / events)} | ${fmt(sum(row, (r) => r.report.duplicates))} |`;
  };
  /** The emulator's process over the bursts' wall time; 100% is one core (zlib's threads count too). */
  const emulatorBusy = (row: RowResult) =>
    fmt((100 * cpuOf(row, (l) => l === "benchmark/node")) / sum(row, (r) => r.seconds));
  const cpuRow = (row: RowResult) =>
    `| ${rowName(row)}, ${row.compression} | ${perThousand(row, (l) => l === "benchmark/node")} (${emulatorBusy(row)}% of a core) | ${perThousand(row, (l) => l.startsWith("client/"))} | ${perThousand(row, (l) => l.startsWith("sink/"))} | ${restarted(row) ? "restarted" : perThousand(row, (l) => l === "worker/workerd")} | ${restarted(row) ? "restarted" : perThousand(row, (l) => l === "worker/workerd-proxy")} |`;
  const queue = rows.find((r) => r.kind === "queue")!;
  const posts = sum(queue, (r) => r.report.posts ?? 0);
  const runnerTrouble = rows
    .filter(
      (r) => r.runner && (r.runner.redeliveries > 0 || r.runner.batchesFailed > 0 || r.runner.dropped > 0),
    )
    .map(
      (r) =>
        `${rowName(r)} (${r.compression}): ${fmt(r.runner!.batchesFailed)} batches failed, ${fmt(r.runner!.redeliveries)} events sent again, ${fmt(r.runner!.dropped)} dropped`,
    );
  const ceilings = rows.filter((r) => r.kind === "ceiling");
  const ceilingNone = ceilings.find((r) => r.compression === "none")!;
  const ceilingZlib = ceilings.find((r) => r.compression === "zlib-stream")!;
  const bytesNone = sum(ceilingNone, (r) => r.bytes);
  const bytesZlib = sum(ceilingZlib, (r) => r.bytes);
  const emulatorPerEvent = (row: RowResult) => cpuOf(row, (l) => l === "benchmark/node") / events;
  /** Ceilings during which the emulator's process was busy most of a core: there it, not the shard, may be the limit. */
  const emulatorBound = ceilings.filter(
    (r) => cpuOf(r, (l) => l === "benchmark/node") / sum(r, (round) => round.seconds) > 0.85,
  );

  const report = `## Events: gateway events through the runner to each sink (\`npm run bench:events\`)

Measured ${new Date().toISOString().slice(0, 10)} on ${machine()}, in one run of ${fmt(runSeconds)} s on one stack: the emulator in the benchmark's process (${fmt(USERS)} simulated users, seed ${SIM_SEED}, no churn), the Worker under \`wrangler dev\` with the example queue consumer beside it, and one gateway client at a time in a process of its own: the ceiling's @discordjs/ws shard, or the runner (\`FORWARD_EVENTS=PRESENCE_UPDATE\`, one sink, \`SESSION_STORE\` a file, 1 shard). Every row is ${ROUNDS} timed bursts of ${fmt(EVENTS)} PRESENCE_UPDATE dispatches after a warm-up burst of ${fmt(WARMUP)}, on a fresh session. All traffic is on loopback; the processes share the machine's ${cpus().length} cores, and other jobs may have run on it meanwhile.${
    rows.some(restarted)
      ? `\n\n**This run was disturbed:** wrangler dev restarted the Worker's workerd during ${rows
          .filter(restarted)
          .map((r) => `${rowName(r)} (${r.compression})`)
          .join(", ")} (it does so whenever a source file changes), so those figures include a restart.`
      : ""
  }

| path | compression | events/s (median) | rounds | vs @discordjs/ws (same compression) | latency p50 | p99 | emulator sent, bytes/event | duplicates |
| --- | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |
${rows.map(tableRow).join("\n")}

CPU time per 1,000 events (ms, over the timed bursts):

| path | emulator (the benchmark's process) | the shard's process (@discordjs/ws, or the runner) | sink counter | Worker's workerd (ingest, queue, consumer) | wrangler's proxy workerd |
| --- | ---: | ---: | ---: | ---: | ---: |
${rows.map(cpuRow).join("\n")}

Method: each burst is \`simulator.burst\` in process, timed from its start until the far end had counted every one of its events: the ceiling's shard (an unmodified @discordjs/ws \`WebSocketManager\`, the runner's intents, \`CompressionMethod.ZlibNative\` for zlib-stream as the runner uses) counts distinct sequence numbers; for the runner rows a counting process of its own (bench/lib/event-sink-counter.ts) counts distinct event ids, reading the stdout sink's lines from the runner's standard output, handed straight to its standard input, or the queue consumer's POSTs of \`{"events": [...]}\`, answered at once (the consumer takes batches of up to 100 as soon as they are on the queue: \`max_batch_timeout\` 0, as the local stacks set it, rather than the example's 5 s; ${fmt(posts)} POSTs for the queue row's ${fmt(events)} timed events, ${fmt(events / Math.max(1, posts), 1)} a POST). Each count is reset before a burst and read ${GRACE_MS} ms after its last event; a burst that lost an event, or met a malformed one or one of another type, fails the run, so every row above delivered every event. *Duplicates* are events whose id had already arrived in that burst; the example consumer itself drops the duplicates it recognises (ids it delivered lately in the same isolate), so this counts only those that passed it. The rate is the median round's; the ratio is to the ceiling of the same compression, measured just before the runner rows of that compression. *Latency* is each event's arrival at the counting process (\`Date.now()\`) less its \`received_at\` (the runner's \`Date.now()\` when the dispatch arrived), over every timed event: the time inside the runner and in the sink's path, not the gateway's. *Bytes* are what the emulator wrote to the shard's TCP socket during the round (WebSocket framing included; the emulator counts no bytes, so the benchmark sums \`bytesWritten\` of the sockets the emulator upgraded), over the events: zlib-stream sent ${bytesNone > 0 ? (bytesZlib / bytesNone).toFixed(2) : "?"}× the bytes of none for the ceiling. CPU time is from /proc, per process group, from each burst's start to its last event; the emulator's own CPU per event was ${(emulatorPerEvent(ceilingZlib) / emulatorPerEvent(ceilingNone)).toFixed(1)}× as much with zlib-stream as with none during the ceilings (it flushes its deflate stream once per dispatch, emulator/gateway/transport.ts).${emulatorBound.length > 0 ? ` During the ceiling of ${emulatorBound.map((r) => r.compression).join(" and of ")} the emulator's process was busy ${emulatorBound.map((r) => `${emulatorBusy(r)}%`).join(" and ")} of a core: that ceiling is the emulator's as much as @discordjs/ws's.` : ""} The emulator holds the sessions of stopped clients for only ${fmt(RESUME_WINDOW_MS / 1000)} s (Discord: minutes), and each row waits until it holds none, so no row's bursts are also buffered for an earlier row's session.${runnerTrouble.length > 0 ? ` The runner's own counters over the timed rounds: ${runnerTrouble.join("; ")}.` : " The runner's own counters showed no failed batch, event sent again or dropped during the timed rounds."}`;
  await writeSection("events", report);
  console.log(report);
} finally {
  await stack?.stop();
  await sinkCounter.close();
}
