import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createSeededWorld, SEED, SEED_MEMBERS } from "../../../emulator/seed.ts";
import { type Emulator, startEmulator } from "../../../emulator/server.ts";
import {
  accrue,
  MAX_BURST,
  MAX_RATE,
  MAX_SIMULATED_USERS,
  Simulator,
  type SimulatorOptions,
} from "../../../emulator/simulator.ts";
import { simulatedUserId } from "../../../emulator/simulator-profiles.ts";
import type { GuildDispatch, World } from "../../../emulator/world.ts";

const FIXED_NOW = Date.UTC(2026, 0, 2, 3, 4, 5);

/** A fresh seeded world with a simulator on a fixed clock, and every dispatch it hears. */
function setUp() {
  const world = createSeededWorld();
  const simulator = new Simulator(world, () => FIXED_NOW);
  const dispatches: GuildDispatch[] = [];
  world.on("dispatch", (event) => dispatches.push(event));
  simulators.push(simulator);
  return { world, simulator, dispatches };
}

const simulators: Simulator[] = [];
afterEach(() => {
  for (const simulator of simulators.splice(0)) simulator.stop();
});

const count = (dispatches: GuildDispatch[], t: string) => dispatches.filter((d) => d.t === t).length;

describe("start", () => {
  it("adds the crowd as members of the first guild, most of them online", () => {
    const { world, simulator, dispatches } = setUp();
    expect(simulator.start({ users: 40, rate: 0 })).toEqual({
      running: false,
      users: 40,
      rate: 0,
      guild_id: SEED.guildId,
      updates: 0,
    });
    const guild = world.requireGuild(SEED.guildId);
    const ids = Array.from({ length: 40 }, (_, i) => simulatedUserId(1, i));
    for (const id of ids) expect(guild.members.has(id)).toBe(true);
    expect(count(dispatches, "GUILD_MEMBER_ADD")).toBe(40);
    const online = ids.filter((id) => guild.presences.has(id)).length;
    expect(online).toBeGreaterThan(20);
    expect(online).toBeLessThan(40);
    expect(count(dispatches, "PRESENCE_UPDATE")).toBe(online);
  });

  it("a second start with the same seed reuses the same users and adds nobody", () => {
    const { world, simulator, dispatches } = setUp();
    simulator.start({ users: 10, rate: 0, seed: 5 });
    const members = world.requireGuild(SEED.guildId).members.size;
    dispatches.length = 0;
    simulator.start({ users: 10, rate: 0, seed: 5 });
    expect(world.requireGuild(SEED.guildId).members.size).toBe(members);
    expect(count(dispatches, "GUILD_MEMBER_ADD")).toBe(0);
  });

  it("puts the crowd in the guild it is given", () => {
    const { world, simulator } = setUp();
    const other = world.createGuild({ name: "Other" });
    expect(simulator.start({ users: 3, rate: 0, guildId: other.id }).guild_id).toBe(other.id);
    expect(other.members.has(simulatedUserId(1, 2))).toBe(true);
    expect(world.requireGuild(SEED.guildId).members.has(simulatedUserId(1, 2))).toBe(false);
  });

  it.each([
    [{ users: 0, rate: 1 }, 400, /users must be an integer from 1 to 10000/],
    [{ users: MAX_SIMULATED_USERS + 1, rate: 1 }, 400, /users/],
    [{ users: 2.5, rate: 1 }, 400, /users/],
    [{ users: 1, rate: -1 }, 400, /rate must be from 0 to 10000/],
    [{ users: 1, rate: MAX_RATE + 1 }, 400, /rate/],
    [{ users: 1, rate: Number.NaN }, 400, /rate/],
    [{ users: 1, rate: Number.POSITIVE_INFINITY }, 400, /rate/],
    [{ users: 1, rate: 1, seed: 1.5 }, 400, /seed/],
    [{ users: 1, rate: 1, guildId: "1300000000000000999" }, 404, /Unknown Guild/],
  ] as [SimulatorOptions, number, RegExp][])("%j → %i", (options, status, message) => {
    const { world, simulator, dispatches } = setUp();
    expect(() => simulator.start(options)).toThrow(
      expect.objectContaining({ status, message: expect.stringMatching(message) }),
    );
    expect(dispatches).toHaveLength(0);
    expect(world.requireGuild(SEED.guildId).members.size).toBe(SEED_MEMBERS.length + 1);
  });

  it("accepts the limits themselves: 10,000 users at 10,000 changes per second", () => {
    const { world, simulator } = setUp();
    expect(simulator.start({ users: MAX_SIMULATED_USERS, rate: MAX_RATE })).toMatchObject({
      running: true,
      users: 10_000,
      rate: 10_000,
    });
    simulator.stop();
    expect(world.requireGuild(SEED.guildId).members.size).toBe(10_000 + SEED_MEMBERS.length + 1);
  });

  it("a world without guilds cannot be simulated", () => {
    const { world } = setUp();
    world.guilds.clear();
    expect(() => new Simulator(world).start({ users: 1, rate: 0 })).toThrow(
      expect.objectContaining({ status: 409 }),
    );
  });
});

