import { SEED_MEMBERS } from "../emulator/seed.ts";
import { proxyVarsFor } from "../scripts/lib/local-stack.ts";
import { type Child, spawnNode } from "../scripts/lib/processes.ts";
import { cpuSnapshot, cpuUsed } from "./lib/cpu.ts";
import { envNumber, fmt, machine, percentile, writeSection } from "./lib/report.ts";
import { sleep } from "./lib/socket-client.ts";
import { stackCpu, startWorkerStack } from "./lib/stack.ts";

/**
 * Porchlight's REST proxy beside @discordjs/proxy (BENCHMARKS.md "REST proxy"), in one run on one
 * emulator: Porchlight under wrangler dev as `npm start` runs it, @discordjs/proxy hosted by a few
 * lines of Node (bench/lib/djs-proxy.ts) in both its modes, and the emulator called directly as
 * the baseline, from plain fetch callers with no limiter of their own:
 * - a burst of ten times what one window allows, sent at once, on two buckets: GET
 *   /guilds/:id/members/:id (10 per 1 s per guild) across GUILDS guilds, and, for the queueing
 *   proxies, POST /channels/:id/messages (5 per 5 s per channel) across as many channels;
 * - a steady load at 80% of the allowed rate on the first, on a fixed schedule whatever the answers.
 * Upstream 429s come from the emulator's counters; CPU from /proc.
 */

const GUILDS = envNumber("PROXY_BENCH_GUILDS", 4);
const OVER = envNumber("PROXY_BENCH_OVER", 10);
const STEADY_SECONDS = envNumber("PROXY_BENCH_STEADY_SECONDS", 10);
const KEY = "plk_bench-proxy-key-0123456789abcdefghijklmnopqrstuvw";

const stack = await startWorkerStack({
  workerVars: (emulator) => ({
    ...proxyVarsFor({ http: emulator.urls.http, token: emulator.world.application.botToken }, KEY),
  }),
});
const { emulator } = stack;
const world = emulator.world;
const token = world.application.botToken;
const botId = world.application.bot.id;
const member = SEED_MEMBERS[0]!.id;
const guilds = Array.from({ length: GUILDS }, (_, n) => {
  const guild = world.createGuild({ name: `proxy bench ${n}`, channelNames: ["bench"] });
  world.addMember(guild.id, member);
  return guild;
});

/** One bucket the loads run on: its route per resource, and the emulator's limit for it. */
interface Bucket {
  label: string;
  perWindow: number;
  windowMs: number;
  /** One per resource (guild, channel): the major parameter the bucket is kept per. */
  resources: string[];
  request: (resource: string) => { path: string; init: RequestInit };
}

const memberBucket: Bucket = {
  label: "GET /guilds/:id/members/:id (10 per 1 s per guild)",
  perWindow: 10,
  windowMs: 1_000,
  resources: guilds.map((g) => g.id),
  request: (guild) => ({ path: `/v10/guilds/${guild}/members/${member}`, init: {} }),
};
const messageBucket: Bucket = {
  label: "POST /channels/:id/messages (5 per 5 s per channel)",
  perWindow: 5,
  windowMs: 5_000,
  resources: guilds.map((g) => g.channelIds[0]!),
  request: (channel) => ({
    path: `/v10/channels/${channel}/messages`,
    init: {
      method: "POST",
      body: JSON.stringify({ content: "bench" }),
      headers: { "content-type": "application/json" },
    },
  }),
};

interface System {
  name: string;
  url: (path: string) => string;
  headers: Record<string, string>;
  cpu?: () => Map<string, number>;
  cpuLabels?: string[];
}

const children: Child[] = [];
async function djsProxy(mode: "queue" | "reject"): Promise<{ url: string; child: Child }> {
  const child = await spawnNode("bench/lib/djs-proxy.ts", [emulator.urls.api, mode], {
    label: `djs-proxy-${mode}`,
    ready: /djs proxy ready: (\S+)/,
  });
  children.push(child);
  return { url: child.match![1]!, child };
}

