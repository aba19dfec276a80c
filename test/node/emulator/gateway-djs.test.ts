import { setTimeout as sleep } from "node:timers/promises";
import { REST } from "@discordjs/rest";
import {
  type IIdentifyThrottler,
  WebSocketManager,
  WebSocketShardEvents,
  WebSocketShardStatus,
} from "@discordjs/ws";
import type { GatewayDispatchPayload } from "discord-api-types/v10";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSeededWorld, SEED, SEED_MEMBERS } from "../../../emulator/seed.ts";
import { type Emulator, startEmulator } from "../../../emulator/server.ts";
import { shardForGuild, snowflake } from "../../../emulator/snowflake.ts";
import { PRESENCE_INTENTS } from "./gateway-client.ts";

// The proof: an unmodified @discordjs/ws WebSocketManager with two shards connects to the emulator,
// and survives op 7, op 9 (both kinds), a zombie connection and a server close without losing or
// repeating a single dispatched presence update; a bad token stops it for good.

const HEARTBEAT_MS = 1_000;
const IDENTIFY_INTERVAL_MS = 100;
const WAIT_MS = 15_000;
const SYNC_INJECTIONS = 3;

let emulator: Emulator;
let manager: WebSocketManager;
/** The guild each shard holds: the seeded one, and one created on the other shard. */
const guildOfShard: string[] = [];
const received: { shardId: number; payload: GatewayDispatchPayload }[] = [];
const listeners = new Set<() => void>();

/** The emulator's own REST, for GET /gateway/bot (sweep timers off, so nothing outlives the test). */
function emulatorRest(): REST {
  return new REST({ api: emulator.urls.api, hashSweepInterval: 0, handlerSweepInterval: 0 }).setToken(
    emulator.world.application.botToken,
  );
}

/** djs waits 5 s between IDENTIFYs; this spaces them just beyond the emulator's identifyIntervalMs. */
class SpacedIdentifies implements IIdentifyThrottler {
  #next = 0;
  async waitForIdentify(_shardId: number, signal: AbortSignal): Promise<void> {
    const now = Date.now();
    const at = Math.max(now, this.#next);
    this.#next = at + IDENTIFY_INTERVAL_MS * 3;
    await sleep(at - now, undefined, { signal });
  }
}

/** Resolves when some dispatch received from index `from` on matches. */
function waitForDispatch(
  match: (entry: (typeof received)[number]) => boolean,
  from = 0,
): Promise<(typeof received)[number]> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const found = received.slice(from).find(match);
      if (!found) return;
      listeners.delete(check);
      clearTimeout(timer);
      resolve(found);
    };
    const timer = setTimeout(() => {
      listeners.delete(check);
      reject(new Error(`no matching dispatch within ${WAIT_MS} ms`));
    }, WAIT_MS);
    listeners.add(check);
    check();
  });
}

/** The numbers of the presence updates shard `shardId` received for its guild, in arrival order. */
function presenceNumbers(shardId: number): number[] {
  return received.flatMap(({ shardId: id, payload }) =>
    id === shardId && payload.t === "PRESENCE_UPDATE" && payload.d.guild_id === guildOfShard[shardId]
      ? [Number(payload.d.activities?.[0]?.name)]
      : [],
  );
}

let counter = 0;
function injectPresence(shardId: number): number {
  const n = ++counter;
  emulator.world.setPresence(guildOfShard[shardId]!, {
    user: { id: SEED_MEMBERS[0]!.id },
    status: "online",
    activities: [{ name: String(n), type: 0 } as never],
  });
  return n;
}

interface Outcome {
  /** Injected before the disruption started. */
  before: number[];
  /** Injected between the disruption and the client seeing RESUMED or READY. */
  during: number[];
  /** Injected after that. */
  after: number[];
  received: number[];
}

/**
 * Injects presence updates into the shard's guild every few ms while `disrupt` runs, until the
 * shard has recovered (RESUMED, or READY after op 9 false) and a few more updates went through.
 */
async function injectAcross(shardId: number, disrupt: () => void, recoveredBy: "RESUMED" | "READY") {
  const outcome: Outcome = { before: [], during: [], after: [], received: [] };
  let phase: "before" | "during" | "after" = "before";
  const injector = setInterval(() => outcome[phase].push(injectPresence(shardId)), 15);
  const isOwnUpdate = (n: number) => (entry: (typeof received)[number]) =>
    entry.shardId === shardId &&
    entry.payload.t === "PRESENCE_UPDATE" &&
    entry.payload.d.activities?.[0]?.name === String(n);
  try {
    await waitForDispatch(() => outcome.before.length >= 3);
    await waitForDispatch(isOwnUpdate(outcome.before.at(-1)!));
    const mark = received.length;
    phase = "during";
    disrupt();
    // Updates that happen at once, before the client has even seen the disruption.
    for (let n = 0; n < SYNC_INJECTIONS; n++) outcome.during.push(injectPresence(shardId));
    await waitForDispatch((entry) => entry.shardId === shardId && entry.payload.t === recoveredBy, mark);
    phase = "after";
    await waitForDispatch(() => outcome.after.length >= 5);
  } finally {
    clearInterval(injector);
  }
  await waitForDispatch(isOwnUpdate(outcome.after.at(-1)!));
  const first = outcome.before[0]!;
  outcome.received = presenceNumbers(shardId).filter((n) => n >= first);
  return outcome;
}