describe("determinism", () => {
  /** Every dispatch of a start and 400 changes, as JSON at the moment it was emitted. */
  function run(seed: number): string[] {
    const { world, simulator } = setUp();
    const events: string[] = [];
    world.on("dispatch", (event) => events.push(JSON.stringify(event)));
    simulator.start({ users: 30, rate: 0, seed });
    simulator.churn(400);
    return events;
  }

  it("the same seed replays the same events; another seed does not", () => {
    const first = run(7);
    expect(run(7)).toEqual(first);
    expect(run(8)).not.toEqual(first);
  });
});

describe("churn", () => {
  it("changes presences mostly, and sometimes profiles, leaves and returns", () => {
    const { simulator, dispatches } = setUp();
    simulator.start({ users: 50, rate: 0 });
    dispatches.length = 0;
    simulator.churn(2_000);
    expect(simulator.status().updates).toBe(2_000);
    expect(count(dispatches, "PRESENCE_UPDATE")).toBeGreaterThan(1_500);
    expect(count(dispatches, "GUILD_MEMBER_UPDATE")).toBeGreaterThan(0);
    expect(count(dispatches, "GUILD_MEMBER_REMOVE")).toBeGreaterThan(0);
    expect(count(dispatches, "GUILD_MEMBER_ADD")).toBeGreaterThan(0);
  });

  it("keeps membership consistent with what was announced, even when members are removed behind its back", () => {
    const { world, simulator, dispatches } = setUp();
    simulator.start({ users: 60, rate: 0, seed: 11 });
    const guild = world.requireGuild(SEED.guildId);
    const ids = Array.from({ length: 60 }, (_, i) => simulatedUserId(11, i));
    world.removeMember(SEED.guildId, ids[0]!);
    world.removeMember(SEED.guildId, ids[1]!);
    simulator.churn(3_000);

    // Replaying the announced adds and removes gives exactly the guild's members.
    const replayed = new Set([...guild.members.keys()].filter((id) => !ids.includes(id)));
    for (const event of dispatches) {
      const d = event.d as { user: { id: string } };
      if (event.t === "GUILD_MEMBER_ADD") replayed.add(d.user.id);
      if (event.t === "GUILD_MEMBER_REMOVE") replayed.delete(d.user.id);
    }
    expect(replayed).toEqual(new Set(guild.members.keys()));
    // Only members have presences, and every presence update named a member at the time.
    for (const id of guild.presences.keys()) expect(guild.members.has(id)).toBe(true);
    expect(ids.filter((id) => guild.members.has(id)).length).toBeGreaterThan(30);
    // Usernames stay unique through renames.
    const usernames = ids.map((id) => world.requireUser(id).username);
    expect(new Set(usernames).size).toBe(ids.length);
  });

  it("brings people back when every simulated member has gone", () => {
    const { world, simulator } = setUp();
    simulator.start({ users: 3, rate: 0 });
    for (let i = 0; i < 3; i++) world.removeMember(SEED.guildId, simulatedUserId(1, i));
    simulator.churn(50);
    expect(simulator.status().updates).toBe(50);
    const back = [0, 1, 2].filter((i) => world.requireGuild(SEED.guildId).members.has(simulatedUserId(1, i)));
    expect(back.length).toBeGreaterThan(0);
  });

  it("takes a whole number of changes", () => {
    const { simulator } = setUp();
    simulator.start({ users: 2, rate: 0 });
    expect(() => simulator.churn(-1)).toThrow(expect.objectContaining({ status: 400 }));
    expect(() => simulator.churn(0.5)).toThrow(expect.objectContaining({ status: 400 }));
    simulator.churn(0);
    expect(simulator.status().updates).toBe(0);
  });

  it("before start there is no one to churn", () => {
    const { simulator } = setUp();
    expect(() => simulator.churn(1)).toThrow(
      expect.objectContaining({ status: 409, message: expect.stringMatching(/start it first/) }),
    );
  });
});

describe("the timer", () => {
  it("accrues fractional rates across ticks and caps the backlog after a stall", () => {
    let owed = 0;
    let due = 0;
    for (let tick = 0; tick < 40; tick++) {
      const step = accrue(owed, 0.5, 50); // two seconds at one change every two seconds
      owed = step.owed;
      due += step.due;
    }
    expect(due).toBe(1);
    expect(accrue(0, 100, 10_000).due).toBe(50); // half a second's worth, not ten seconds'
    expect(accrue(0.5, 0, 1_000)).toEqual({ due: 0, owed: 0.5 });
    expect(accrue(0, 20, 50)).toEqual({ due: 1, owed: 0 });
  });

  it("start at a rate produces changes until stop; stop keeps the users", async () => {
    const { world, simulator, dispatches } = setUp();
    simulator.start({ users: 20, rate: 400 });
    const atStart = dispatches.length;
    expect(simulator.status().running).toBe(true);
    await vi.waitFor(() => expect(dispatches.length - atStart).toBeGreaterThanOrEqual(20), {
      timeout: 10_000,
    });
    expect(simulator.stop()).toMatchObject({ running: false, users: 20 });
    const atStop = dispatches.length;
    const updates = simulator.status().updates;
    expect(updates).toBeGreaterThanOrEqual(20);
    await sleep(250); // five ticks
    expect(dispatches.length).toBe(atStop);
    expect(simulator.status().updates).toBe(updates);
    expect(world.requireGuild(SEED.guildId).members.size).toBeGreaterThan(SEED_MEMBERS.length);
  });
});

