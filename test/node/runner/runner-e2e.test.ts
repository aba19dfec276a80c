import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSeededWorld, SEED, SEED_MEMBERS } from "../../../emulator/seed.ts";
import type { World } from "../../../emulator/world.ts";
import { control } from "./helpers/control.ts";
import { differences, expectedUsers } from "./helpers/expected.ts";
import { type Harness, startHarness } from "./helpers/harness.ts";
import { scrape } from "./helpers/metrics.ts";
import { waitFor } from "./helpers/wait.ts";

// The runner in this process between the emulator and a local ingest receiver, all over real
// sockets. The seeded guild is made large (over the default large_threshold of 50) so GUILD_CREATE
// lists only some members: the offline ones can only come from the all-members request.

const QUIET_MEMBERS = 60;
type Member = (typeof SEED_MEMBERS)[number];
const [ada, grace, linus, margaret] = SEED_MEMBERS as [Member, Member, Member, Member, Member];

let h: Harness;
let secondGuild: string;
let unmonitoredGuild: string;
let stranger: string;
let monitored: string[];

function buildWorld(): World {
  const world = createSeededWorld();
  for (let i = 0; i < QUIET_MEMBERS; i++) {
    const user = world.createUser({ username: `quiet${i}` });
    world.addMember(SEED.guildId, user.id, new Date(Date.UTC(2024, 3, 1) + i * 60_000));
  }
  secondGuild = world.createGuild({ name: "Second Porch" }).id;
  world.addMember(secondGuild, ada.id, new Date(Date.UTC(2023, 0, 1)));
  // Discord's presences are per user; the emulator keeps them per guild, so the two must agree.
  world.setPresence(secondGuild, {
    user: { id: ada.id },
    ...world.guilds.get(SEED.guildId)!.presences.get(ada.id)!,
  });
  unmonitoredGuild = world.createGuild({ name: "Elsewhere" }).id;
  stranger = world.createUser({ username: "stranger" }).id;
  world.addMember(unmonitoredGuild, stranger);
  return world;
}

async function converged(what: string): Promise<void> {
  const want = () => expectedUsers(h.emulator.world, monitored);
  await waitFor(what, () => differences(h.receiver.users, want()).length === 0, {
    describe: () => differences(h.receiver.users, want()).slice(0, 5),
  });
}

async function health(): Promise<{ status: number; body: { status: string; problems: string[] } }> {
  const response = await fetch(`http://127.0.0.1:${h.runner.opsPort}/health`);
  return { status: response.status, body: (await response.json()) as { status: string; problems: string[] } };
}

beforeAll(async () => {
  const world = buildWorld();
  monitored = [SEED.guildId, secondGuild];
  // Through zlib-stream (COMPRESSION's other value), so the compressed path is covered end to end.
  h = await startHarness({
    emulator: { world },
    env: { MONITORED_GUILD_IDS: monitored.join(","), COMPRESSION: "zlib-stream" },
  });
  await h.runner.connected;
});
afterAll(async () => {
  await h?.close();
});

