import { parseArgs } from "node:util";
import { SEED, SEED_MEMBERS } from "../emulator/seed.ts";
import {
  type EmulatorApplication,
  type EmulatorProcess,
  emulatorApplication,
  imageBasesFor,
  LOCAL_PROXY_KEY,
  newIngestSecret,
  proxyVarsFor,
  runnerEnvFor,
  startEmulatorProcess,
  startRunnerProcess,
  startWorkerProcess,
  wireBot,
  workerVarsFor,
} from "./lib/local-stack.ts";
import { prepareLocalState } from "./lib/local-state.ts";
import { ensurePortFree } from "./lib/ports.ts";
import type { Child } from "./lib/processes.ts";
import { readStartSettings, StartError } from "./lib/start-settings.ts";
import { settingsIn, workerSettingsIn } from "./lib/worker-settings.ts";

/**
 * `npm start`: the whole stack on embedded defaults, with no Discord account. The emulator plays
 * Discord with a simulated guild whose seeded members live (ada's playlist plays on, the others
 * change every few seconds), the gateway runner watches it, and the Worker serves the result on
 * http://127.0.0.1:8787. The emulator's application calls the Worker's /interactions, so the bot
 * works offline too. The runner also forwards the messages and reactions users write
 * (FORWARD_EVENTS) to the Worker's queue, and the example queue consumer beside the Worker logs
 * each one. With DISCORD_TOKEN (and MONITORED_GUILD_IDS) set, the runner watches real
 * Discord instead. Every Worker setting set in the environment reaches the Worker
 * (lib/worker-settings.ts); npm start's own are in lib/start-settings.ts.
 */

/** The runner settings a user may override from the environment (DISCORD_TOKEN and friends). */
const RUNNER_SETTINGS = [
  "DISCORD_TOKEN",
  "DISCORD_API_BASE",
  "MONITORED_GUILD_IDS",
  "SHARD_COUNT",
  "SHARD_IDS",
  "FLUSH_WINDOW_MS",
  "LOG_LEVEL",
  "FORWARD_EVENTS",
  "EVENT_SINKS",
  "INTENTS",
  "COMPRESSION",
  "PRESENCE_STATUS",
  "PRESENCE_ACTIVITY",
  "PRESENCE_ACTIVITY_TYPE",
];

const HOST = "127.0.0.1";
const USAGE = `usage: npm start [-- --fresh]
  --fresh   start from an empty local state (the Worker's stored users, pairs and sessions)`;

let fresh: boolean;
try {
  const { values } = parseArgs({
    options: { fresh: { type: "boolean", default: false }, help: { type: "boolean", short: "h" } },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  fresh = values.fresh;
} catch (error) {
  console.error(`npm start: ${(error as Error).message}\n${USAGE}`);
  process.exit(2);
}

const children: Child[] = [];
let stopping = false;

async function stopAll(code: number): Promise<never> {
  stopping = true;
  // The runner first, so it checkpoints its session through a Worker that is still up.
  for (const child of [...children].reverse()) await child.stop().catch(() => {});
  process.exit(code);
}
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (stopping) process.exit(1);
    console.log("\nstopping…");
    void stopAll(0);
  });
}

/**
 * Keeps `child` to stop with the rest, and stops the rest if it dies first: a stack missing a
 * piece would go on answering with stale data and never say why.
 */
function keep<T extends Child>(name: string, child: T): T {
  children.push(child);
  child.child.once("exit", (code, signal) => {
    if (stopping) return;
    console.error(`npm start: the ${name} exited (${code ?? signal}); stopping the rest. Its last lines:`);
    for (const line of child.output) console.error(`  ${line}`);
    void stopAll(1);
  });
  return child;
}

