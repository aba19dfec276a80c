import { SEED, SEED_MEMBERS } from "../emulator/seed.ts";
import {
  type EmulatorApplication,
  type EmulatorProcess,
  emulatorApplication,
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
import type { Child } from "./lib/processes.ts";

/**
 * `npm start`: the whole stack on embedded defaults, with no Discord account. The emulator plays
 * Discord with a simulated guild, the gateway runner watches it, and the Worker serves the result on
 * http://127.0.0.1:8787 (PORT overrides; EMULATOR_PORT for the emulator, default 8790). The
 * emulator's application calls the Worker's /interactions, so the bot works offline too.
 * With DISCORD_TOKEN (and MONITORED_GUILD_IDS) set, the runner watches real Discord instead, and
 * DISCORD_PUBLIC_KEY, if set, turns the bot on for the real application.
 */

const workerPort = Number(process.env.PORT ?? 8787);
const emulatorPort = Number(process.env.EMULATOR_PORT ?? 8790);
const realDiscord = Boolean(process.env.DISCORD_TOKEN);
const children: Child[] = [];

async function stopAll(code: number): Promise<never> {
  // The runner first, so it checkpoints its session through a Worker that is still up.
  for (const child of [...children].reverse()) await child.stop().catch(() => {});
  process.exit(code);
}
let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (stopping) process.exit(1);
    stopping = true;
    console.log("\nstopping…");
    void stopAll(0);
  });
}

const proxyKey = process.env.PROXY_KEY || LOCAL_PROXY_KEY;

try {
  const secret = newIngestSecret();
  let emulator: EmulatorProcess | null = null;
  let bot: EmulatorApplication | null = null;
  if (!realDiscord) {
    emulator = await startEmulatorProcess({ port: emulatorPort, simulate: { users: 40, rate: 4 } });
    children.push(emulator);
    bot = await emulatorApplication(emulator.http);
  }
  const worker = await startWorkerProcess({
    port: workerPort,
    vars: {
      ...workerVarsFor(emulator?.http ?? null, secret, bot?.publicKey ?? process.env.DISCORD_PUBLIC_KEY),
      // The REST proxy: the emulator's bot (or DISCORD_TOKEN's) behind PROXY_KEY.
      ...proxyVarsFor(
        emulator ?? { http: "https://discord.com", token: process.env.DISCORD_TOKEN! },
        proxyKey,
      ),
      ...pickWorker(process.env),
    },
    persistTo: ".wrangler/state",
  });
  children.push(worker);
  if (emulator && bot) await wireBot(emulator.http, worker.url, bot);
  const runnerEnv = emulator
    ? runnerEnvFor(emulator, worker.url, secret, [SEED.guildId])
    : { INGEST_URL: `${worker.url}/ingest`, INGEST_SECRET: secret, SESSION_STORE: "worker" };
  const runner = await startRunnerProcess({ env: { ...runnerEnv, ...pick(process.env) }, echo: false });
  children.push(runner);

  // Ada, the seeded member listening to Spotify.
  const someone = emulator ? SEED_MEMBERS[0]!.id : null;
  console.log(`
  Worker     ${worker.url}            (docs: ${worker.url}/docs)
  Lantern    ${worker.url}/api/v1/users/${someone ?? ":id"}
  Lanyard    ${worker.url}/v1/users/${someone ?? ":id"}
  Card       ${worker.url}/api/v1/users/${someone ?? ":id"}?svg=1
  Socket     ${worker.url.replace(/^http/, "ws")}/socket
  Runner     ${runner.metrics}/metrics  ${runner.metrics}/health
  Bot        ${worker.url}/interactions
  REST proxy ${worker.url}/proxy/api  (key: ${process.env.PROXY_KEY ? "PROXY_KEY" : LOCAL_PROXY_KEY})
  ${emulator ? `Emulator   ${emulator.http}  (control: ${emulator.http}/_emulator/state)` : "Discord    real (DISCORD_TOKEN is set)"}
`);
  if (emulator && someone) {
    // The whole bot loop, offline: the emulator signs the command and calls /interactions.
    const invoke = { user_id: someone, guild_id: SEED.guildId, data: { name: "ping" } };
    console.log(`  Try the bot: curl -s -X POST ${emulator.http}/_emulator/interactions -H 'content-type: application/json' -d '${JSON.stringify(invoke)}'
`);
  }
  console.log(`porchlight ready: ${worker.url}`);
} catch (error) {
  console.error((error as Error).message);
  await stopAll(1);
}

/** The Worker settings a user may override from the environment (wrangler.toml's [vars] otherwise). */
function pickWorker(env: NodeJS.ProcessEnv): Record<string, string> {
  return env.SOCKET_ALL_PER_HUB === undefined ? {} : { SOCKET_ALL_PER_HUB: env.SOCKET_ALL_PER_HUB };
}

/** The runner settings a user may override from the environment (DISCORD_TOKEN and friends). */
function pick(env: NodeJS.ProcessEnv): Record<string, string> {
  const names = [
    "DISCORD_TOKEN",
    "DISCORD_API_BASE",
    "MONITORED_GUILD_IDS",
    "SHARD_COUNT",
    "SHARD_IDS",
    "FLUSH_WINDOW_MS",
    "LOG_LEVEL",
  ];
  return Object.fromEntries(names.flatMap((name) => (env[name] ? [[name, env[name]]] : [])));
}
