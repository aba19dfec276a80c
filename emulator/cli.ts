import { parseArgs } from "node:util";
import { type Emulator, startEmulator } from "./server.ts";

/**
 * `npm run emulator -- --port 8790 [--simulate 50 --rate 5] [--pace 3]`: Discord, locally. Prints
 * one ready line with its URLs (scripts wait for it), then serves until SIGINT or SIGTERM.
 */

const USAGE = `usage: npm run emulator -- [--port 8790] [--host 127.0.0.1] [--simulate <users>] [--rate <updates/s>]
                     [--pace <seconds>] [--seed <n>] [--heartbeat-interval <ms>] [--shards <recommended count>]`;

function numberOption(name: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min) {
    console.error(`--${name} must be a number >= ${min}, got ${JSON.stringify(value)}\n${USAGE}`);
    process.exit(2);
  }
  return n;
}

let args: ReturnType<typeof parse>;
function parse() {
  return parseArgs({
    options: {
      port: { type: "string" },
      host: { type: "string" },
      simulate: { type: "string" },
      rate: { type: "string" },
      pace: { type: "string" },
      seed: { type: "string" },
      "heartbeat-interval": { type: "string" },
      shards: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  }).values;
}
try {
  args = parse();
} catch (error) {
  console.error(`${(error as Error).message}\n${USAGE}`);
  process.exit(2);
}
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}

const users = numberOption("simulate", args.simulate, 1);
const seed = numberOption("seed", args.seed, 0);
// Seconds between two changes of the seeded members; 0 (the default) keeps them still.
const paceSeconds = numberOption("pace", args.pace, 0) ?? 0;
const port = numberOption("port", args.port ?? process.env.EMULATOR_PORT, 0) ?? 8790;
const host = args.host ?? "127.0.0.1";
let emulator: Emulator;
try {
  emulator = await startEmulator({
    port,
    host,
    heartbeatIntervalMs: numberOption("heartbeat-interval", args["heartbeat-interval"], 100),
    recommendedShards: numberOption("shards", args.shards, 1),
    simulate: users ? { users, rate: numberOption("rate", args.rate, 0) ?? 1, seed } : undefined,
    live: paceSeconds > 0 ? { paceMs: paceSeconds * 1000, seed } : undefined,
  });
} catch (error) {
  // One line a person can act on, not a stack trace.
  const code = (error as NodeJS.ErrnoException).code;
  console.error(
    code === "EADDRINUSE"
      ? `emulator: port ${port} on ${host} is in use; choose another with --port or EMULATOR_PORT`
      : `emulator: ${(error as Error).message}`,
  );
  process.exit(code === "EADDRINUSE" ? 1 : 2);
}

const { urls, world } = emulator;
console.log(
  `emulator ready: ${urls.http} rest=${urls.api}/v10 gateway=${urls.gateway} cdn=${urls.cdn} control=${urls.control}` +
    ` application=${world.application.id} token=${world.application.botToken}`,
);

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, async () => {
    if (stopping) process.exit(1);
    stopping = true;
    await emulator.close();
    process.exit(0);
  });
}
