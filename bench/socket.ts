import { type ChildProcess, fork } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { cpus } from "node:os";
import { MAX_ALL_SUBSCRIBERS_PER_HUB } from "../durable-objects/socket-hub/limits.ts";
import { SEED_MEMBERS } from "../emulator/seed.ts";
import { SeededRandom } from "../emulator/seeded-random.ts";
import { simulatedUserId } from "../emulator/simulator-profiles.ts";
import type { AllReceipts } from "./lib/all-clients.ts";
import { cpuSnapshot, cpuUsed } from "./lib/cpu.ts";
import { measureFloor } from "./lib/floor.ts";
import { paced } from "./lib/paced.ts";
import { envNumber, fmt, machine, median, percentile, writeSection } from "./lib/report.ts";
import {
  type HubStats,
  openMany,
  openSocket,
  type SocketClient,
  sleep,
  socketStats,
} from "./lib/socket-client.ts";
import {
  type InProcessStack,
  markedPresence,
  stackCpu,
  startInProcessStack,
  workerdPids,
} from "./lib/stack.ts";

/**
 * The /socket endpoint end to end, on one stack, in one run: the Discord emulator in this process,
 * the gateway runner and the Worker under wrangler dev each in a process of their own, and every
 * socket client in this process (Node `ws`).
 *
 * (a) Latency: from a presence change dispatched by the emulator to the PRESENCE_UPDATE frame on
 *     the socket subscribed to that user, every change timed, at CHURN_RATE changes/s over 1,000
 *     users with one Lantern socket per user; then the same with a REST poller sampling changes,
 *     for the REST-visible latency of the same changes.
 * (c) Hub wake-ups per 1,000 heartbeats: Lantern's exact `{"op":4}` (auto-answered by the
 *     runtime), Lanyard's `{"op":3}`, and Lantern's `{"t":"HEARTBEAT","op":4}` (answered by the hub),
 *     read as `events.messages` deltas from GET /ingest/sockets.
 * (b) Fan-out: FANOUT_SOCKETS Lantern sockets on one user, one change, until the last socket has
 *     the frame; then a plain Node `ws` server in a child process broadcasting the same frame to as
 *     many local clients. Between the two, the Porchlight sockets are held open (heartbeating) to
 *     count the hubs' alarms, then left alone so the hubs hibernate, then sent one more change.
 * (d) All on one hub: on a stack of its own with one hub, one Lantern socket per user and a growing
 *     count of All sockets (in a child process) under (a)'s churn: the id sockets' latency and the
 *     Worker's CPU per step, and the time of an All INIT_ACK. BENCH_SOCKET_PART=all runs it alone.
 *
 * A restart of workerd under a measurement (wrangler dev restarts it whenever a source file
 * changes) drops every socket: the measurement is run again, and the report says so.
 *
 * Every setting can be overridden from the environment (BENCH_*), for quick trial runs.
 */

const USERS = 1_000;
const SIM_SEED = envNumber("BENCH_SEED", 7);
const CHURN_RATE = envNumber("BENCH_CHURN", 200);
const WARMUP_SECONDS = 3;
/** The sockets-only phase's latency is also reported by windows of this many seconds. */
const WINDOW_SECONDS = 5;
const QUIET_CHANGES = envNumber("BENCH_QUIET_CHANGES", 100);
const QUIET_RATE = 10;
const SOCKETS_ONLY_SECONDS = envNumber("BENCH_CHURN_SECONDS", 25);
const WITH_REST_SECONDS = envNumber("BENCH_REST_SECONDS", 15);
const REST_POLL_MS = 2;
const HEARTBEATS = envNumber("BENCH_HEARTBEATS", 1_000);
const FANOUT_SOCKETS_ASKED = envNumber("BENCH_FANOUT", 5_000);
const FANOUT_ROUNDS = envNumber("BENCH_FANOUT_ROUNDS", 5);
const HOLD_SECONDS = envNumber("BENCH_HOLD_SECONDS", 65);
const HOLD_POLL_MS = 5_000;
const IDLE_SECONDS = envNumber("BENCH_IDLE_SECONDS", 30);
const CONNECT_CONCURRENCY = envNumber("BENCH_CONNECT_CONCURRENCY", 50);
const FRAME_TIMEOUT_MS = 60_000;
const LANTERN_HEARTBEAT = '{"op":4}';
const LANYARD_HEARTBEAT = '{"op":3}';
/** Lantern's heartbeat spelled otherwise: the runtime cannot auto-answer it, the hub does. */
const LANTERN_LONG_HEARTBEAT = '{"t":"HEARTBEAT","op":4}';
const HEARTBEAT_ACK = '{"t":"HEARTBEAT_ACK","op":5}';

const ms = (n: number) => `${fmt(n, 1)} ms`;
const windowsText = (windows: { p50: number; p99: number }[]) =>
  windows.map((w) => `${fmt(w.p50, 0)}/${fmt(w.p99, 0)}`).join(", ") + " ms";
const log = (line: string) => console.error(`[bench:socket] ${line}`);

/** Sockets that closed without this process asking: a hub dropping a healthy client is a finding. */
const unexpectedCloses: { code: number; reason: string }[] = [];
const closingByUs = new WeakSet<SocketClient>();
function watchClose(socket: SocketClient): SocketClient {
  void socket.closed.then((close) => {
    if (!closingByUs.has(socket)) unexpectedCloses.push(close);
  });
  return socket;
}
async function closeAll(sockets: SocketClient[]): Promise<void> {
  for (const socket of sockets) closingByUs.add(socket);
  await openMany(sockets.length, 200, (i) => sockets[i]!.close());
}

/**
 * A phase of the run: its wall time, the CPU time of each process over it (from /proc), and whether
 * wrangler dev restarted workerd meanwhile (it does when a source file changes; other work in the
 * same tree can do that mid-run, dropping every socket).
 */
interface PhaseUsage {
  name: string;
  seconds: number;
  cpu: Map<string, number>;
  restarted: boolean;
  /** The phase measures the Worker (a restart during the ws baseline disturbs nothing). */
  usesWorker: boolean;
}
const phases: PhaseUsage[] = [];
/** Measurements run again because workerd restarted under them. */
const retried: string[] = [];

/**
 * Runs a measurement; if wrangler dev restarted workerd meanwhile (every socket is dropped then),
 * waits for the Worker and runs it again, up to ATTEMPTS times. The last attempt's result stands,
 * its phases marked if it was disturbed too.
 */
async function undisturbed<T>(stack: InProcessStack, name: string, measure: () => Promise<T>): Promise<T> {
  const ATTEMPTS = 3;
  for (let attempt = 1; ; attempt++) {
    const pids = workerdPids(stack.worker);
    const phaseCount = phases.length;
    const closeCount = unexpectedCloses.length;
    let result: T | undefined;
    let failure: unknown;
    try {
      result = await measure();
    } catch (error) {
      failure = error;
    }
    const restarted = workerdPids(stack.worker) !== pids;
    if (!restarted || attempt === ATTEMPTS) {
      if (failure !== undefined) throw failure;
      return result as T;
    }
    log(`${name}: workerd restarted under it${failure ? ` (${failure})` : ""}; measuring again`);
    retried.push(name);
    phases.length = phaseCount;
    unexpectedCloses.length = closeCount;
    await waitForWorker(stack);
  }
}

async function waitForWorker(stack: InProcessStack): Promise<void> {
  for (let settled = 0; settled < 3; ) {
    await sleep(1_000);
    const pids = workerdPids(stack.worker);
    const ok = await fetch(`${stack.worker.url}/health`).then(
      (res) => res.ok,
      () => false,
    );
    settled = ok && pids === workerdPids(stack.worker) ? settled + 1 : 0;
  }
}

function startPhase(stack: InProcessStack, name: string, usesWorker = true): () => PhaseUsage {
  const cpu = () => stackCpu(stack.worker, stack.runner);
  const before = { cpu: cpu(), pids: workerdPids(stack.worker), at: performance.now() };
  return () => {
    const usage = {
      name,
      seconds: (performance.now() - before.at) / 1000,
      cpu: cpuUsed(before.cpu, cpu()),
      restarted: workerdPids(stack.worker) !== before.pids,
      usesWorker,
    };
    if (usage.restarted && usesWorker)
      log(`  wrangler dev restarted workerd during "${name}" (a source file changed?)`);
    phases.push(usage);
    return usage;
  };
}

/** Opens a socket, sends its INIT and waits for the answer that ends the handshake. */
async function initSocket(
  url: string,
  init: object,
  answer: string,
  options: Parameters<typeof openSocket>[2] = {},
): Promise<SocketClient> {
  const socket = watchClose(await openSocket(url, "", options));
  socket.send({ op: 2, d: init });
  await socket.next((frame) => frame.t === answer, FRAME_TIMEOUT_MS);
  // Nothing reads the queue from here on: drop what the handshake left in it.
  socket.frames.length = 0;
  return socket;
}

