import { SEED_MEMBERS } from "../emulator/seed.ts";
import { envNumber, fmt, machine, median, writeSection } from "./lib/report.ts";
import { openSocket, sleep } from "./lib/socket-client.ts";
import { markedPresence, startInProcessStack } from "./lib/stack.ts";
import { flood, storageOf, strangerIds } from "./lib/strangers.ts";

/**
 * What a stranger's made-up ids cost (BENCHMARKS.md "Strangers"): the whole stack under wrangler
 * dev, as `npm start` runs it. Reports, in one run: a read of an unknown id against GET /health;
 * the user objects and bytes on disk a flood of unknown ids leaves; /health during the review's
 * attack (Lanyard INITs of 100 unknown ids, reads beside them) against /health idle; and how many
 * of a real subscriber's updates arrive meanwhile, made a quarter of a second apart.
 * STRANGERS_IDS scales the flood (default 10,000 ids).
 */

const totalIds = envNumber("STRANGERS_IDS", 10_000);
const stack = await startInProcessStack({ users: 10, seed: 23, heartbeatIntervalMs: 2_000 });
const url = stack.worker.url;

async function medianMs(path: () => string, count = 60): Promise<number> {
  const times: number[] = [];
  for (let n = 0; n < count; n++) {
    const started = performance.now();
    await (await fetch(url + path())).arrayBuffer();
    times.push(performance.now() - started);
  }
  return median(times);
}

try {
  const health = await medianMs(() => "/health");
  const unknown = await medianMs(() => `/api/v1/users/${strangerIds(1)[0]}`);
  const known = await medianMs(() => `/api/v1/users/${SEED_MEMBERS[0]!.id}`);

  // The flood: a third of the ids in single reads, a third in bulk reads, a third in INITs.
  const before = storageOf(stack.persistTo);
  const third = Math.ceil(totalIds / 3);
  const result = await flood(url, {
    restReads: third,
    bulkReads: Math.ceil(third / 50),
    sockets: Math.max(1, Math.ceil(third / 1_000)),
    initsPerSocket: 10,
  });
  const after = storageOf(stack.persistTo);
  const objects = (after.objects.UserPresence ?? 0) - (before.objects.UserPresence ?? 0);
  const bytes = (after.bytes.UserPresence ?? 0) - (before.bytes.UserPresence ?? 0);

  // The review's attack beside a subscriber and /health.
  const ada = SEED_MEMBERS[0]!.id;
  const control = await openSocket(url);
  await control.next((frame) => frame.op === 1);
  control.send({ op: 2, d: { user_id: ada } });
  await control.next((frame) => frame.op === 3, 30_000);
  const attack = flood(url, { restReads: 100, bulkReads: 1, sockets: 2, initsPerSocket: 10 }, 4);
  const healthTimes: number[] = [];
  const changes = 20;
  for (let n = 0; n < changes; n++) {
    stack.emulator.world.setPresence(stack.guildId, markedPresence(ada, `strangers-bench-${n}`, "dnd"));
    const started = performance.now();
    await (await fetch(`${url}/health`)).arrayBuffer();
    healthTimes.push(performance.now() - started);
    await sleep(250);
  }
  await attack;
  await sleep(3_000);
  const received = new Set(control.frames.join("\n").match(/strangers-bench-\d+/g) ?? []).size;
  await control.close();

  const rows = [
    ["GET /health, median (ms)", fmt(health, 1)],
    ["read of an unknown id, median (ms)", fmt(unknown, 1)],
    ["**read of an unknown id / GET /health**", fmt(unknown / health, 2)],
    ["cached read of a member / GET /health", fmt(known / health, 2)],
    ["unknown ids in the flood", fmt(result.ids)],
    ["flood duration (s)", fmt(result.ms / 1000, 1)],
    ["**user objects created by the flood**", fmt(objects)],
    ["change in bytes of the user objects' files", fmt(bytes)],
    [
      "GET /health during the attack, median / max (ms)",
      `${fmt(median(healthTimes), 1)} / ${fmt(Math.max(...healthTimes), 1)}`,
    ],
    ["subscriber's updates received during the attack", `${received} of ${changes}`],
  ];
  const table = [
    "| measure | value |",
    "| --- | ---: |",
    ...rows.map(([name, value]) => `| ${name} | ${value} |`),
  ].join("\n");
  console.log(table);
  await writeSection(
    "strangers",
    `## Strangers: what made-up ids cost (\`npm run bench:strangers\`)

Measured ${new Date().toISOString().slice(0, 10)} on ${machine()}: the whole stack as \`npm start\` runs it (emulator in the benchmark's process with 10 members, runner, Worker under \`wrangler dev\` with a fresh \`--persist-to\`), ${fmt(totalIds)} unknown ids: a third in single reads (Lantern, Lanyard and storage reads in turn, 16 at a time), a third in bulk reads of 50, a third in Lanyard INITs of 100. Then the review's attack (2 sockets × 10 INITs of 100 ids, 100 reads 4 at a time, one bulk read) while a subscriber's user changes 20 times, 250 ms apart, and \`GET /health\` is timed after each change.

${table}

**Cost per unknown id, by construction:** a single read asks the edge cache, then the monitored-users directory (one indexed look-up for all the ids of a request: a bulk read of 50 or an INIT of 100 costs one directory call), and stores its 404 in the requested dialect for the cache TTL; a bulk read stores nothing for unknown ids; a socket INIT stores nothing. No user object is addressed, so none is created. The file sizes can shrink during a run: workerd checkpoints and truncates idle objects' write-ahead logs.

**Before the fix** (the same benchmark on commit 200c4cb, 3,000 ids, one run): every unknown id created a user object (3,000 objects, 123 MB on disk), a read of an unknown id took 4.91× \`GET /health\` (1.89× after, in a run of the same size), the flood took 64.5 s (9.1 s after), and \`GET /health\` took up to 12.4 s during the review's attack (152 ms after), as the review found.`,
  );
} finally {
  await stack.stop();
}