beforeAll(async () => {
  const world = createSeededWorld();
  const seededShard = shardForGuild(SEED.guildId, 2);
  let ms = 0;
  let secondId = snowflake(Date.UTC(2024, 1, 1), 0);
  while (shardForGuild(secondId, 2) === seededShard) secondId = snowflake(Date.UTC(2024, 1, 1) + ++ms, 0);
  world.createGuild({ id: secondId, name: "Second Porch" });
  world.addMember(secondId, SEED_MEMBERS[0]!.id);
  guildOfShard[seededShard] = SEED.guildId;
  guildOfShard[1 - seededShard] = secondId;

  emulator = await startEmulator({
    port: 0,
    world,
    heartbeatIntervalMs: HEARTBEAT_MS,
    // Generous: on a busy machine a beat may be late; this test is not about the timeout.
    heartbeatTimeoutMs: 20_000,
    identifyIntervalMs: IDENTIFY_INTERVAL_MS,
  });
  manager = new WebSocketManager({
    token: world.application.botToken,
    intents: PRESENCE_INTENTS,
    rest: emulatorRest(),
    shardCount: 2,
    shardIds: [0, 1],
    buildIdentifyThrottler: () => new SpacedIdentifies(),
  });
  manager.on(WebSocketShardEvents.Dispatch, (payload, shardId) => {
    received.push({ shardId, payload });
    for (const listener of [...listeners]) listener();
  });
  manager.on(WebSocketShardEvents.Error, () => {});
  await manager.connect();
});

afterAll(async () => {
  await manager?.destroy();
  await emulator?.close();
});

describe("@discordjs/ws against the emulator", () => {
  it("gets READY and each guild's GUILD_CREATE on the shard that owns it", async () => {
    for (const shardId of [0, 1]) {
      const ready = await waitForDispatch((e) => e.shardId === shardId && e.payload.t === "READY");
      expect(ready.payload.d).toMatchObject({ shard: [shardId, 2], guilds: [{ id: guildOfShard[shardId] }] });
      const create = await waitForDispatch((e) => e.shardId === shardId && e.payload.t === "GUILD_CREATE");
      expect(create.payload.d).toMatchObject({ id: guildOfShard[shardId] });
    }
    expect(received.filter((e) => e.payload.t === "GUILD_CREATE")).toHaveLength(2);
  });

  it.each([
    ["op 7 (reconnect)", 0, () => emulator.gateway.reconnect(0)],
    ["op 9 true (resumable invalid session)", 1, () => emulator.gateway.invalidate(1, true)],
    ["a dropped heartbeat ACK (zombie connection)", 1, () => emulator.gateway.dropAcks(1)],
    ["a server close with 4000", 0, () => emulator.gateway.close(0, 4000)],
  ])("resumes after %s without losing or repeating an update", async (_, shardId, disrupt) => {
    const resumedBefore = emulator.gateway.counters().resumed;
    const outcome = await injectAcross(shardId, () => expect(disrupt()).toBe(1), "RESUMED");
    expect(outcome.received).toEqual([...outcome.before, ...outcome.during, ...outcome.after]);
    expect(emulator.gateway.counters().resumed).toBeGreaterThan(resumedBefore);
  });

  it("re-identifies after op 9 false, losing only updates sent while it had no session", async () => {
    const identifiesBefore = emulator.gateway.counters().identifies;
    const outcome = await injectAcross(
      0,
      () => expect(emulator.gateway.invalidate(0, false)).toBe(1),
      "READY",
    );
    // Updates from the invalidation until the new session started had no session to go to; every
    // one from the new session's start on is delivered. So of `during`, exactly a suffix arrives.
    const arrivedDuring = outcome.received.filter((n) => outcome.during.includes(n));
    const lostCount = outcome.during.length - arrivedDuring.length;
    expect(outcome.received).toEqual([
      ...outcome.before,
      ...outcome.during.slice(lostCount),
      ...outcome.after,
    ]);
    // Those sent right after the invalidation had certainly no session.
    expect(lostCount).toBeGreaterThanOrEqual(SYNC_INJECTIONS);
    expect(emulator.gateway.counters().identifies).toBe(identifiesBefore + 1);
  });

  it("used READY's resume_gateway_url to resume", () => {
    const { resume_url_connections, resumes, resumed } = emulator.gateway.counters();
    expect(resumes).toBe(resumed);
    expect(resume_url_connections).toBeGreaterThanOrEqual(3);
  });

  it("stops for good on 4004 (authentication failed)", async () => {
    const badBot = new WebSocketManager({
      token: "not-a-real-token",
      intents: PRESENCE_INTENTS,
      // GET /gateway/bot succeeds (the REST client holds the real token); IDENTIFY then fails.
      rest: emulatorRest(),
      shardCount: 1,
      shardIds: [0],
      buildIdentifyThrottler: () => new SpacedIdentifies(),
    });
    const failed = new Promise<Error>((resolve) =>
      badBot.on(WebSocketShardEvents.Error, (error) => resolve(error)),
    );
    const connectionsBefore = emulator.gateway.counters().connections;
    void badBot.connect().catch(() => {});
    try {
      expect((await failed).message).toBe("Authentication failed");
      // djs would reconnect 500 ms after a recoverable close; give it several times that.
      await sleep(2_000);
      expect((await badBot.fetchStatus()).get(0)).toBe(WebSocketShardStatus.Idle);
      expect(emulator.gateway.counters().connections).toBe(connectionsBefore + 1);
      expect(emulator.gateway.counters().closes["server:4004"]).toBe(1);
    } finally {
      await badBot.destroy();
    }
  });
});