// ---------------------------------------------------------------------------------------------
// (a) Latency under churn
// ---------------------------------------------------------------------------------------------

interface Change {
  seq: number;
  user: number;
  at: number;
  /** When the subscribed socket had the frame carrying this change's marker. */
  seenAt?: number;
  /** (a)'s phases, or (d)'s: `all-<index in ALL_STEPS>`, and a storm's `base-` and `storm-<index>`. */
  phase:
    | "quiet-first"
    | "quiet-second"
    | "warmup"
    | "sockets"
    | "rest"
    | `all-${number}`
    | `base-${number}`
    | `storm-${number}`;
}

const MARKER = /sk-(\d+)-z/;

/** A socket's frame handler that stamps each marked change with when a socket first had it. */
function stampFirstSight(changes: Change[]) {
  return (text: string, at: number) => {
    const match = MARKER.exec(text);
    const change = match ? changes[Number(match[1])] : undefined;
    if (change && change.seenAt === undefined) change.seenAt = at;
  };
}

/** Presence changes at `rate`/s to random users, each marked; returns a stop function. */
function startChurn(
  stack: InProcessStack,
  ids: string[],
  changes: Change[],
  phase: () => Change["phase"],
  rate = CHURN_RATE,
) {
  const rng = new SeededRandom(SIM_SEED + 1);
  const statuses = ["online", "idle", "dnd"] as const;
  return paced(rate, () => {
    const user = rng.int(0, ids.length - 1);
    const seq = changes.length;
    changes.push({ seq, user, at: performance.now(), phase: phase() });
    stack.emulator.world.setPresence(
      stack.guildId,
      markedPresence(ids[user]!, `sk-${seq}-z`, rng.pick(statuses)),
    );
  });
}

interface RestSample {
  seq: number;
  restMs: number;
}

/** One change at a time, the newest: poll its user's REST route until the change shows. */
async function sampleRest(
  stack: InProcessStack,
  ids: string[],
  changes: Change[],
  until: number,
): Promise<{ samples: RestSample[]; superseded: number; timedOut: number; polls: number }> {
  const rng = new SeededRandom(SIM_SEED + 2);
  const out = { samples: [] as RestSample[], superseded: 0, timedOut: 0, polls: 0 };
  while (performance.now() < until) {
    const seq = changes.length - 1;
    const change = changes[seq]!;
    const marker = `sk-${seq}-z`;
    const url = `${stack.worker.url}/api/v1/users/${ids[change.user]}`;
    let outcome: "seen" | "superseded" | "timeout" = "timeout";
    while (performance.now() - change.at < 10_000) {
      const started = performance.now();
      const text = await fetch(url).then(
        (res) => res.text(),
        () => "", // the Worker restarting: poll again
      );
      out.polls++;
      if (text.includes(marker)) {
        out.samples.push({ seq, restMs: performance.now() - change.at });
        outcome = "seen";
        break;
      }
      if (changes.slice(seq + 1).some((later) => later.user === change.user)) {
        outcome = "superseded";
        break;
      }
      const wait = REST_POLL_MS - (performance.now() - started);
      if (wait > 0) await sleep(wait);
    }
    if (outcome === "superseded") out.superseded++;
    if (outcome === "timeout") out.timedOut++;
    await sleep(rng.int(10, 60));
  }
  return out;
}

async function measureLatency(stack: InProcessStack) {
  const ids = Array.from({ length: USERS }, (_, i) => simulatedUserId(SIM_SEED, i));
  const changes: Change[] = [];
  const onFrame = stampFirstSight(changes);
  const connectPhase = startPhase(stack, `open ${fmt(USERS)} sockets, one user each`);
  const connectStarted = performance.now();
  const sockets = await openMany(USERS, CONNECT_CONCURRENCY, (i) =>
    initSocket(stack.worker.url, { user_id: ids[i] }, "INIT_ACK", { heartbeat: LANTERN_HEARTBEAT, onFrame }),
  );
  const connectSeconds = (performance.now() - connectStarted) / 1000;
  connectPhase();
  log(`  ${fmt(USERS)} Lantern sockets open and acknowledged in ${fmt(connectSeconds, 1)} s`);

  // Quiet first: one change a user to the first QUIET_CHANGES users at QUIET_RATE a second, which is
  // each one's first since its socket subscribed, then the same users once more.
  for (const quiet of ["quiet-first", "quiet-second"] as const) {
    for (let user = 0; user < QUIET_CHANGES; user++) {
      const seq = changes.length;
      changes.push({ seq, user, at: performance.now(), phase: quiet });
      stack.emulator.world.setPresence(stack.guildId, markedPresence(ids[user]!, `sk-${seq}-z`));
      await sleep(1000 / QUIET_RATE);
    }
    await sleep(1_000);
  }

  let phase: Change["phase"] = "warmup";
  const stopChurn = startChurn(stack, ids, changes, () => phase);
  let socketsSeconds: number;
  let socketsStarted = 0;
  let socketsUsage: PhaseUsage;
  let rest: Awaited<ReturnType<typeof sampleRest>>;
  try {
    await sleep(WARMUP_SECONDS * 1000);
    phase = "sockets";
    const socketsPhase = startPhase(stack, `(a) ${CHURN_RATE} changes/s, sockets only`);
    socketsStarted = performance.now();
    await sleep(SOCKETS_ONLY_SECONDS * 1000);
    socketsSeconds = (performance.now() - socketsStarted) / 1000;
    socketsUsage = socketsPhase();
    phase = "rest";
    const restPhase = startPhase(stack, `(a) ${CHURN_RATE} changes/s and the REST poller`);
    log(`  sockets only: ${fmt(changes.filter((c) => c.phase === "sockets").length)} changes; now with REST`);
    rest = await sampleRest(stack, ids, changes, performance.now() + WITH_REST_SECONDS * 1000);
    restPhase();
  } finally {
    stopChurn();
  }
  await sleep(5_000); // the last changes' frames

  const inPhase = (p: Change["phase"]) => changes.filter((c) => c.phase === p);
  const lastSeen = new Map<number, number>(); // user → newest seq whose frame arrived
  for (const c of changes)
    if (c.seenAt !== undefined) lastSeen.set(c.user, Math.max(c.seq, lastSeen.get(c.user) ?? -1));
  const summarise = (list: Change[]) => {
    const latencies = list.filter((c) => c.seenAt !== undefined).map((c) => c.seenAt! - c.at);
    const unseen = list.filter((c) => c.seenAt === undefined);
    // The runner coalesces a user's changes within one flush: a change whose user's later change
    // arrived was rightly never sent on its own.
    const superseded = unseen.filter((c) => (lastSeen.get(c.user) ?? -1) > c.seq).length;
    return { count: list.length, latencies, superseded, lost: unseen.length - superseded };
  };
  const quietFirst = summarise(inPhase("quiet-first"));
  const quietSecond = summarise(inPhase("quiet-second"));
  const socketsOnly = summarise(inPhase("sockets"));
  const withRest = summarise(inPhase("rest"));
  // When in the phase the slow changes were made: a backlog shows in the windows it lasted.
  const byWindow: number[][] = [];
  for (const c of inPhase("sockets")) {
    if (c.seenAt === undefined) continue;
    const n = Math.floor((c.at - socketsStarted) / (WINDOW_SECONDS * 1000));
    const list = byWindow[n] ?? [];
    list.push(c.seenAt - c.at);
    byWindow[n] = list;
  }
  const windows = [...byWindow].map((list = []) => ({
    p50: percentile(list, 50),
    p99: percentile(list, 99),
  }));
  const sampled = rest.samples
    .filter((s) => changes[s.seq]!.seenAt !== undefined)
    .map((s) => ({ rest: s.restMs, socket: changes[s.seq]!.seenAt! - changes[s.seq]!.at }));
  await closeAll(sockets);
  return {
    connectSeconds,
    socketsSeconds,
    quietFirst,
    quietSecond,
    socketsOnly,
    withRest,
    rest,
    sampled,
    windows,
    madeRate: inPhase("sockets").length / socketsSeconds,
    workerCpuPerChangeMs: (1000 * (socketsUsage.cpu.get("worker/workerd") ?? 0)) / inPhase("sockets").length,
  };
}

// ---------------------------------------------------------------------------------------------
// (c) Hub wake-ups per heartbeat
// ---------------------------------------------------------------------------------------------

/** Sums per-hub deltas of `events` between two reads, leaving out hubs that restarted in between. */
function eventDeltas(before: HubStats[], after: HubStats[]) {
  const sums = { opens: 0, messages: 0, closes: 0, alarms: 0, deliveries: 0 };
  const restarted: string[] = [];
  for (const hub of after) {
    const was = before.find((h) => h.hub === hub.hub);
    if (!was || was.events.since !== hub.events.since) {
      restarted.push(hub.hub);
      continue;
    }
    for (const key of Object.keys(sums) as (keyof typeof sums)[])
      sums[key] += hub.events[key] - was.events[key];
  }
  return { ...sums, restarted };
}

