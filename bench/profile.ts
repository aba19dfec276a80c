import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { SeededRandom } from "../emulator/seeded-random.ts";
import { simulatedUserId } from "../emulator/simulator-profiles.ts";
import type { WorkerProcess } from "../scripts/lib/local-stack.ts";
import { commandLine, cpuUsed, groupPids } from "./lib/cpu.ts";
import { type CpuProfile, profileWorker, summarise } from "./lib/inspector.ts";
import { paced } from "./lib/paced.ts";
import { scrape, total } from "./lib/prometheus.ts";
import { envNumber, fmt, percentile } from "./lib/report.ts";
import { openMany, openSocket, sleep } from "./lib/socket-client.ts";
import { markedPresence, stackCpu, startInProcessStack } from "./lib/stack.ts";

/**
 * Where the Worker's CPU goes under bench:socket (a)'s load: 1,000 users, a Lantern socket each,
 * BENCH_CHURN presence changes a second. Takes a CPU profile of the Worker's isolate (the Worker
 * and its objects) through wrangler's inspector for BENCH_PROFILE_SECONDS and prints self time by
 * function and by file, and the Worker's CPU per change from /proc. `npm run bench:profile`; it
 * writes no section of BENCHMARKS.md (what it found is recorded there by hand), and the raw profile
 * to BENCH_PROFILE_OUT when set (open it in Chrome's DevTools).
 */

const USERS = 1_000;
const SEED = 7;
const RATE = envNumber("BENCH_CHURN", 200);
const SECONDS = envNumber("BENCH_PROFILE_SECONDS", 10);
const WARMUP_SECONDS = envNumber("BENCH_WARMUP_SECONDS", 3);
const TOP = envNumber("BENCH_PROFILE_TOP", 40);

const log = (line: string) => console.error(`[bench:profile] ${line}`);