interface Outcome {
  status: number;
  ms: number;
  generated: boolean;
}

async function call(system: System, bucket: Bucket, resource: string): Promise<Outcome> {
  const { path, init } = bucket.request(resource);
  const started = performance.now();
  try {
    const response = await fetch(system.url(path), {
      ...init,
      headers: { ...system.headers, ...(init.headers as Record<string, string>) },
    });
    await response.arrayBuffer();
    return {
      status: response.status,
      ms: performance.now() - started,
      generated: response.headers.get("x-porchlight-generated") === "1",
    };
  } catch {
    return { status: 0, ms: performance.now() - started, generated: false };
  }
}

/** Every 429 the emulator has sent the bot, by scope. */
function upstream429s(): { user: number; global: number; shared: number } {
  return { user: 0, global: 0, shared: 0, ...emulator.rest.counters()[botId]?.rate_limited };
}

/**
 * What the emulator allowed the bot while it answered a burst, and when it first heard of each
 * bucket. Each bucket (one path per resource) opens a window of `perWindow` at its first request
 * and allows `perWindow` more every `windowMs`, all under the global limit. Counted per bucket
 * from its first answer to its last, and continuously (in whole windows, a ten-window burst
 * rounds a proxy's lateness to 0% or 10%): so a proxy that loses a round trip a window shows it,
 * while the time before a bucket's first request reaches Discord (the proxy taking in the burst)
 * and the caller's wait for its last answer show as latency and as `heardAfterMs`, not here.
 */
function allowedWhileAnswering(
  paths: string[],
  perWindow: number,
  windowMs: number,
  startedAt: number,
): { allowed: number; heardAfterMs: number } {
  let byBuckets = 0;
  let lastFirst = startedAt;
  for (const path of paths) {
    const span = emulator.rest.answeredBetween(botId, `/api${path}`);
    if (!span) continue;
    byBuckets += perWindow * (1 + (span.last - span.first) / windowMs);
    lastFirst = Math.max(lastFirst, span.first);
  }
  const all = emulator.rest.answeredBetween(botId);
  const byGlobal = emulator.config.restGlobalPerSecond * (1 + (all ? all.last - all.first : 0) / 1_000);
  return { allowed: Math.max(1, Math.min(byBuckets, byGlobal)), heardAfterMs: lastFirst - startedAt };
}

interface Row {
  system: string;
  load: string;
  bucket: Bucket;
  requests: number;
  ok: number;
  /** "0", or the count with its scopes: "3 (user 3)". */
  upstream429: string;
  share: number;
  /** Burst: when the emulator first heard of the last bucket, from the burst's start. */
  heardAfterMs: number;
  p50: number;
  p99: number;
  waited: number;
  /** "0", or the count with its statuses: "31 (429: 31)". */
  refused: string;
  cpuMsPerRequest: Record<string, number>;
}

function refusedByStatus(outcomes: Outcome[]): string {
  const counts = new Map<number, number>();
  for (const o of outcomes) if (o.status !== 200) counts.set(o.status, (counts.get(o.status) ?? 0) + 1);
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  return total === 0
    ? "0"
    : `${total} (${[...counts].map(([status, n]) => `${status || "network"}: ${n}`).join(", ")})`;
}

function difference(before: Record<string, number>, after: Record<string, number>): string {
  const parts = Object.entries(after)
    .map(([scope, n]) => [scope, n - (before[scope] ?? 0)] as const)
    .filter(([, n]) => n > 0);
  const total = parts.reduce((sum, [, n]) => sum + n, 0);
  return total === 0 ? "0" : `${total} (${parts.map(([scope, n]) => `${scope} ${n}`).join(", ")})`;
}