/**
 * Events per hub over `ms`, reading the counters every HOLD_POLL_MS: a hub whose `since` changed
 * was rebuilt (its counters restarted from zero), so its new counts are added whole.
 */
async function accumulateEvents(stack: InProcessStack, ms: number) {
  const started = performance.now();
  let last = await socketStats(stack.worker.url, stack.secret);
  const perHub = new Map(last.map((hub) => [hub.hub, { alarms: 0, messages: 0, closes: 0, rebuilt: 0 }]));
  while (performance.now() - started < ms) {
    await sleep(Math.min(HOLD_POLL_MS, ms - (performance.now() - started)));
    const now = await socketStats(stack.worker.url, stack.secret);
    for (const hub of now) {
      const was = last.find((h) => h.hub === hub.hub);
      const sum = perHub.get(hub.hub);
      if (!was || !sum) continue;
      const fresh = was.events.since !== hub.events.since;
      if (fresh) sum.rebuilt++;
      for (const key of ["alarms", "messages", "closes"] as const)
        sum[key] += hub.events[key] - (fresh ? 0 : was.events[key]);
    }
    last = now;
  }
  const minutes = (performance.now() - started) / 60_000;
  const hubs = [...perHub].map(([hub, sum]) => ({
    hub,
    sockets: last.find((h) => h.hub === hub)?.sockets ?? 0,
    ...sum,
  }));
  const total = (key: "alarms" | "messages" | "closes" | "rebuilt") => hubs.reduce((n, h) => n + h[key], 0);
  return {
    minutes,
    alarms: total("alarms"),
    messages: total("messages"),
    closes: total("closes"),
    rebuilt: total("rebuilt"),
    alarmsPerMinute: hubs.filter((h) => h.sockets > 0).map((h) => h.alarms / minutes),
  };
}

interface HeartbeatRow {
  label: string;
  sent: number;
  sockets: number;
  answers: number;
  messages: number;
  restarted: string[];
}

async function measureHeartbeats(stack: InProcessStack): Promise<HeartbeatRow[]> {
  const user = SEED_MEMBERS[1]!.id;
  // 50 frames per socket, INIT included: below the flood limit of 120 a minute.
  const perSocket = 50;
  const count = Math.ceil(HEARTBEATS / perSocket);
  const open = (init: object, answer: string) =>
    openMany(count, 10, () => initSocket(stack.worker.url, init, answer));
  const phase = startPhase(stack, "(c) heartbeats");
  const lantern = await open({ user_id: user }, "INIT_ACK");
  const lanyard = await open({ subscribe_to_id: user }, "INIT_STATE");
  const rows: HeartbeatRow[] = [];
  const measure = async (label: string, sockets: SocketClient[], frame: string, answered: boolean) => {
    await sleep(1_000); // whatever the handshakes woke has run
    const before = await socketStats(stack.worker.url, stack.secret);
    for (const socket of sockets) socket.frames.length = 0;
    for (let i = 0; i < HEARTBEATS; i++) sockets[i % sockets.length]!.send(frame);
    const answers = () =>
      sockets.reduce((n, s) => n + s.frames.filter((text) => text === HEARTBEAT_ACK).length, 0);
    // Lantern's are answered: wait for every answer. Lanyard's are not: wait for the hubs' count
    // to stop growing.
    const deadline = performance.now() + 30_000;
    let after = before;
    let stable = 0;
    let previous = -1;
    while (performance.now() < deadline) {
      await sleep(250);
      if (answered && answers() < HEARTBEATS) continue;
      after = await socketStats(stack.worker.url, stack.secret);
      const messages = eventDeltas(before, after).messages;
      stable = messages === previous ? stable + 1 : 0;
      previous = messages;
      if (stable >= 4 || messages >= HEARTBEATS) break;
    }
    const delta = eventDeltas(before, after);
    rows.push({
      label,
      sent: HEARTBEATS,
      sockets: sockets.length,
      answers: answers(),
      messages: delta.messages,
      restarted: delta.restarted,
    });
    log(`  ${label}: ${fmt(delta.messages)} hub wake-ups for ${fmt(HEARTBEATS)} heartbeats`);
  };
  await measure('Lantern `{"op":4}` (exact)', lantern, LANTERN_HEARTBEAT, true);
  await measure('Lanyard `{"op":3}`', lanyard, LANYARD_HEARTBEAT, false);
  await measure('Lantern `{"t":"HEARTBEAT","op":4}`', lantern, LANTERN_LONG_HEARTBEAT, true);
  await closeAll([...lantern, ...lanyard]);
  phase();
  return rows;
}

// ---------------------------------------------------------------------------------------------
// (b) Fan-out to many sockets on one user
// ---------------------------------------------------------------------------------------------

/** The soft limit on open files of this process (wrangler's workerd inherits it). */
function openFileLimit(): number {
  const line = readFileSync("/proc/self/limits", "utf8")
    .split("\n")
    .find((l) => l.startsWith("Max open files"));
  const soft = line?.split(/\s{2,}/)[1];
  return soft === undefined || soft === "unlimited" ? Number.POSITIVE_INFINITY : Number(soft);
}

interface Round {
  /** From the trigger (emulator dispatch, or the IPC message to the ws server). */
  first: number;
  last: number;
}