const stack = await startInProcessStack({
  users: USERS,
  seed: SEED,
  heartbeatIntervalMs: 10_000,
  echo: process.env.BENCH_ECHO === "1",
  runnerEnv: process.env.BENCH_FLUSH ? { FLUSH_WINDOW_MS: process.env.BENCH_FLUSH } : {},
});
try {
  const ids = Array.from({ length: USERS }, (_, i) => simulatedUserId(SEED, i));
  const madeAt: number[] = [];
  const latencies: number[] = [];
  /** [when the change was made, its latency]: BENCH_PROFILE_SERIES=1 prints them by second. */
  const seenBySecond: [number, number][] = [];
  const sockets = await openMany(USERS, 50, async (i) => {
    const socket = await openSocket(stack.worker.url, "", {
      heartbeat: '{"op":4}',
      onFrame: (text, at) => {
        const match = /pf-(\d+)-z/.exec(text);
        if (!match) return;
        const made = madeAt[Number(match[1])]!;
        latencies.push(at - made);
        seenBySecond.push([made, at - made]);
      },
      keep: true,
    });
    socket.send({ op: 2, d: { user_id: ids[i] } });
    await socket.next((frame) => frame.t === "INIT_ACK", 60_000);
    socket.frames.length = 0;
    return socket;
  });
  log(`${fmt(USERS)} sockets open`);
  // BENCH_IDLE_SECONDS: time with no change before the churn. Over 10 s, workerd has evicted every
  // user's object by the time the churn starts, as after bench:socket's quiet rows.
  await sleep(envNumber("BENCH_IDLE_SECONDS", 0) * 1000);
  const rng = new SeededRandom(SEED + 1);
  let made = 0;
  const stopChurn = paced(RATE, () => {
    const id = ids[rng.int(0, ids.length - 1)]!;
    madeAt.push(performance.now());
    stack.emulator.world.setPresence(stack.guildId, markedPresence(id, `pf-${made++}-z`));
  });
  await sleep(WARMUP_SECONDS * 1000);
  const batchesSent = async () =>
    total(await scrape(stack.runner.metrics), "porchlight_runner_batches_sent_total");
  const before = {
    cpu: stackCpu(stack.worker, stack.runner),
    made,
    at: performance.now(),
    batches: await batchesSent(),
  };
  // BENCH_PROFILE=perf: Linux perf over the Worker's workerd instead (native time: the runtime,
  // SQLite, Miniflare's own workers), written to BENCH_PROFILE_OUT for `perf report`;
  // BENCH_PROFILE=none: no profiler, for the figures alone.
  const mode = process.env.BENCH_PROFILE ?? "js";
  const window = () => sleep(SECONDS * 1000);
  let profile = emptyProfile();
  if (mode === "perf")
    await perfRecord(workerdPid(stack.worker), process.env.BENCH_PROFILE_OUT ?? "perf.data", window);
  else if (mode === "none") await window();
  else profile = await profileWorker(stack.worker.inspectorPort, window);
  const cpu = cpuUsed(before.cpu, stackCpu(stack.worker, stack.runner));
  const changes = made - before.made;
  const wall = (performance.now() - before.at) / 1000;
  const batches = (await batchesSent()) - before.batches;
  stopChurn();
  await sleep(2_000);
  if (mode === "js" && process.env.BENCH_PROFILE_OUT)
    writeFileSync(process.env.BENCH_PROFILE_OUT, JSON.stringify(profile));
  const { functions, files, busyMs } = summarise(profile);
  const workerd = cpu.get("worker/workerd") ?? 0;
  console.log(
    `${fmt(changes)} changes in ${fmt(wall, 1)} s; workerd CPU ${fmt(workerd, 2)} s ` +
      `(${fmt((workerd * 1000) / changes, 2)} ms a change), proxy ${fmt(cpu.get("worker/workerd-proxy") ?? 0, 2)} s, ` +
      `runner ${fmt(sumOf(cpu, "runner/"), 2)} s; ${fmt(batches)} ingest batches ` +
      `(${fmt(changes / batches, 1)} changes a batch); profiled JS ${fmt(busyMs, 0)} ms ` +
      `(${fmt(busyMs / changes, 2)} ms a change); ${fmt(latencies.length)} of ${fmt(made)} changes seen, ` +
      `latency p50 ${fmt(percentile(latencies, 50), 1)} ms, p99 ${fmt(percentile(latencies, 99), 1)} ms`,
  );
  if (process.env.BENCH_PROFILE_SERIES === "1") {
    const start = before.at;
    const bySecond = new Map<number, number[]>();
    for (const [made, latency] of seenBySecond) {
      if (made < start) continue;
      const second = Math.floor((made - start) / 1000);
      bySecond.set(second, [...(bySecond.get(second) ?? []), latency]);
    }
    console.log("\nlatency by the second a change was made (p50 / max):");
    for (const [second, list] of [...bySecond].sort((a, b) => a[0] - b[0]))
      console.log(
        `  ${second}s  ${fmt(percentile(list, 50), 0)} / ${fmt(Math.max(...list), 0)} ms (${list.length})`,
      );
  }
  console.log("\nself time by file:");
  for (const line of files.slice(0, 15))
    console.log(
      `  ${fmt(line.selfMs, 0).padStart(7)} ms ${fmt(line.share * 100, 1).padStart(5)}%  ${line.name}`,
    );
  console.log("\nself time by function:");
  for (const line of functions.slice(0, TOP))
    console.log(
      `  ${fmt(line.selfMs, 0).padStart(7)} ms ${fmt(line.share * 100, 1).padStart(5)}%  ${line.name}`,
    );
  await openMany(sockets.length, 200, (i) => sockets[i]!.close());
} finally {
  await stack.stop();
}

function workerdPid(worker: WorkerProcess): number {
  const port = new URL(worker.url).port;
  const pid = groupPids(worker.child.pid!, "workerd").find(
    (candidate) => !commandLine(candidate).includes(`entry=127.0.0.1:${port}`),
  );
  if (pid === undefined) throw new Error("the Worker's workerd is not running");
  return pid;
}

async function perfRecord(pid: number, out: string, during: () => Promise<void>): Promise<void> {
  const perf = spawn("perf", ["record", "-F", "999", "-g", "-p", String(pid), "-o", out], {
    stdio: "inherit",
  });
  await during();
  perf.kill("SIGINT");
  await new Promise((resolve) => perf.once("exit", resolve));
}

function emptyProfile(): CpuProfile {
  return { nodes: [], startTime: 0, endTime: 0, samples: [], timeDeltas: [] };
}

function sumOf(cpu: Map<string, number>, prefix: string): number {
  let total = 0;
  for (const [key, seconds] of cpu) if (key.startsWith(prefix)) total += seconds;
  return total;
}