describe("burst", () => {
  it("emits exactly `count` presence updates and nothing else", async () => {
    const { simulator, dispatches } = setUp();
    simulator.start({ users: 25, rate: 0 });
    dispatches.length = 0;
    await simulator.burst(1_234);
    expect(dispatches).toHaveLength(1_234);
    expect(count(dispatches, "PRESENCE_UPDATE")).toBe(1_234);
    expect(simulator.status().updates).toBe(1_234);
  });

  it("yields to the event loop between chunks", async () => {
    const { simulator, dispatches } = setUp();
    simulator.start({ users: 5, rate: 0 });
    dispatches.length = 0;
    let seenDuringBurst = -1;
    setImmediate(() => {
      seenDuringBurst = dispatches.length;
    });
    await simulator.burst(2_000);
    expect(seenDuringBurst).toBeGreaterThan(0);
    expect(seenDuringBurst).toBeLessThan(2_000);
  });

  it.each([0, -1, 1.5, MAX_BURST + 1])("count %d is a 400", async (bad) => {
    const { simulator } = setUp();
    simulator.start({ users: 1, rate: 0 });
    await expect(simulator.burst(bad)).rejects.toMatchObject({
      status: 400,
      message: expect.stringMatching(/count/),
    });
  });

  it("accepts the largest count, a million", async () => {
    const { simulator, dispatches } = setUp();
    simulator.start({ users: 2, rate: 0 });
    dispatches.length = 0;
    await simulator.burst(MAX_BURST);
    expect(dispatches).toHaveLength(1_000_000);
  });

  it("needs started users, and members to update", async () => {
    const { world, simulator } = setUp();
    await expect(simulator.burst(1)).rejects.toMatchObject({ status: 409 });
    simulator.start({ users: 1, rate: 0 });
    world.removeMember(SEED.guildId, simulatedUserId(1, 0));
    await expect(simulator.burst(1)).rejects.toMatchObject({
      status: 409,
      message: expect.stringMatching(/no simulated user/),
    });
  });
});

describe("through the control API", () => {
  let emulator: Emulator | undefined;
  afterEach(async () => {
    await emulator?.close();
    emulator = undefined;
  });

  async function call(method: string, path: string, body?: unknown) {
    const res = await fetch(`${emulator!.urls.control}${path}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  it("starts, bursts, reports and stops; bad options are 400s and an unknown guild a 404", async () => {
    emulator = await startEmulator({ port: 0 });
    const world: World = emulator.world;
    const started = await call("POST", "/simulator", { users: 30, rate: 0, seed: 4 });
    expect(started).toEqual({
      status: 200,
      body: { running: false, users: 30, rate: 0, guild_id: SEED.guildId, updates: 0 },
    });
    let presences = 0;
    world.on("dispatch", (event) => {
      if (event.t === "PRESENCE_UPDATE") presences++;
    });
    expect((await call("POST", "/simulator/burst", { count: 500 })).body).toMatchObject({ updates: 500 });
    expect(presences).toBe(500);
    expect((await call("GET", "/simulator")).body).toMatchObject({ users: 30, updates: 500 });
    expect((await call("DELETE", "/simulator")).body).toMatchObject({ running: false, users: 30 });
    expect(await call("POST", "/simulator", { users: 10_001, rate: 1 })).toMatchObject({
      status: 400,
      body: { error: expect.stringMatching(/users/) },
    });
    expect(
      await call("POST", "/simulator", { users: 1, rate: 1, guild_id: "1300000000000000999" }),
    ).toMatchObject({
      status: 404,
      body: { error: "Unknown Guild" },
    });
  });

  it("startEmulator({ simulate }) starts the simulator with the server", async () => {
    emulator = await startEmulator({ port: 0, simulate: { users: 5, rate: 0 } });
    expect((await call("GET", "/simulator")).body).toMatchObject({ users: 5, guild_id: SEED.guildId });
    expect((await call("POST", "/simulator/burst", { count: 1 })).status).toBe(200);
  });

  it("a burst before any start is a 409", async () => {
    emulator = await startEmulator({ port: 0 });
    expect(await call("POST", "/simulator/burst", { count: 1 })).toMatchObject({
      status: 409,
      body: { error: expect.stringMatching(/start it first/) },
    });
  });
});