/** Records, per marker, when each socket had the frame carrying it. */
class Receipts {
  #marker = "";
  #first = 0;
  #last = 0;
  #count = 0;
  #expected = 0;
  #done: (() => void) | undefined;
  /** Called when a round ends short, to explain it before the run fails. */
  onShort: (() => Promise<void>) | undefined;
  readonly onFrame = (text: string, at: number) => {
    if (!this.#marker || !text.includes(this.#marker)) return;
    if (this.#count++ === 0) this.#first = at;
    this.#last = at;
    if (this.#count === this.#expected) this.#done?.();
  };

  /** Arms for `marker`, runs `trigger`, and resolves when `expected` sockets had it. */
  async round(marker: string, expected: number, trigger: () => void): Promise<Round> {
    this.#marker = marker;
    this.#count = 0;
    this.#expected = expected;
    const all = new Promise<void>((resolve) => {
      this.#done = resolve;
    });
    const started = performance.now();
    trigger();
    const timer = setTimeout(() => this.#done?.(), FRAME_TIMEOUT_MS);
    await all;
    clearTimeout(timer);
    if (this.#count < expected && this.onShort) await this.onShort();
    if (this.#count < expected)
      throw new Error(
        `only ${this.#count} of ${expected} sockets had ${marker} after ${FRAME_TIMEOUT_MS} ms`,
      );
    this.#marker = "";
    return { first: this.#first - started, last: this.#last - started };
  }
}

/**
 * FANOUT_ROUNDS timed rounds after one warm-up, 1 s apart: `trigger` sends the frame carrying the
 * round's marker; `afterRound` runs once every socket has it.
 */
async function fanOutRounds(
  label: string,
  receipts: Receipts,
  sockets: number,
  prefix: string,
  trigger: (marker: string, round: number) => void,
  afterRound?: (marker: string) => void,
): Promise<Round[]> {
  const rounds: Round[] = [];
  for (let round = 0; round <= FANOUT_ROUNDS; round++) {
    const marker = `${prefix}-${round}-${Date.now()}`;
    const result = await receipts.round(marker, sockets, () => trigger(marker, round));
    afterRound?.(marker);
    if (round > 0) rounds.push(result);
    log(`  ${label} round ${round}: first ${ms(result.first)}, last ${ms(result.last)}`);
    await sleep(1_000);
  }
  return rounds;
}

async function measurePorchlightFanOut(stack: InProcessStack, sockets: number) {
  const user = SEED_MEMBERS[3]!.id;
  const receipts = new Receipts();
  receipts.onShort = async () => {
    log(`  sockets closed by the server so far: ${unexpectedCloses.length}`);
    log(`  hubs now: ${JSON.stringify(await socketStats(stack.worker.url, stack.secret))}`);
  };
  const statsBefore = await socketStats(stack.worker.url, stack.secret);
  const connectPhase = startPhase(stack, `open ${fmt(sockets)} sockets on one user`);
  const connectStarted = performance.now();
  const clients = await openMany(sockets, CONNECT_CONCURRENCY, () =>
    initSocket(stack.worker.url, { user_id: user }, "INIT_ACK", {
      heartbeat: LANTERN_HEARTBEAT,
      onFrame: receipts.onFrame,
      keep: true,
    }),
  );
  const connectSeconds = (performance.now() - connectStarted) / 1000;
  connectPhase();
  log(`  ${fmt(sockets)} Lantern sockets on one user, open and acknowledged in ${fmt(connectSeconds, 1)} s`);
  for (const client of clients) client.frames.length = 0;

  let frame = "";
  const statsRounds = await socketStats(stack.worker.url, stack.secret);
  const roundsPhase = startPhase(stack, `(b) Porchlight fan-out rounds, ${fmt(sockets)} sockets`);
  const rounds = await fanOutRounds(
    "Porchlight",
    receipts,
    sockets,
    "fan",
    (marker, round) =>
      stack.emulator.world.setPresence(
        stack.guildId,
        markedPresence(user, marker, round % 2 ? "idle" : "dnd"),
      ),
    (marker) => {
      frame ||= clients[0]!.frames.find((text) => text.includes(marker)) ?? "";
      for (const client of clients) client.frames.length = 0;
    },
  );
  roundsPhase();
  const roundsDelta = eventDeltas(statsRounds, await socketStats(stack.worker.url, stack.secret));

  // Held open and idle but for heartbeats (the runtime answers them): count the hubs' alarms, with
  // the counters read every HOLD_POLL_MS (a hub's counters restart when it is rebuilt, and reading
  // them wakes it, so the polling keeps the hubs in memory), then leave them alone a while to see
  // whether they are evicted (hibernate) and still keep every socket.
  log(`  holding the sockets ${HOLD_SECONDS} s to count alarms, then ${IDLE_SECONDS} s untouched`);
  const closesBefore = unexpectedCloses.length;
  const holdPhase = startPhase(stack, `hold ${fmt(sockets)} idle sockets (heartbeats only)`);
  const hold = await accumulateEvents(stack, HOLD_SECONDS * 1000);
  holdPhase();
  const idleBefore = await socketStats(stack.worker.url, stack.secret);
  const idlePhase = startPhase(stack, `the same, stats unread (hubs may hibernate)`);
  await sleep(IDLE_SECONDS * 1000);
  idlePhase();
  const idleAfter = await socketStats(stack.worker.url, stack.secret);
  const idle = {
    rebuilt: eventDeltas(idleBefore, idleAfter).restarted.length,
    hubs: idleAfter.length,
    sockets: idleAfter.reduce((n, hub) => n + hub.sockets, 0),
  };
  const droppedDuringHold = unexpectedCloses.length - closesBefore;
  // One more change, to hubs rebuilt from their sockets' attachments (if they hibernated).
  const coldMarker = `fan-cold-${Date.now()}`;
  const cold = await receipts.round(coldMarker, sockets - droppedDuringHold, () =>
    stack.emulator.world.setPresence(stack.guildId, markedPresence(user, coldMarker, "online")),
  );
  log(`  after the idle time: first ${ms(cold.first)}, last ${ms(cold.last)}`);
  await closeAll(clients);
  return {
    connectSeconds,
    rounds,
    frame,
    hubsWithSockets: idleBefore.filter((hub) => hub.sockets > 0).length,
    deliveriesPerChange: roundsDelta.deliveries / (FANOUT_ROUNDS + 1),
    hold: { ...hold, droppedDuringHold },
    idle: { ...idle, cold },
    openedBefore: statsBefore.reduce((n, hub) => n + hub.sockets, 0),
  };
}

async function startBroadcastServer(): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(new URL("./lib/ws-broadcast-server.ts", import.meta.url), [], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const kill = () => child.kill("SIGKILL");
  process.once("exit", kill);
  child.once("exit", () => process.off("exit", kill));
  const [message] = (await once(child, "message")) as [{ type: string; port: number }];
  return { child, port: message.port };
}

async function measureWsFanOut(
  stack: InProcessStack,
  sockets: number,
  frameTemplate: string,
  marker: RegExp,
) {
  const { child, port } = await startBroadcastServer();
  const receipts = new Receipts();
  const url = `http://127.0.0.1:${port}`;
  const clients = await openMany(sockets, CONNECT_CONCURRENCY, async () => {
    const client = await openSocket(url, "", { onFrame: receipts.onFrame, keep: false });
    closingByUs.add(client);
    return client;
  });
  const phase = startPhase(stack, `(b) ws baseline rounds, ${fmt(sockets)} sockets`, false);
  try {
    return await fanOutRounds("ws", receipts, sockets, "ws", (text) => {
      child.send({ type: "broadcast", frame: frameTemplate.replace(marker, text) });
    });
  } finally {
    phase();
    await closeAll(clients);
    child.send({ type: "close" });
    await once(child, "exit");
  }
}

// ---------------------------------------------------------------------------------------------
// (d) All subscribers on one hub
// ---------------------------------------------------------------------------------------------

/** All sockets on the one hub at each step of (d); the last step, back at 0, shows any drift. */
const ALL_STEPS = (process.env.BENCH_ALL_STEPS ?? "0,5,10,25,50,0").split(",").map(Number);
const ALL_STEP_SECONDS = envNumber("BENCH_ALL_SECONDS", 15);
/**
 * Half of (a)'s rate: on one hub, the Worker's workerd is already near a whole core at (a)'s 200
 * changes/s with no All socket at all (ingest costs ~4 ms of CPU a change), and its queueing then
 * swamps what the All sockets add.
 */
const ALL_CHURN_RATE = envNumber("BENCH_ALL_CHURN", 100);
const ALL_WARMUP_SECONDS = 2;
const ALL_DRAIN_SECONDS = 5;
/** All sockets opened at once, under the churn, after the steps. */
const ALL_STORMS = (process.env.BENCH_ALL_STORMS ?? "1,5,10").split(",").filter(Boolean).map(Number);
const ALL_STORM_BASE_SECONDS = 5;

interface AllStep {
  allSockets: number;
  made: number;
  /** Each change at the id socket subscribed to its user (the hub's other sockets). */
  byId: number[];
  /** Each change at the first and at the last of the All sockets, when all of them had it. */
  allFirst: number[];
  allLast: number[];
  /** Changes some All socket missed (neither delivered to all nor superseded). */
  allShort: number;
  /** CPU seconds of the All clients' child process over the step. */
  clientsCpu: number;
  lostById: number;
  usage: PhaseUsage;
}

async function startAllClients(): Promise<ChildProcess> {
  const child = fork(new URL("./lib/all-clients.ts", import.meta.url), [], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    // A process group of its own, so that its CPU time is read apart from this process's.
    detached: true,
  });
  const kill = () => child.kill("SIGKILL");
  process.once("exit", kill);
  child.once("exit", () => process.off("exit", kill));
  return child;
}

async function ask<T>(child: ChildProcess, message: object, answer: string): Promise<T> {
  child.send(message);
  for (;;) {
    const [reply] = (await once(child, "message")) as [{ type: string; error?: string } & T];
    if (reply.type === "failed") throw new Error(`all-clients: ${reply.error}`);
    if (reply.type === answer) return reply;
  }
}

/**
 * One hub (SOCKET_HUBS=1) holding one Lantern socket per user, and ALL_STEPS[i] All sockets beside
 * them, under (a)'s churn: what each All socket costs the hub's other sockets (their latency), and
 * the hub (workerd's CPU), and what one All INIT_ACK costs with every user monitored.
 */
async function measureAllOnOneHub(stack: InProcessStack) {
  const ids = Array.from({ length: USERS }, (_, i) => simulatedUserId(SIM_SEED, i));
  const changes: Change[] = [];
  const onFrame = stampFirstSight(changes);
  const sockets = await openMany(USERS, CONNECT_CONCURRENCY, (i) =>
    initSocket(stack.worker.url, { user_id: ids[i] }, "INIT_ACK", { heartbeat: LANTERN_HEARTBEAT, onFrame }),
  );
  log(`  ${fmt(USERS)} Lantern sockets, one user each, on the one hub`);
  const child = await startAllClients();
  const acks: { ms: number; bytes: number }[] = [];
  let open = 0;
  const clientsCpu = () =>
    [...cpuSnapshot({ clients: child.pid })]
      .filter(([key]) => key.startsWith("clients/"))
      .reduce((n, [, seconds]) => n + seconds, 0);
  const steps: AllStep[] = [];
  const storms: AllStorm[] = [];
  let phase: Change["phase"] = "warmup";
  try {
    // Before the first step, a change to every user in turn: a user's first change after the
    // opens is much slower than the next (without this, the first step's median was seconds
    // where the later steps' were a few hundred milliseconds).
    for (const [i, id] of ids.entries()) {
      stack.emulator.world.setPresence(stack.guildId, markedPresence(id, `sweep-${i}`, "online"));
      if (i % 10 === 9) await sleep((10 * 1000) / ALL_CHURN_RATE);
    }
    await sleep(ALL_DRAIN_SECONDS * 1000);
    for (const [index, target] of ALL_STEPS.entries()) {
      if (target < open) {
        if (target !== 0) throw new Error("(d) steps go up, or back to 0");
        await ask(child, { type: "drop" }, "dropped");
        open = 0;
      }
      const more = target - open;
      if (more > 0) {
        const { acks: opened } = await ask<{ acks: typeof acks }>(
          child,
          // One at a time: the figure wanted is one ack's cost.
          { type: "open", url: stack.worker.url, count: more, concurrency: 1 },
          "opened",
        );
        acks.push(...opened);
        open = target;
        log(`  ${target} All sockets (ack median ${ms(median(opened.map((a) => a.ms)))})`);
      }
      await sleep(1_000);
      await ask(child, { type: "report" }, "report"); // forget what arrived before this step
      phase = "warmup";
      const stopChurn = startChurn(stack, ids, changes, () => phase, ALL_CHURN_RATE);
      let usage: PhaseUsage;
      let clientSeconds = 0;
      try {
        await sleep(ALL_WARMUP_SECONDS * 1000);
        phase = `all-${index}`;
        const end = startPhase(stack, `(d) ${target} All sockets on the hub, ${ALL_CHURN_RATE} changes/s`);
        const cpuBefore = clientsCpu();
        await sleep(ALL_STEP_SECONDS * 1000);
        usage = end();
        clientSeconds = clientsCpu() - cpuBefore;
        phase = "warmup";
      } finally {
        stopChurn();
      }
      await sleep(ALL_DRAIN_SECONDS * 1000); // the last changes' frames
      const { changes: wallClock } = await ask<{ changes: AllReceipts }>(child, { type: "report" }, "report");
      // The child's times are wall-clock; this process's are performance.now().
      const receipts: AllReceipts = {};
      for (const [seq, r] of Object.entries(wallClock)) {
        const local = (t: number) => t - performance.timeOrigin;
        receipts[Number(seq)] = { first: local(r.first), last: local(r.last), sockets: r.sockets };
      }
      const step = changes.filter((c) => c.phase === `all-${index}`);
      const lastSeen = new Map<number, number>();
      for (const c of changes)
        if (c.seenAt !== undefined) lastSeen.set(c.user, Math.max(c.seq, lastSeen.get(c.user) ?? -1));
      const superseded = (c: Change) => (lastSeen.get(c.user) ?? -1) > c.seq;
      const toAll = step.filter((c) => receipts[c.seq]?.sockets === target);
      steps.push({
        allSockets: target,
        made: step.length,
        byId: step.filter((c) => c.seenAt !== undefined).map((c) => c.seenAt! - c.at),
        allFirst: target > 0 ? toAll.map((c) => receipts[c.seq]!.first - c.at) : [],
        allLast: target > 0 ? toAll.map((c) => receipts[c.seq]!.last - c.at) : [],
        allShort: target > 0 ? step.filter((c) => !toAll.includes(c) && !superseded(c)).length : 0,
        lostById: step.filter((c) => c.seenAt === undefined && !superseded(c)).length,
        clientsCpu: clientSeconds,
        usage,
      });
      const last = steps.at(-1)!;
      if (last.byId.length === 0)
        throw new Error(`(d) no change reached an id socket with ${target} All sockets`);
      log(
        `  ${target} All: id sockets p50 ${ms(percentile(last.byId, 50))} p99 ${ms(percentile(last.byId, 99))}` +
          (target > 0 && last.allLast.length > 0
            ? `, last All socket p50 ${ms(percentile(last.allLast, 50))}`
            : ""),
      );
    }
    for (const [index, count] of ALL_STORMS.entries()) {
      await ask(child, { type: "drop" }, "dropped");
      storms.push(await allStorm(stack, ids, changes, child, index, count));
      const storm = storms.at(-1)!;
      log(
        `  ${count} All sockets at once: acks done in ${ms(storm.seconds * 1000)}; id sockets p50 ` +
          `${ms(percentile(storm.before, 50))} before, ${ms(percentile(storm.during, 50))} during`,
      );
    }
  } finally {
    child.send({ type: "close" });
    await once(child, "exit");
    await closeAll(sockets);
  }
  return { steps, acks, storms };
}

interface AllStorm {
  count: number;
  /** From the first INIT to the last INIT_ACK. */
  seconds: number;
  acks: { ms: number; bytes: number }[];
  /** The id sockets' latencies over ALL_STORM_BASE_SECONDS before the storm, and during it. */
  before: number[];
  during: number[];
}

/**
 * `count` All sockets opening at once (as after a deploy, when every client reconnects) under the
 * churn: each ack reads every monitored user, so the acks together are the most an All socket asks
 * of the hub in one go.
 */
async function allStorm(
  stack: InProcessStack,
  ids: string[],
  changes: Change[],
  child: ChildProcess,
  index: number,
  count: number,
): Promise<AllStorm> {
  let phase: Change["phase"] = "warmup";
  const stopChurn = startChurn(stack, ids, changes, () => phase, ALL_CHURN_RATE);
  let seconds: number;
  let acks: AllStorm["acks"];
  try {
    await sleep(ALL_WARMUP_SECONDS * 1000);
    phase = `base-${index}`;
    await sleep(ALL_STORM_BASE_SECONDS * 1000);
    phase = `storm-${index}`;
    const started = performance.now();
    ({ acks } = await ask<{ acks: AllStorm["acks"] }>(
      child,
      { type: "open", url: stack.worker.url, count, concurrency: count },
      "opened",
    ));
    seconds = (performance.now() - started) / 1000;
    phase = "warmup";
  } finally {
    stopChurn();
  }
  await sleep(ALL_DRAIN_SECONDS * 1000);
  const latencies = (p: Change["phase"]) =>
    changes.filter((c) => c.phase === p && c.seenAt !== undefined).map((c) => c.seenAt! - c.at);
  return { count, seconds, acks, before: latencies(`base-${index}`), during: latencies(`storm-${index}`) };
}

// ---------------------------------------------------------------------------------------------
// The run.
// ---------------------------------------------------------------------------------------------

/**
 * Open files per socket in the busiest process: wrangler's proxy workerd holds 4 descriptors per
 * open /socket connection (measured: 4,035 with 1,000 sockets open; the Worker's workerd 2,178).
 * Past its limit (inherited from this process; the hard limit cannot be raised here) workerd fails
 * accept() with EMFILE and crashes, and wrangler restarts it, dropping every socket.
 */
const FDS_PER_SOCKET = 4;
const FD_SPARE = 1_500;
const fdLimit = openFileLimit();
const FANOUT_SOCKETS = Math.max(
  1,
  Math.min(FANOUT_SOCKETS_ASKED, Math.floor((fdLimit - FD_SPARE) / FDS_PER_SOCKET / 100) * 100),
);
/** BENCH_SOCKET_PART: "main" runs (a) to (c), "all" runs (d) alone (its own stack and section). */
const PART = process.env.BENCH_SOCKET_PART ?? "both";
if (PART === "all") {
  await runAllOnOneHub();
  process.exit(0);
}
const runStarted = performance.now();
let stack: InProcessStack | undefined;
try {
  log(`starting the stack: ${fmt(USERS)} simulated users, the Worker under wrangler dev, the runner`);
  stack = await startInProcessStack({
    users: USERS,
    seed: SIM_SEED,
    heartbeatIntervalMs: 10_000,
    convergeTimeoutMs: 120_000,
    echo: process.env.BENCH_ECHO === "1",
  });
  const hubs = (await socketStats(stack.worker.url, stack.secret)).length;

  log(`(a) latency: ${fmt(USERS)} Lantern sockets, ${CHURN_RATE} changes/s`);
  log("the floor: a dispatch to a raw gateway client, and GET /health");
  const floor = await measureFloor(stack, SEED_MEMBERS[2]!.id);
  log(`  ${ms(floor.dispatchMs)} + ${ms(floor.requestMs)}`);
  const latency = await undisturbed(stack, "(a)", () => measureLatency(stack!));
  log(
    `  socket p50 ${ms(percentile(latency.socketsOnly.latencies, 50))}, p99 ${ms(percentile(latency.socketsOnly.latencies, 99))}; ` +
      `by ${WINDOW_SECONDS} s window, p50/p99: ${windowsText(latency.windows)}`,
  );

  log(`(c) hub wake-ups for ${fmt(HEARTBEATS)} heartbeats of each kind`);
  const heartbeats = await undisturbed(stack, "(c)", () => measureHeartbeats(stack!));

  log(`(b) fan-out: ${fmt(FANOUT_SOCKETS)} sockets on one user (open files limit ${fdLimit})`);
  const porch = await undisturbed(stack, "(b)", () => measurePorchlightFanOut(stack!, FANOUT_SOCKETS));
  log(`(b) baseline: a Node ws server broadcasting to ${fmt(FANOUT_SOCKETS)} local clients`);
  const ws = await measureWsFanOut(stack, FANOUT_SOCKETS, porch.frame, /fan-\d+-\d+/);
  const runSeconds = (performance.now() - runStarted) / 1000;

  // --- The report -----------------------------------------------------------------------------
  const a = latency.socketsOnly;
  const w = latency.withRest;
  const q1 = latency.quietFirst;
  const q2 = latency.quietSecond;
  const p = (values: number[], q: number) => (values.length > 0 ? percentile(values, q) : Number.NaN);
  const sampledRest = latency.sampled.map((s) => s.rest);
  const sampledSocket = latency.sampled.map((s) => s.socket);
  const pLast = median(porch.rounds.map((r) => r.last));
  const pFirst = median(porch.rounds.map((r) => r.first));
  const pSpread = median(porch.rounds.map((r) => r.last - r.first));
  const wLast = median(ws.map((r) => r.last));
  const wFirst = median(ws.map((r) => r.first));
  const wSpread = median(ws.map((r) => r.last - r.first));
  const socketsNote =
    FANOUT_SOCKETS < FANOUT_SOCKETS_ASKED ? ` (not ${fmt(FANOUT_SOCKETS_ASKED)}: see below)` : "";
  const lanternRow = heartbeats[0]!;
  const lanyardRow = heartbeats[1]!;
  const perThousand = (row: HeartbeatRow) => fmt((1000 * row.messages) / row.sent, 1);
  const alarmRates = porch.hold.alarmsPerMinute;
  const restartNote = [...new Set(heartbeats.flatMap((r) => r.restarted))];
  const summary = [
    `(a) At ${CHURN_RATE} changes/s over ${fmt(USERS)} users, a change reaches its subscribed socket in ${ms(p(a.latencies, 50))} at the median (p99 ${ms(p(a.latencies, 99))}), ${a.lost + w.lost === 0 ? "no change lost" : `**${fmt(a.lost + w.lost)} changes lost**`}; on the same changes, REST polling saw them ${fmt(p(sampledRest, 50) / p(sampledSocket, 50), 2)}× later at the median, and a poller pays a request per look where the socket pays nothing (section 1 of the pipeline benchmark measures REST alone).`,
    `(b) One change reaches the last of ${fmt(FANOUT_SOCKETS)} sockets on one user ${ms(pLast)} after the dispatch, ${fmt(pLast / wLast, 2)}× a plain \`ws\` server's broadcast of the same frame; the fan-out proper (first to last socket) takes ${fmt(pSpread / wSpread, 2)}× the \`ws\` server's, every frame crossing wrangler's proxy too.`,
    `(c) Lantern's exact \`{"op":4}\` costs ${perThousand(lanternRow)} hub wake-ups per 1,000 heartbeats (the runtime answers it), Lanyard's \`{"op":3}\` ${perThousand(lanyardRow)}. Idle hubs run about ${fmt(median(alarmRates.length > 0 ? alarmRates : [0]), 1)} alarms a minute each, hibernate when left alone, and keep their sockets.`,
  ];
  const restartedPhases = phases
    .filter((phase) => phase.restarted && phase.usesWorker)
    .map((phase) => phase.name);
  /** CPU seconds of one kind of process over a phase, as a share of one core. */
  const share = (usage: PhaseUsage, match: (key: string) => boolean) => {
    const seconds = [...usage.cpu].filter(([key]) => match(key)).reduce((n, [, v]) => n + v, 0);
    return `${fmt((100 * seconds) / usage.seconds)}%`;
  };
  const cpuRow = (u: PhaseUsage) =>
    `| ${u.name} | ${fmt(u.seconds, 1)} s | ${[
      (k: string) => k === "worker/workerd",
      (k: string) => k === "worker/workerd-proxy",
      (k: string) => k.startsWith("worker/") && k !== "worker/workerd" && k !== "worker/workerd-proxy",
      (k: string) => k.startsWith("runner/"),
      (k: string) => k.startsWith("benchmark/"),
    ]
      .map((match, column) => (u.restarted && column < 3 ? "restarted" : share(u, match)))
      .join(" | ")} |`;

  const report = `## Socket: emulator → runner → Worker → /socket (\`npm run bench:socket\`)

Measured ${new Date().toISOString().slice(0, 10)} on ${machine()}, in one run of ${fmt(runSeconds)} s on one stack: the emulator in the benchmark's process (${fmt(USERS)} simulated users plus the 5 seeded members, seed ${SIM_SEED}), the Worker under \`wrangler dev\` (workerd, ${hubs} socket hubs, a fresh \`--persist-to\`), the gateway runner in its own process (\`FLUSH_WINDOW_MS\` at its default 0: a batch leaves as soon as none is in flight). Every socket client is a Node \`ws\` client in the benchmark's process, connected through wrangler's proxy on loopback. The processes share the machine's ${cpus().length} cores, and other jobs may have run on it meanwhile: read the ratios, not the absolute figures.

In short: ${summary.join(" ")}${restartedPhases.length > 0 ? ` **This run was disturbed:** wrangler dev restarted the Worker's workerd during ${restartedPhases.join("; ")} (it does so whenever a source file changes, and other work in the same tree changed one).` : ""}${retried.length > 0 ? ` Measurements run again because workerd restarted under them (every socket is dropped then): ${retried.join(", ")}; the figures are from the last attempt.` : ""}${restartNote.length > 0 ? ` **Hubs that restarted during a measurement** (their counts left out): ${restartNote.join(", ")}.` : ""}

### (a) Latency: a presence change on Discord until the socket has the frame

| phase | changes made | timed | p50 | p99 | max | superseded | lost |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
| quiet, ${QUIET_RATE} changes/s: each user's first change since its socket subscribed | ${fmt(q1.count)} | ${fmt(q1.latencies.length)} | ${ms(p(q1.latencies, 50))} | ${ms(p(q1.latencies, 99))} | ${ms(Math.max(...q1.latencies))} | ${fmt(q1.superseded)} | ${fmt(q1.lost)} |
| quiet, the same users' second change | ${fmt(q2.count)} | ${fmt(q2.latencies.length)} | ${ms(p(q2.latencies, 50))} | ${ms(p(q2.latencies, 99))} | ${ms(Math.max(...q2.latencies))} | ${fmt(q2.superseded)} | ${fmt(q2.lost)} |
| sockets only, ${CHURN_RATE} changes/s asked (${fmt(latency.madeRate)}/s made) | ${fmt(a.count)} | ${fmt(a.latencies.length)} | ${ms(p(a.latencies, 50))} | ${ms(p(a.latencies, 99))} | ${ms(Math.max(...a.latencies))} | ${fmt(a.superseded)} | ${fmt(a.lost)} |
| the same churn while a REST poller samples changes | ${fmt(w.count)} | ${fmt(w.latencies.length)} | ${ms(p(w.latencies, 50))} | ${ms(p(w.latencies, 99))} | ${ms(Math.max(...w.latencies))} | ${fmt(w.superseded)} | ${fmt(w.lost)} |

The floor, in the same run: a PRESENCE_UPDATE reaches a raw gateway client (\`ws\`, in this process) ${ms(floor.dispatchMs)} after \`setPresence\` (median of ${fmt(floor.samples.dispatches)}), and one \`GET /health\` (no object) takes ${ms(floor.requestMs)} (median of ${fmt(floor.samples.requests)}, one at a time, through wrangler's proxy like every socket): **${ms(floor.totalMs)}** together. The quiet median is ${fmt(p(q2.latencies, 50) / floor.totalMs, 2)}× the floor (first changes ${fmt(p(q1.latencies, 50) / floor.totalMs, 2)}×); under ${CHURN_RATE} changes/s ${fmt(p(a.latencies, 50) / floor.totalMs, 2)}×. The Worker's workerd used ${fmt(latency.workerCpuPerChangeMs, 2)} ms of CPU per change made in the sockets-only phase. That phase by ${WINDOW_SECONDS} s windows from its start, p50/p99: ${windowsText(latency.windows)}.

The same changes seen both ways (the REST poller's ${fmt(latency.sampled.length)} samples; ${latency.rest.superseded} more were superseded before REST showed them, ${latency.rest.timedOut} timed out):

| seen through | p50 | p99 | p50 vs socket |
| --- | ---: | ---: | ---: |
| the subscribed socket (PRESENCE_UPDATE) | ${ms(p(sampledSocket, 50))} | ${ms(p(sampledSocket, 99))} | 1.00 |
| \`GET /api/v1/users/:id\`, polled | ${ms(p(sampledRest, 50))} | ${ms(p(sampledRest, 99))} | ${fmt(p(sampledRest, 50) / p(sampledSocket, 50), 2)} |

Method: ${fmt(USERS)} Lantern sockets, socket *i* sending INIT \`{"user_id": <simulated user i>}\` (opened ${CONNECT_CONCURRENCY} at a time, all acknowledged in ${fmt(latency.connectSeconds, 1)} s), each heartbeating \`{"op":4}\` every 30 s. A 10 ms timer in the benchmark's process makes ${CHURN_RATE} presence changes a second (\`world.setPresence\`, which dispatches PRESENCE_UPDATE at once) to users drawn at random among the ${fmt(USERS)}; every change's custom status carries its own sequence number, so **every change is timed**: from just before \`setPresence\` to the arrival, in the client's \`message\` handler, of the frame carrying that number. Only presence changes (the simulator's leaves would close Lantern sockets with 4000). After a ${WARMUP_SECONDS} s warm-up, ${SOCKETS_ONLY_SECONDS} s with the sockets alone, then ${WITH_REST_SECONDS} s while a REST poller takes the newest change, polls that user's \`GET /api/v1/users/:id\` one request at a time (${REST_POLL_MS} ms apart, ${fmt(latency.rest.polls)} polls) until the body carries it, waits 10–60 ms and takes the next, as bench:pipeline's probes do; its polling load is why that phase is a row of its own. A change is *superseded* when it never arrived but a later change of the same user did: the runner keeps one pending delta per user and rightly sends only the latest. *Lost* changes neither arrived nor were superseded. Before the churn, the quiet rows: one change to each of the first ${fmt(QUIET_CHANGES)} users, ${QUIET_RATE} a second (each user's first change since its socket subscribed), then one more to each of them. The socket latency holds the wait for the ingest batch in flight (a change that finds none in flight leaves at once), the ingest (signature, the user's object), then, after the runner's answer, one \`deliver\` call per hub watching the user and the send; the REST latency holds the same first steps, the cache purge and the poll that follows it.

### (b) Fan-out: one change to ${fmt(FANOUT_SOCKETS)} sockets on one user

| server | sockets | trigger → first socket | trigger → last socket | first → last | last vs ws | first → last vs ws |
| --- | ---: | ---: | ---: | ---: | ---: | ---: |
| Porchlight: emulator dispatch → runner → ingest → ${porch.hubsWithSockets} hubs → sockets | ${fmt(FANOUT_SOCKETS)}${socketsNote} | ${ms(pFirst)} | ${ms(pLast)} | ${ms(pSpread)} | ${fmt(pLast / wLast, 2)} | ${fmt(pSpread / wSpread, 2)} |
| plain Node \`ws\` server (child process), \`for (client of wss.clients) client.send(frame)\` | ${fmt(FANOUT_SOCKETS)} | ${ms(wFirst)} | ${ms(wLast)} | ${ms(wSpread)} | 1.00 | 1.00 |

${FANOUT_SOCKETS < FANOUT_SOCKETS_ASKED ? `**Why ${fmt(FANOUT_SOCKETS)} sockets and not ${fmt(FANOUT_SOCKETS_ASKED)}:** under \`wrangler dev\` every socket costs ${FDS_PER_SOCKET} open files in wrangler's proxy workerd (and 2 in the Worker's), and this machine's open-files limit is ${fmt(fdLimit)}, soft and hard (it cannot be raised in a child without privileges this VM lacks). At about 4,950 sockets the proxy's \`accept()\` fails with EMFILE, workerd crashes and wrangler restarts it, dropping every socket; so the run opens as many as fit with ${fmt(FD_SPARE)} files to spare, rounded down to a hundred. A deployment has no proxy and no such limit per process.\n\n` : ""}Medians of ${FANOUT_ROUNDS} rounds after one warm-up round, 1 s apart (Porchlight's *last* per round: ${porch.rounds.map((r) => fmt(r.last)).join(", ")} ms; ws: ${ws.map((r) => fmt(r.last)).join(", ")} ms). Method: ${fmt(FANOUT_SOCKETS)} Lantern sockets each sending INIT \`{"user_id": <margaret, a seeded member>}\` (the Worker picks a hub at random per socket, so they spread over the ${hubs} hubs; ${CONNECT_CONCURRENCY} opened at a time, all acknowledged in ${fmt(porch.connectSeconds, 1)} s), heartbeating \`{"op":4}\`. A round changes that user's presence in the emulator and times, in the clients' \`message\` handlers, the first and the last socket to have the frame. The baseline is a Node \`ws\` server in a child process of its own (as workerd is), with ${fmt(FANOUT_SOCKETS)} clients of the same kind in the benchmark's process, told over IPC to broadcast the frame Porchlight's sockets received (its ${fmt(Buffer.byteLength(porch.frame))} bytes, marker replaced); a round is timed from the IPC send. Porchlight's *trigger → first* is the whole pipeline (the runner's batch, ingest, the object's write); its *first → last* is the fan-out proper: ingest calls each hub once (${fmt(porch.deliveriesPerChange, 1)} \`deliver\` calls per change, by the hubs' counters), each hub builds the frame once and sends it to its sockets, and wrangler's proxy (a second workerd) relays every frame. Both rows end at the same Node process reading ${fmt(FANOUT_SOCKETS)} frames one after another, a floor common to both; this machine's 2 cores are shared by workerd, its proxy, the runner and the clients.

### (c) Hub wake-ups per 1,000 heartbeats

| heartbeat | sent | over sockets | answers received | hub wake-ups (\`events.messages\`) | per 1,000 |
| --- | ---: | ---: | ---: | ---: | ---: |
${heartbeats.map((r) => `| ${r.label} | ${fmt(r.sent)} | ${r.sockets} | ${r.label.startsWith("Lanyard") ? "none expected" : fmt(r.answers)} | ${fmt(r.messages)} | ${perThousand(r)} |`).join("\n")}

Method: ${lanternRow.sockets} Lantern and ${lanyardRow.sockets} Lanyard sockets, all on a seeded member and opened just before, no churn and no other socket open; the heartbeats are sent round-robin over them as fast as the client can (${fmt(HEARTBEATS / lanternRow.sockets)} per socket, under the flood limit of 120 frames a minute), and the hubs' \`events.messages\` (frames that woke the hub, from the signed \`GET /ingest/sockets\`) are read before and after: for Lantern once every HEARTBEAT_ACK had arrived, for Lanyard (no answer) once the count stopped growing. The exact \`{"op":4}\` is answered by the runtime's WebSocket auto-response (\`setWebSocketAutoResponse\`) without running the hub; any other frame, Lanyard's \`{"op":3}\` included, runs \`webSocketMessage\`. A hub can auto-answer only one exact string, and Lanyard's heartbeat expects no answer, so Lanyard clients wake their hub once per heartbeat: at one heartbeat per 30 s, a hub with *n* Lanyard sockets wakes *n*/30 times a second for heartbeats alone, a hub with *n* Lantern sockets not at all.

Alarms: while the ${fmt(FANOUT_SOCKETS)} sockets of (b) were held open ${fmt(porch.hold.minutes, 2)} min with nothing but Lantern heartbeats (one per socket per 30 s, auto-answered), the ${alarmRates.length} hubs ran ${fmt(porch.hold.alarms)} alarms in all: **${fmt(median(alarmRates.length > 0 ? alarmRates : [0]), 1)} alarms a minute per hub** (median; ${alarmRates.length > 0 ? `${fmt(Math.min(...alarmRates), 1)}–${fmt(Math.max(...alarmRates), 1)}` : "n/a"}), about ${fmt(FANOUT_SOCKETS / Math.max(1, alarmRates.length))} sockets each, and woke for ${fmt(porch.hold.messages)} frames. The counters were read every ${HOLD_POLL_MS / 1000} s (reading them wakes a hub, so this kept the hubs in memory; ${porch.hold.rebuilt} rebuilds seen). A hub's alarm is set to its earliest socket deadline (INIT within 10 s, or no sign of life for 60 s, auto-answered heartbeats counting), so with every socket heartbeating every 30 s an alarm finds nothing to close and moves on. Then ${IDLE_SECONDS} s with the counters unread: ${porch.idle.rebuilt} of the ${porch.idle.hubs} hubs had been evicted from memory and rebuilt by the next read (their \`since\` changed: hibernation), and they still held ${fmt(porch.idle.sockets)} sockets; one more change then reached the first socket after ${ms(porch.idle.cold.first)} and the last after ${ms(porch.idle.cold.last)} (against ${ms(pFirst)} and ${ms(pLast)} for the warm rounds above)${porch.idle.rebuilt > 0 ? ", the rebuilt hubs having only their sockets' attachments to go on" : ""}. Over the hold and the idle time ${porch.hold.droppedDuringHold === 0 ? "no socket was dropped" : `**${porch.hold.droppedDuringHold} sockets were closed by the server**`}.${unexpectedCloses.length > 0 ? `\n\nSockets closed by the server over the whole run, unasked: ${unexpectedCloses.length} (codes: ${[...new Set(unexpectedCloses.map((c) => c.code))].join(", ")}).` : ""}

### Where the time goes

CPU time of each process over each phase's wall time (100% is one whole core, of the machine's ${cpus().length}):

| phase | wall | workerd (the Worker and its hubs) | workerd (wrangler's proxy) | wrangler's Node | runner | benchmark process (emulator, clients) |
| --- | ---: | ---: | ---: | ---: | ---: | ---: |
${phases.map(cpuRow).join("\n")}

Every socket frame crosses two workerd processes under \`wrangler dev\`: the Worker's, where the hub sends it, and the proxy's, which relays it to the client; a deployment has no such proxy.`;
  await writeSection("socket", report);
  console.log(report);
} finally {
  await stack?.stop();
}
if (PART !== "main") await runAllOnOneHub();

async function runAllOnOneHub() {
  const started = performance.now();
  const allCap = Math.max(...ALL_STEPS);
  log(`(d) All on one hub: ${fmt(USERS)} users, 1 hub, All sockets ${ALL_STEPS.join(", ")}`);
  const stack = await startInProcessStack({
    users: USERS,
    seed: SIM_SEED,
    heartbeatIntervalMs: 10_000,
    convergeTimeoutMs: 120_000,
    workerVars: { SOCKET_HUBS: "1", SOCKET_ALL_PER_HUB: String(allCap) },
    echo: process.env.BENCH_ECHO === "1",
  });
  try {
    const { steps, acks, storms } = await undisturbed(stack, "(d)", () => measureAllOnOneHub(stack));
    const runSeconds = (performance.now() - started) / 1000;
    const p = (values: number[], q: number) => (values.length > 0 ? percentile(values, q) : Number.NaN);
    const base = p(steps[0]!.byId, 50);
    const cpuSeconds = (u: PhaseUsage, match: (key: string) => boolean) =>
      [...u.cpu].filter(([key]) => match(key)).reduce((n, [, v]) => n + v, 0);
    const workerd = (u: PhaseUsage) => cpuSeconds(u, (k) => k === "worker/workerd");
    const proxy = (u: PhaseUsage) => cpuSeconds(u, (k) => k === "worker/workerd-proxy");
    const bench = (u: PhaseUsage) => cpuSeconds(u, (k) => k.startsWith("benchmark/"));
    const pct = (seconds: number, u: PhaseUsage) => `${fmt((100 * seconds) / u.seconds)}%`;
    const rows = steps.map((s) => {
      const all = s.allSockets > 0;
      const cells = [
        fmt(s.allSockets),
        fmt(s.made),
        ms(p(s.byId, 50)),
        ms(p(s.byId, 99)),
        fmt(p(s.byId, 50) / base, 2),
        all ? ms(p(s.allFirst, 50)) : "",
        all ? ms(p(s.allLast, 50)) : "",
        all ? ms(p(s.allLast, 99)) : "",
        pct(workerd(s.usage), s.usage),
        `${fmt((1000 * workerd(s.usage)) / s.made, 2)} ms`,
        pct(proxy(s.usage), s.usage),
        pct(bench(s.usage), s.usage),
        pct(s.clientsCpu, s.usage),
        `${fmt(s.lostById)} / ${all ? fmt(s.allShort) : "–"}`,
      ];
      return `| ${s.usage.restarted ? `${cells[0]} (workerd restarted)` : cells[0]} | ${cells.slice(1).join(" | ")} |`;
    });
    const ackMs = acks.map((a) => a.ms);
    const ratio = (s: AllStep) => `×${fmt(p(s.byId, 50) / base, 2)}`;
    const withAll = steps.filter((s) => s.allSockets > 0);
    const lastRow = steps.at(-1)!;
    const drift = steps.length > 1 && lastRow.allSockets === 0 ? lastRow : undefined;
    const summary = [
      `against the first row (no All socket), the hub's other sockets' median latency under ${ALL_CHURN_RATE} changes/s was ${withAll.map((s) => `${ratio(s)} with ${s.allSockets} All sockets`).join(", ")}${drift ? `; the last row, with none again, came out at ${ratio(drift)}, which is how far the run drifted` : ""}. The Worker's CPU per change hardly moved.`,
      `What costs a hub is an All socket's INIT_ACK, which reads every monitored user (${fmt(USERS + 5)} here: ${ms(p(ackMs, 50))} at the median with nothing else running, ${fmt(median(acks.map((a) => a.bytes)) / 1024)} KiB): under the churn, ${storms.map((s) => `${s.count === 1 ? "one opening" : `${s.count} opening at once`} held the other sockets' median at ×${fmt(p(s.during, 50) / p(s.before, 50), 1)} for ${fmt(s.seconds, 1)} s`).join("; ")}.`,
    ].join(" ");
    const report = `## Socket: All subscribers on one hub (\`npm run bench:socket\`, part (d))

Measured ${new Date().toISOString().slice(0, 10)} on ${machine()}, in one run of ${fmt(runSeconds)} s on a stack of its own, as in the socket benchmark above but with **one** socket hub (\`SOCKET_HUBS=1\`, \`SOCKET_ALL_PER_HUB=${allCap}\` so that no step is refused), so every socket below is on that hub. ${retried.includes("(d)") ? "**workerd restarted under the first attempt; these figures are from a later one.** " : ""}Read the ratios, not the absolute figures.

In short: ${summary} The default of \`SOCKET_ALL_PER_HUB\` (${MAX_ALL_SUBSCRIBERS_PER_HUB}) comes from these figures.

| All sockets on the hub | changes made | id sockets p50 | p99 | p50 vs first row | first All socket p50 | last All socket p50 | p99 | workerd CPU | per change | proxy CPU | benchmark CPU | All clients' CPU | lost: id / All |
| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
${rows.join("\n")}

| All INIT_ACK, ${fmt(USERS + 5)} monitored users | median | min | max | bytes |
| --- | ---: | ---: | ---: | ---: |
| ${acks.length} acks, one at a time, no churn | ${ms(p(ackMs, 50))} | ${ms(Math.min(...ackMs))} | ${ms(Math.max(...ackMs))} | ${fmt(median(acks.map((a) => a.bytes)))} |

| All sockets opening at once, ${ALL_CHURN_RATE} changes/s | first INIT → last INIT_ACK | ack median | ack max | id sockets p50 before | p50 during | during vs before | p99 before | p99 during |
| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
${storms
  .map(
    (s) =>
      `| ${s.count} | ${ms(s.seconds * 1000)} | ${ms(
        p(
          s.acks.map((a) => a.ms),
          50,
        ),
      )} | ${ms(Math.max(...s.acks.map((a) => a.ms)))} | ${ms(p(s.before, 50))} | ${ms(p(s.during, 50))} | ${fmt(p(s.during, 50) / p(s.before, 50), 2)} | ${ms(p(s.before, 99))} | ${ms(p(s.during, 99))} |`,
  )
  .join("\n")}

Method: ${fmt(USERS)} Lantern sockets, one per simulated user (INIT \`{"user_id": <user i>}\`), heartbeating \`{"op":4}\`, in the benchmark's process; the All sockets (Lantern INIT \`{"user_id": "All"}\`) in a child process of their own, which at ${Math.max(...ALL_STEPS)} sockets reads ${fmt(Math.max(...ALL_STEPS) * ALL_CHURN_RATE)} frames a second and would otherwise delay the id sockets' reading. After one change to every user in turn (a user's first change after the opens is much slower than the next), each step adds All sockets one at a time (each ack timed from the INIT's send to the INIT_ACK's arrival: the hub registers with the MonitoredUsers directory and reads every monitored user's object, 50 at a time), waits 1 s, then runs (a)'s churn at ${ALL_CHURN_RATE} presence changes a second (half (a)'s rate: at ${CHURN_RATE} the Worker's workerd is already near a whole core on one hub with no All socket, ingest costing ~4 ms of CPU a change, and its queueing swamps what the All sockets add) to random users, every one timed at the id socket subscribed to its user and at every All socket, ${ALL_WARMUP_SECONDS} s of warm-up and ${ALL_STEP_SECONDS} s measured. ${ALL_STEPS.at(-1) === 0 && ALL_STEPS.length > 1 ? "The last step closes every All socket first, so that its row against the first shows how far the run drifted." : ""} *first / last All socket* are, per change, the first and the last of the step's All sockets to have it (only changes every All socket had); *lost* counts changes neither delivered nor superseded (the runner coalesces a user's changes within a flush) at the id sockets, and changes some All socket missed. CPU is each process's CPU time over the measured ${ALL_STEP_SECONDS} s (100% is one core of ${cpus().length}; the All clients' process competes for the same cores as the server); *per change* is the Worker's workerd CPU (ingest, the users' objects, the hub) over the changes made. Every user here is watched by the hub's id sockets, so each change reaches the hub with its payloads; an All hub also hears changes of users no hub watches, and reads each of those from the user's object once, whatever its count of All sockets. The last table is what a reconnection (after a deploy, say) asks of the hub: with every All socket closed and the churn running, that many All sockets send their INIT at once; the id sockets' latency is compared between the ${ALL_STORM_BASE_SECONDS} s just before and the time from the first INIT to the last INIT_ACK.`;
    await writeSection("socket-all", report);
    console.log(report);
  } finally {
    await stack.stop();
  }
}
