import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWorkerStack, type WorkerStack } from "../../../bench/lib/stack.ts";
import { SEED_MEMBERS } from "../../../emulator/seed.ts";
import { proxyVarsFor } from "../../../scripts/lib/local-stack.ts";

/**
 * The proxy places resets on Discord's clock (durable-objects/rest-proxy/discord-clock.ts) without
 * trusting it: here the emulator's REST clock runs seconds ahead of the machine's, then steps back
 * to seconds behind between two bursts, and bursts several windows deep still draw no 429 from it.
 */

const KEY = "plk_e2e-clock-key-0123456789abcdefghijklmnopqrstuvwxy";
const PER_GUILD = 25;
let skewMs = 0;
let stack: WorkerStack;
let guilds: string[];

beforeAll(async () => {
  stack = await startWorkerStack({
    emulator: { restClock: () => Date.now() + skewMs },
    workerVars: (emulator) =>
      proxyVarsFor({ http: emulator.urls.http, token: emulator.world.application.botToken }, KEY),
  });
  guilds = ["clock a", "clock b"].map((name) => {
    const guild = stack.emulator.world.createGuild({ name, channelNames: ["c"] });
    stack.emulator.world.addMember(guild.id, SEED_MEMBERS[0]!.id);
    return guild.id;
  });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

/** PER_GUILD member reads on each guild at once (10 per 1 s per guild: three windows each). */
async function burst(): Promise<number[]> {
  const read = (guild: string) =>
    fetch(`${stack.worker.url}/proxy/api/v10/guilds/${guild}/members/${SEED_MEMBERS[0]!.id}`, {
      headers: { authorization: `Bot ${KEY}`, "x-porchlight-timeout": "20000" },
    }).then(async (r) => {
      await r.arrayBuffer();
      return r.status;
    });
  return Promise.all(guilds.flatMap((guild) => Array.from({ length: PER_GUILD }, () => read(guild))));
}

const upstream429s = () => {
  const limited = stack.emulator.rest.counters()[stack.emulator.world.application.bot.id]?.rate_limited;
  return (limited?.user ?? 0) + (limited?.global ?? 0) + (limited?.shared ?? 0);
};

describe("Discord's clock, skewed from ours", () => {
  it("draws no 429 with Discord 7 s ahead, nor right after it steps back to 7 s behind", async () => {
    stack.emulator.rest.reset();
    skewMs = 7_000;
    expect(await burst()).toEqual(Array(2 * PER_GUILD).fill(200));
    expect(upstream429s()).toBe(0);
    // Once every window has run out, Discord's clock steps back 14 s. The emulator forgets its
    // spent windows with it: kept, they would read as open for 14 s more, which no client foresees.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    skewMs = -7_000;
    stack.emulator.rest.resetRateLimits();
    expect(await burst()).toEqual(Array(2 * PER_GUILD).fill(200));
    expect(upstream429s()).toBe(0);
  }, 60_000);
});
