import { REST } from "@discordjs/rest";
import { WebSocketManager, WebSocketShardEvents } from "@discordjs/ws";
import { GatewayDispatchEvents } from "discord-api-types/v10";
import { startEmulatorProcess } from "../scripts/lib/local-stack.ts";
import { connectRawGateway, PRESENCE_INTENTS } from "./lib/raw-gateway.ts";
import { machine, median, writeSection } from "./lib/report.ts";

/**
 * How many PRESENCE_UPDATE dispatches per second the emulator pushes to one gateway shard: the
 * ceiling every later stage of the presence pipeline is compared with. Measured twice in one run,
 * against the same emulator process: once to an unmodified @discordjs/ws shard (what the gateway
 * runner uses) and once to a raw `ws` client that only parses each frame.
 *
 * Method: the emulator runs in its own process with simulated users; a client identifies with the
 * presence intents and waits for GUILD_CREATE; then POST /_emulator/simulator/burst asks for
 * UPDATES presence changes as fast as the emulator can produce them. The rate is UPDATES divided
 * by the time from the burst request to the last dispatch received. Each client, connected alone,
 * runs one warm-up burst and then ROUNDS timed ones; the median counts.
 */

const USERS = 1_000;
const UPDATES = Number(process.env.BENCH_UPDATES ?? 20_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const INTENTS = PRESENCE_INTENTS;

interface PresenceClient {
  /** Resolves once `count` PRESENCE_UPDATE dispatches have arrived since it was called. */
  waitFor(count: number): Promise<void>;
  close(): Promise<void>;
}

function counter() {
  let seen = 0;
  let target = Number.POSITIVE_INFINITY;
  let done: (() => void) | undefined;
  return {
    hit() {
      if (++seen >= target) done?.();
    },
    waitFor(count: number) {
      seen = 0;
      target = count;
      return new Promise<void>((resolve) => {
        done = resolve;
      });
    },
  };
}

async function rawClient(gatewayUrl: string, token: string): Promise<PresenceClient> {
  const presences = counter();
  const gateway = await connectRawGateway(gatewayUrl, token, () => presences.hit());
  return {
    waitFor: presences.waitFor,
    async close() {
      gateway.close();
    },
  };
}

async function discordJsClient(apiUrl: string, token: string): Promise<PresenceClient> {
  const presences = counter();
  const rest = new REST({ api: apiUrl, version: "10" }).setToken(token);
  const manager = new WebSocketManager({ token, intents: INTENTS, rest, shardCount: 1 });
  const ready = new Promise<void>((resolve) => {
    manager.on(WebSocketShardEvents.Dispatch, (event) => {
      if (event.t === GatewayDispatchEvents.GuildCreate) resolve();
      else if (event.t === GatewayDispatchEvents.PresenceUpdate) presences.hit();
    });
  });
  await manager.connect();
  await ready;
  return {
    waitFor: presences.waitFor,
    async close() {
      await manager.destroy();
      rest.clearHashSweeper();
      rest.clearHandlerSweeper();
    },
  };
}

async function measure(client: PresenceClient, control: string): Promise<number> {
  const arrived = client.waitFor(UPDATES);
  const started = performance.now();
  const res = await fetch(`${control}/simulator/burst`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ count: UPDATES }),
  });
  if (!res.ok) throw new Error(`burst failed: ${res.status} ${await res.text()}`);
  await arrived;
  return UPDATES / ((performance.now() - started) / 1000);
}

const emulator = await startEmulatorProcess({ simulate: { users: USERS, rate: 0 } });
const control = `${emulator.http}/_emulator`;
try {
  const { url: gatewayUrl } = (await (await fetch(`${emulator.http}/api/v10/gateway`)).json()) as {
    url: string;
  };
  // One client at a time, so each measures the emulator feeding exactly one socket.
  const rates = { raw: [] as number[], djs: [] as number[] };
  for (const [name, connect] of [
    ["raw", () => rawClient(gatewayUrl, emulator.token)],
    ["djs", () => discordJsClient(`${emulator.http}/api`, emulator.token)],
  ] as const) {
    const client = await connect();
    await measure(client, control); // warm-up: JIT and socket buffers
    for (let round = 0; round < ROUNDS; round++) rates[name].push(await measure(client, control));
    await client.close();
  }

  const rawRate = median(rates.raw);
  const djsRate = median(rates.djs);
  const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
  const report = `## Emulator: presence dispatches to one shard (\`npm run bench:emulator\`)

Measured ${new Date().toISOString().slice(0, 10)} on ${machine()}; ${USERS.toLocaleString("en-US")} simulated users, bursts of ${UPDATES.toLocaleString("en-US")} presence updates, median of ${ROUNDS} rounds per client, emulator in its own process.

| client | dispatches/s (median) | rounds | vs raw \`ws\` |
| --- | ---: | --- | ---: |
| raw \`ws\` client (parse only) | ${fmt(rawRate)} | ${rates.raw.map(fmt).join(", ")} | 1.00 |
| @discordjs/ws shard | ${fmt(djsRate)} | ${rates.djs.map(fmt).join(", ")} | ${(djsRate / rawRate).toFixed(2)} |

Each client is the only socket connected while it is measured. These are the ceilings the presence pipeline is compared with: no stage after the gateway can
see more updates per second than the @discordjs/ws figure.`;
  await writeSection("emulator", report);
  console.log(report);
} finally {
  await emulator.stop();
}