try {
  const settings = readStartSettings(process.env);
  // Before anything starts: a port already taken is one line naming the variable that moves it.
  await ensurePortFree(settings.workerPort, HOST, "PORT");
  if (!settings.realDiscord) await ensurePortFree(settings.emulatorPort, HOST, "EMULATOR_PORT");
  const statePath = prepareLocalState(settings.stateDir, { fresh });
  console.log(
    `Local state: ${statePath} (LOCAL_STATE_DIR; ${fresh ? "emptied by --fresh" : "npm start -- --fresh empties it"})`,
  );
  const fromEnvironment = workerSettingsIn(process.env);
  const passed = Object.keys(fromEnvironment);
  console.log(
    `Worker settings from the environment: ${passed.length > 0 ? passed.sort().join(", ") : "none"}`,
  );

  const secret = settings.ingestSecret ?? newIngestSecret();
  let emulator: EmulatorProcess | null = null;
  let bot: EmulatorApplication | null = null;
  if (!settings.realDiscord) {
    emulator = keep(
      "emulator",
      await startEmulatorProcess({
        port: settings.emulatorPort,
        simulate: { users: 40, rate: 4 },
        paceSeconds: settings.paceSeconds,
      }),
    );
    bot = await emulatorApplication(emulator.http);
  }
  const worker = keep(
    "Worker",
    await startWorkerProcess({
      port: settings.workerPort,
      vars: {
        ...workerVarsFor(emulator?.http ?? null, secret, bot?.publicKey),
        // The REST proxy: the emulator's bot (or DISCORD_TOKEN's) behind PROXY_KEY.
        ...proxyVarsFor(
          emulator ?? { http: "https://discord.com", token: process.env.DISCORD_TOKEN! },
          process.env.PROXY_KEY || LOCAL_PROXY_KEY,
        ),
        // Whatever the environment sets wins over the local stack's values and wrangler.toml's.
        ...fromEnvironment,
      },
      persistTo: statePath,
      // The example consumer of the GATEWAY_EVENTS queue, logging: the events the runner forwards
      // (FORWARD_EVENTS) through POST /ingest/events show up here, one line each.
      queueConsumer: { onLog: (line) => console.log(`queue consumer: ${line}`) },
    }),
  );
  if (emulator && bot) await wireBot(emulator.http, worker.url, bot);
  // The runner copies card images into the Worker's R2 (Miniflare's, locally), as a deployment should.
  const runnerEnv = emulator
    ? {
        ...runnerEnvFor(emulator, worker.url, secret, [SEED.guildId]),
        ...imageBasesFor(emulator.http),
        CARD_IMAGES: "on",
        // A user writing through the emulator's control API shows up in the queue consumer's log.
        FORWARD_EVENTS: "MESSAGE_CREATE,MESSAGE_REACTION_ADD",
        EVENT_SINKS: "queue",
        INTENTS: "MessageContent",
      }
    : {
        INGEST_URL: `${worker.url}/ingest`,
        INGEST_SECRET: secret,
        SESSION_STORE: "worker",
        CARD_IMAGES: "on",
      };
  const runner = keep(
    "gateway runner",
    await startRunnerProcess({
      env: { ...runnerEnv, ...settingsIn(process.env, (name) => RUNNER_SETTINGS.includes(name)) },
      echo: false,
    }),
  );

  // Ada, the seeded member listening to Spotify.
  const someone = emulator ? SEED_MEMBERS[0]!.id : null;
  const life =
    emulator && settings.paceSeconds > 0
      ? `the seeded members change every ${settings.paceSeconds} s (EMULATOR_PACE; 0 keeps them still)`
      : "the seeded members are still (EMULATOR_PACE)";
  console.log(`
  Worker     ${worker.url}            (docs: ${worker.url}/docs)
  Lantern    ${worker.url}/api/v1/users/${someone ?? ":id"}
  Lanyard    ${worker.url}/v1/users/${someone ?? ":id"}
  Card       ${worker.url}/api/v1/users/${someone ?? ":id"}?svg=1
  Socket     ${worker.url.replace(/^http/, "ws")}/socket
  Runner     ${runner.metrics}/metrics  ${runner.metrics}/health
  Bot        ${worker.url}/interactions
  Queue      porchlight-gateway-events, consumed by examples/queue-consumer (its lines: "queue consumer: TYPE id")
  REST proxy ${worker.url}/proxy/api  (${proxyKeyNote(process.env)})
  ${emulator ? `Emulator   ${emulator.http}  (control: ${emulator.http}/_emulator/state; ${life})` : "Discord    real (DISCORD_TOKEN is set)"}
`);
  if (emulator && someone) {
    // The whole bot loop, offline: the emulator signs the command and calls /interactions.
    const invoke = { user_id: someone, guild_id: SEED.guildId, data: { name: "ping" } };
    console.log(`  Try the bot: curl -s -X POST ${emulator.http}/_emulator/interactions -H 'content-type: application/json' -d '${JSON.stringify(invoke)}'
`);
  }
  console.log(`porchlight ready: ${worker.url}`);
} catch (error) {
  // A StartError is a person's mistake, said in one line; anything else carries the child's output.
  console.error(error instanceof StartError ? `npm start: ${error.message}` : (error as Error).message);
  await stopAll(1);
}

/** Which key opens the REST proxy, named, never shown unless it is the public local one. */
function proxyKeyNote(env: NodeJS.ProcessEnv): string {
  if (env.PROXY_KEYS) return "keys: PROXY_KEYS from the environment";
  return `key: ${env.PROXY_KEY ? "PROXY_KEY" : LOCAL_PROXY_KEY}`;
}