describe("gateway runner, end to end", () => {
  it("forwards every member on start, offline ones included, from the member chunk", async () => {
    await converged("every member of the monitored guilds");
    const quiet = [...h.receiver.users.values()].filter((u) => u.user?.username.startsWith("quiet"));
    expect(quiet).toHaveLength(QUIET_MEMBERS);
    expect(quiet.every((u) => u.presence?.status === "offline")).toBe(true);
    expect(h.receiver.users.get(linus.id)?.presence?.status).toBe("offline");
    expect(h.emulator.gateway.counters().member_requests).toBe(2);
    expect(h.receiver.count(400)).toBe(0);
    expect((await health()).status).toBe(200);
  });

  it("forwards a presence set in the world and one posted to the control API", async () => {
    h.emulator.world.setPresence(SEED.guildId, {
      user: { id: linus.id },
      status: "online",
      client_status: { web: "online" },
      activities: [{ name: "Factorio", type: 0 } as never],
    });
    await control(h.emulator, "POST", `/guilds/${SEED.guildId}/presences`, {
      user: { id: margaret.id },
      status: "dnd",
      client_status: { mobile: "dnd" },
      activities: [{ name: "Custom Status", type: 4, state: "heads down" }],
    });
    await waitFor("both presences", () => {
      const [l, m] = [h.receiver.users.get(linus.id), h.receiver.users.get(margaret.id)];
      return l?.presence?.activities[0]?.name === "Factorio" && m?.presence?.status === "dnd";
    });
    await converged("the world after two presence changes");
  });

  it("forwards a join, a profile change and a leave", async () => {
    const newcomer = "1191168999999999001";
    await control(h.emulator, "PUT", `/guilds/${SEED.guildId}/members/${newcomer}`, {
      username: "newcomer",
      joined_at: "2026-11-01T12:00:00.000Z",
    });
    await waitFor(
      "the join",
      () => h.receiver.users.get(newcomer)?.membership?.joined_at === "2026-11-01T12:00:00.000Z",
    );
    expect(h.receiver.users.get(newcomer)?.user?.username).toBe("newcomer");

    await control(h.emulator, "PATCH", `/guilds/${SEED.guildId}/members/${newcomer}`, {
      user: { global_name: "New Comer", avatar: "0123456789abcdef0123456789abcdef" },
    });
    await waitFor(
      "the profile change",
      () => h.receiver.users.get(newcomer)?.user?.global_name === "New Comer",
    );
    expect(h.receiver.users.get(newcomer)?.user?.avatar).toBe("0123456789abcdef0123456789abcdef");

    await control(h.emulator, "DELETE", `/guilds/${SEED.guildId}/members/${newcomer}`);
    await waitFor("the leave", () => h.receiver.users.get(newcomer)?.membership === null);
    await converged("the world after a join and a leave");
  });

  it("keeps a member of two monitored guilds until they leave both, joined since the earliest", async () => {
    expect(h.receiver.users.get(ada.id)?.membership?.joined_at).toBe("2023-01-01T00:00:00.000Z");
    const seedJoin = h.emulator.world.guilds.get(SEED.guildId)!.members.get(ada.id)!.joined_at;
    h.emulator.world.removeMember(secondGuild, ada.id);
    await waitFor("the later join", () => h.receiver.users.get(ada.id)?.membership?.joined_at === seedJoin);
    h.emulator.world.removeMember(SEED.guildId, ada.id);
    await waitFor("no membership", () => h.receiver.users.get(ada.id)?.membership === null);
  });

  it("ignores guilds that are not monitored", async () => {
    h.emulator.world.setPresence(unmonitoredGuild, { user: { id: stranger }, status: "online" });
    h.emulator.world.updateUser(stranger, { global_name: "Stranger" });
    // A later event in a monitored guild: once it has arrived, the earlier ones have been handled.
    h.emulator.world.setPresence(SEED.guildId, { user: { id: grace.id }, status: "idle" });
    await waitFor("the sentinel", () => h.receiver.users.get(grace.id)?.presence?.status === "idle");
    expect(h.receiver.users.has(stranger)).toBe(false);
  });

  it("loses nothing while the Worker is away, buffering one delta per user", async () => {
    await converged("a quiet start");
    const retriesBefore = (await scrape(h.runner.opsPort)).get("porchlight_runner_retries_total") ?? 0;
    await h.receiver.close();
    const members = [...h.emulator.world.guilds.get(SEED.guildId)!.members.keys()].slice(0, 12);
    const statuses = ["online", "idle", "dnd", "offline"] as const;
    let maxBuffered = 0;
    for (let i = 0; i < 300; i++) {
      h.emulator.world.setPresence(SEED.guildId, {
        user: { id: members[i % members.length]! },
        status: statuses[i % statuses.length]!,
        activities: [{ name: `update ${i}`, type: 0 } as never],
      });
      if (i % 25 === 0) {
        const buffered = (await scrape(h.runner.opsPort)).get("porchlight_runner_buffer_users") ?? 0;
        maxBuffered = Math.max(maxBuffered, buffered);
      }
    }
    await waitFor("the runner to report the outage", async () => (await health()).status === 503);
    // Through zlib-stream the dispatches reach the runner a moment after the emulator sends them.
    const buffered = async () => (await scrape(h.runner.opsPort)).get("porchlight_runner_buffer_users");
    await waitFor("every changed user buffered", async () => (await buffered()) === members.length);
    const during = await scrape(h.runner.opsPort);
    expect(during.get("porchlight_runner_buffer_users")).toBe(members.length);
    expect(maxBuffered).toBeLessThanOrEqual(members.length);
    expect(during.get("porchlight_runner_retries_total")).toBeGreaterThan(retriesBefore);

    await h.receiver.open();
    await converged("the world after the outage");
    await waitFor("health to recover", async () => (await health()).status === 200);
  });

  it("serves Prometheus metrics for events, deltas, batches, shards and latency", async () => {
    const metrics = await scrape(h.runner.opsPort);
    expect(metrics.get('porchlight_runner_events_total{type="PRESENCE_UPDATE"}')).toBeGreaterThan(300);
    expect(metrics.get('porchlight_runner_events_total{type="GUILD_MEMBERS_CHUNK"}')).toBe(2);
    expect(metrics.get("porchlight_runner_deltas_sent_total")).toBeGreaterThan(QUIET_MEMBERS);
    expect(metrics.get("porchlight_runner_batches_sent_total")).toBeGreaterThan(0);
    expect(metrics.get('porchlight_runner_batches_failed_total{reason="unreachable"}')).toBeGreaterThan(0);
    expect(metrics.get('porchlight_runner_shard_state{shard="0",state="ready"}')).toBe(1);
    expect(metrics.get('porchlight_runner_shard_state{shard="0",state="idle"}')).toBe(0);
    expect(metrics.get("porchlight_runner_forward_latency_seconds_count")).toBeGreaterThan(0);
    expect(metrics.get('porchlight_runner_member_requests_total{outcome="completed"}')).toBe(2);
    expect(metrics.get("porchlight_runner_monitored_users")).toBe(QUIET_MEMBERS + 5);
    const text = await (await fetch(`http://127.0.0.1:${h.runner.opsPort}/metrics`)).text();
    expect(text).not.toContain(h.config.discordToken);
    expect(text).not.toContain(h.config.ingestSecret);
  });
});