async function run(
  system: System,
  load: "burst" | "steady",
  bucket: Bucket,
  baselineP50: number,
): Promise<Row> {
  // Every run starts from fresh windows and counters, so one run's leftovers never limit the next.
  emulator.rest.reset();
  await sleep(1_200);
  const before429 = upstream429s();
  const cpuBefore = system.cpu?.();
  const started = performance.now();
  const startedAt = Date.now();
  let outcomes: Outcome[];
  if (load === "burst") {
    const calls: Promise<Outcome>[] = [];
    for (const resource of bucket.resources)
      for (let n = 0; n < bucket.perWindow * OVER; n++) calls.push(call(system, bucket, resource));
    outcomes = await Promise.all(calls);
  } else {
    const allowedPerSecond = (bucket.resources.length * bucket.perWindow * 1000) / bucket.windowMs;
    const rate = 0.8 * Math.min(allowedPerSecond, emulator.config.restGlobalPerSecond);
    const total = Math.round(rate * STEADY_SECONDS);
    const calls: Promise<Outcome>[] = [];
    for (let n = 0; n < total; n++) {
      const due = started + (n * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      calls.push(call(system, bucket, bucket.resources[n % bucket.resources.length]!));
    }
    outcomes = await Promise.all(calls);
  }
  const cpuAfter = system.cpu?.();
  const ok = outcomes.filter((o) => o.status === 200).length;
  const allowed = allowedWhileAnswering(
    bucket.resources.map((r) => bucket.request(r).path),
    bucket.perWindow,
    bucket.windowMs,
    startedAt,
  );
  const times = outcomes.filter((o) => o.status === 200).map((o) => o.ms);
  const cpu: Record<string, number> = {};
  if (cpuBefore && cpuAfter) {
    const used = cpuUsed(cpuBefore, cpuAfter);
    for (const label of system.cpuLabels ?? []) {
      // A label is a process group ("proxy": every process in it) or one command in it.
      let seconds = 0;
      for (const [key, value] of used) if (key === label || key.startsWith(`${label}/`)) seconds += value;
      cpu[label] = (seconds * 1000) / outcomes.length;
    }
  }
  return {
    system: system.name,
    load,
    bucket,
    requests: outcomes.length,
    ok,
    upstream429: difference(before429, upstream429s()),
    share: load === "burst" ? ok / allowed.allowed : ok / outcomes.length,
    heardAfterMs: load === "burst" ? allowed.heardAfterMs : Number.NaN,
    p50: times.length ? percentile(times, 50) : Number.NaN,
    p99: times.length ? percentile(times, 99) : Number.NaN,
    // A caller "waited" when its answer came more than 100 ms after the direct call's median.
    waited: outcomes.filter((o) => o.status === 200 && o.ms > baselineP50 + 100).length,
    refused: refusedByStatus(outcomes),
    cpuMsPerRequest: cpu,
  };
}

/**
 * The message API (issue 12) on the same Worker: what each call costs Discord, and how fast
 * messages reach one channel and twenty at once against the emulator's 5 per 5 s per channel.
 */
async function messageApi(): Promise<string> {
  const post = (path: string, body: unknown) =>
    fetch(`${stack.worker.url}/v1${path}`, {
      method: "POST",
      headers: {
        authorization: `Bot ${KEY}`,
        "content-type": "application/json",
        "x-porchlight-timeout": "120000",
      },
      body: JSON.stringify(body),
    }).then(async (r) => ({ status: r.status, body: (await r.json()) as { id?: string } }));
  const requests = () => emulator.rest.counters()[botId]?.requests ?? 0;
  emulator.rest.resetRateLimits();
  const dmUser = SEED_MEMBERS[1]!.id;
  let before = requests();
  await post("/messages/direct", { user_id: dmUser, content: "first" });
  const firstDm = requests() - before;
  before = requests();
  const laterDms = 4;
  for (let n = 0; n < laterDms; n++)
    await post("/messages/direct", { user_id: dmUser, content: `later ${n}` });
  const perDm = (requests() - before) / laterDms;
  const spread = async (channelCount: number, perChannel: number) => {
    const channels = Array.from(
      { length: channelCount },
      (_, n) =>
        world.createGuild({ name: `messages bench ${channelCount}-${n}`, channelNames: ["c"] })
          .channelIds[0]!,
    );
    emulator.rest.reset();
    await sleep(1_200);
    const startedRequests = requests();
    const started = performance.now();
    const startedAt = Date.now();
    const answers = await Promise.all(
      channels.flatMap((channel) =>
        Array.from({ length: perChannel }, (_, n) =>
          post(`/channels/${channel}/messages`, { content: `m${n}` }),
        ),
      ),
    );
    const seconds = (performance.now() - started) / 1000;
    const delivered = answers.filter((a) => a.status === 200).length;
    // The emulator's create-message bucket: 5 per 5 s per channel.
    const allowed = allowedWhileAnswering(
      channels.map((channel) => `/v10/channels/${channel}/messages`),
      5,
      5_000,
      startedAt,
    );
    return {
      channelCount,
      sent: answers.length,
      delivered,
      seconds,
      perRequest: (requests() - startedRequests) / answers.length,
      share: delivered / allowed.allowed,
      heardAfterMs: allowed.heardAfterMs,
    };
  };
  const one = await spread(1, 15);
  const twenty = await spread(20, 10);
  const line = (r: Awaited<ReturnType<typeof spread>>) =>
    `| ${r.channelCount} | ${r.sent} | ${r.delivered} | ${fmt(r.seconds, 1)} | ${fmt(r.delivered / r.seconds, 2)} | ${fmt(r.share * 100, 1)}% | ${fmt(r.heardAfterMs, 0)} | ${fmt(r.perRequest, 2)} |`;
  return `## Messages (\`npm run bench:proxy\`)

${machine()}. The message API on the Worker of the REST proxy's benchmark, against the emulator.

**Discord requests per call**: a first direct message to a user ${firstDm} (the DM channel is opened, then
the message sent), every later one ${fmt(perDm, 2)} (the channel is remembered); a channel message ${fmt(one.perRequest, 2)}.

**Delivery** of messages sent all at once, each channel allowing 5 per 5 s (throughput as a share of
what the emulator allowed, per channel from its first answer to its last, as in the proxy's burst;
"last channel heard after" is when the emulator first heard of the last channel, from the start):

| channels | sent | delivered | seconds | messages/s | share of allowed | last channel heard after, ms | Discord requests per message |
| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
${line(one)}
${line(twenty)}
`;
}

try {
  const djsQueue = await djsProxy("queue");
  const djsReject = await djsProxy("reject");
  const porchlight = (onLimit: "queue" | "reject"): System => ({
    name: `Porchlight (${onLimit})`,
    url: (path) => `${stack.worker.url}/proxy/api${path}`,
    // The longest deadline a deployment allows by default: a 5 s bucket ten windows deep takes 45 s,
    // past the default 30 s, and @discordjs/proxy waits without any deadline.
    headers: {
      authorization: `Bot ${KEY}`,
      "x-porchlight-on-limit": onLimit,
      "x-porchlight-timeout": "120000",
    },
    cpu: () => stackCpu(stack.worker),
    cpuLabels: ["worker/workerd", "worker/workerd-proxy"],
  });
  const djs = (name: string, proxy: { url: string; child: Child }): System => ({
    name,
    url: (path) => `${proxy.url}/api${path}`,
    headers: { authorization: `Bot ${token}` },
    cpu: () => cpuSnapshot({ proxy: proxy.child.child.pid }),
    cpuLabels: ["proxy"],
  });
  const direct: System = {
    name: "emulator directly",
    url: (path) => `${emulator.urls.api}${path}`,
    headers: { authorization: `Bot ${token}` },
  };
  const systems = [
    porchlight("queue"),
    porchlight("reject"),
    djs("@discordjs/proxy (queue)", djsQueue),
    djs("@discordjs/proxy (container: reject)", djsReject),
  ];

  // Warm every path (Porchlight learns the bucket; djs its hash), then the baseline's latency.
  for (const system of [...systems, direct])
    for (const bucket of [memberBucket, messageBucket])
      for (const resource of bucket.resources) await call(system, bucket, resource);
  await sleep(5_000);
  const directSteady = await run(direct, "steady", memberBucket, 0);
  const rows: Row[] = [directSteady];
  for (const system of systems) rows.push(await run(system, "steady", memberBucket, directSteady.p50));
  const directBurst = await run(direct, "burst", memberBucket, directSteady.p50);
  rows.push(directBurst);
  for (const system of systems) rows.push(await run(system, "burst", memberBucket, directSteady.p50));
  // The 5-second bucket, for the queueing proxies: fifty seconds each, so only where it says something.
  const slow: Row[] = [];
  for (const system of [systems[0]!, systems[2]!])
    slow.push(await run(system, "burst", messageBucket, directSteady.p50));

  const ms = (n: number) => (Number.isNaN(n) ? "–" : fmt(n, 1));
  const table = (load: "burst" | "steady", shown: Row[]) => {
    const share = load === "burst" ? "throughput (share of allowed)" : "answered (share of sent)";
    const lines = shown.map((r) => {
      const added =
        r.system === direct.name ? "–" : `${ms(r.p50 - directSteady.p50)} / ${ms(r.p99 - directSteady.p99)}`;
      const heard = load === "burst" ? ` ${fmt(r.heardAfterMs, 0)} |` : "";
      return `| ${r.system} | ${r.requests} | ${r.ok} | ${r.upstream429} | ${fmt(r.share * 100, 1)}% |${heard} ${ms(r.p50)} | ${ms(r.p99)} | ${added} | ${r.waited} | ${r.refused} |`;
    });
    const heard = load === "burst" ? " last bucket heard after, ms |" : "";
    return [
      `| caller → | requests | answered 200 | upstream 429s | ${share} |${heard} p50 ms | p99 ms | added p50 / p99 ms | waited | refused |`,
      `| --- | ---: | ---: | ---: | ---: |${load === "burst" ? " ---: |" : ""} ---: | ---: | ---: | ---: | ---: |`,
      ...lines,
    ].join("\n");
  };
  const cpuLines = [...rows, ...slow]
    .filter((r) => Object.keys(r.cpuMsPerRequest).length > 0)
    .map(
      (r) =>
        `| ${r.system} | ${r.load}, ${r.bucket.windowMs / 1000} s bucket | ${Object.entries(r.cpuMsPerRequest)
          .map(([label, value]) => `${label} ${fmt(value, 3)}`)
          .join(", ")} |`,
    );

  // The run in a few sentences, from its own rows.
  const row = (name: string, load: string, list = rows) =>
    list.find((r) => r.system === name && r.load === load)!;
  const [pq, dq] = [systems[0]!.name, systems[2]!.name];
  const ours = [...rows, ...slow].filter((r) => r.system.startsWith("Porchlight"));
  const our429s = ours.reduce((sum, r) => sum + Number(r.upstream429.split(" ")[0]), 0);
  const cpuOf = (r: Row) => Object.values(r.cpuMsPerRequest).reduce((a, b) => a + b, 0);
  const inShort = `In short: in every load Discord sent the bot ${our429s} 429s through Porchlight's proxy (${
    row("emulator directly", "burst").upstream429.split(" ")[0]
  } in the burst without a proxy). On the 1-second bucket both queueing proxies delivered the whole burst at ${fmt(
    row(pq, "burst").share * 100,
    1,
  )}% (Porchlight) and ${fmt(row(dq, "burst").share * 100, 1)}% (@discordjs/proxy) of what the emulator allowed; on the 5-second bucket at ${fmt(
    row(pq, "burst", slow).share * 100,
    1,
  )}% and ${fmt(row(dq, "burst", slow).share * 100, 1)}%. What is lost is part of a round trip a window: a proxy learns that a window has reset only from an answer (Discord counts a request when it arrives, which the proxy cannot see). @discordjs/proxy counts from the answer's arrival plus a 50 ms offset; Porchlight places the reset on Discord's clock through a lower bound on its offset from ours (durable-objects/rest-proxy/discord-clock.ts), late only by the quickest trip back it has seen, never early. The loss is a larger share of a 1 s window than of a 5 s one, and the 1 s figure moves by about a point from run to run. Taking in the 1 s burst, Porchlight needed ${fmt(
    row(pq, "burst").heardAfterMs,
    0,
  )} ms before the emulator heard of its last guild (@discordjs/proxy ${fmt(row(dq, "burst").heardAfterMs, 0)} ms): local workerd takes in all ${
    GUILDS * memberBucket.perWindow * OVER
  } requests on one thread, where a deployment spreads them over isolates. At 80% of the allowed rate every caller got 200s through every proxy; Porchlight added ${ms(
    row(pq, "steady").p50 - directSteady.p50,
  )} ms at the median against @discordjs/proxy's ${ms(row(dq, "steady").p50 - directSteady.p50)} ms: the Worker's path and two Durable Object calls in local workerd, ${fmt(
    cpuOf(row(pq, "steady")),
    1,
  )} ms of CPU per request (wrangler's proxy included) against ${fmt(cpuOf(row(dq, "steady")), 1)} ms for @discordjs/proxy's one process. Local workerd's costs are not the deployed runtime's (even \`/health\` costs it about 4 ms of CPU here); issue 14 sets targets for both.`;

  const body = `## REST proxy

\`npm run bench:proxy\` (bench/proxy.ts), ${machine()}. One run, one emulator: Porchlight's proxy under
wrangler dev (as \`npm start\` runs it), @discordjs/proxy ${"2.1.1"} hosted by bench/lib/djs-proxy.ts in
its two modes (@discordjs/rest's defaults, which queue and retry; the published container's
\`rejectOnRateLimit\` with no retries), and the emulator called directly, all from plain fetch
callers with no limiter of their own, as many services or isolates sharing one bot are. Upstream 429s are what the emulator sent the bot; "waited" counts 200s answered more than
100 ms after the direct median; "refused" counts everything but 200 (429s, 504s). Porchlight's callers
send \`X-Porchlight-Timeout: 120000\` (the default deadline is 30 s; @discordjs/proxy has none). Each
run starts from fresh windows.

**Burst**: ${OVER}× what one window allows, all at once, on ${memberBucket.label} across ${GUILDS} guilds
(${GUILDS * memberBucket.perWindow * OVER} requests). Throughput is the 200s as a share of what the emulator allowed:
per bucket (guild), the limit at its first answer and the limit again every window until its last
answer, counted continuously (in whole windows a ten-window burst rounds any lateness to 0% or 10%),
under the global limit. It measures the limiter: a proxy that loses time in every window shows it.
The time a proxy takes to take in the burst before a bucket's first request reaches Discord is a
column of its own ("last bucket heard after": from the burst's start to the emulator's first answer
on the last bucket) and shows in p50 and p99. Added latency is against the direct call's steady p50 and p99.

${table(
  "burst",
  rows.filter((r) => r.load === "burst"),
)}

The same burst on ${messageBucket.label} across ${GUILDS} channels (${GUILDS * messageBucket.perWindow * OVER} requests), for
the two proxies that queue:

${table("burst", slow)}

**Steady**: 80% of the allowed rate on ${memberBucket.label}, on a fixed schedule for ${STEADY_SECONDS} s.

${table(
  "steady",
  rows.filter((r) => r.load === "steady"),
)}

${inShort}

**CPU per request** (ms; \`worker/workerd\` is the Worker and its Durable Objects together, since
workerd runs both in one process locally; \`worker/workerd-proxy\` is wrangler's own proxy in front of
it, which a deployment does not have; \`proxy\` is @discordjs/proxy's process (every process in its group)):

| caller → | load | CPU ms per request |
| --- | --- | --- |
${cpuLines.join("\n")}
`;
  await writeSection("proxy", body);
  console.log(body);
  const messages = await messageApi();
  await writeSection("messages", messages);
  console.log(messages);
} finally {
  for (const child of children) await child.stop().catch(() => {});
  await stack.stop();
}
