import { ActivityType } from "discord-api-types/v10";
import { afterEach, describe, expect, it } from "vitest";
import { listeningToLocalFile } from "../../../emulator/activities.ts";
import { playOn, SEED_PLAYLIST } from "../../../emulator/playlist.ts";
import { createSeededWorld, SEED, SEED_MEMBERS, spotifyActivity } from "../../../emulator/seed.ts";
import { MIN_PACE_MS, SeedLife } from "../../../emulator/seed-life.ts";
import { type Emulator, startEmulator } from "../../../emulator/server.ts";
import { LET_GO } from "../../../emulator/simulator-activities.ts";
import type { GuildDispatch, StoredPresence, World } from "../../../emulator/world.ts";
import { waitFor } from "../runner/helpers/wait.ts";
import { closeAll, type GatewayClient, identifiedClient, RAW_CLIENT_CONFIG } from "./gateway-client.ts";

/**
 * The seeded members of the local demo, alive: ada's Spotify plays on through the playlist, the
 * others change now and then. Time is an injected clock stepped by hand, never waited for, except
 * for the one test that watches the life over a real gateway connection at a fast pace.
 */

const START = Date.UTC(2026, 2, 3, 4, 5, 6);
const PACE_MS = 3_000;
/** A pace slower than the whole playlist: only tracks move. */
const ONE_DAY = 86_400_000;
const [ada, grace, linus, margaret, dennis] = SEED_MEMBERS.map((member) => member.id) as [
  string,
  string,
  string,
  string,
  string,
];
type Activity = { type: number; name: string; details?: string; sync_id?: string } & Record<string, unknown>;

/** A seeded world as of START, its life on a clock the test moves, and every presence it announced. */
function setUp({ seed = 1, paceMs = PACE_MS } = {}) {
  const world = createSeededWorld(START);
  const clock = { now: START };
  const life = new SeedLife(world, { clock: () => clock.now });
  const updates: { userId: string; at: number; status: string; activities: Activity[] }[] = [];
  world.on("dispatch", (event: GuildDispatch) => {
    if (event.t !== "PRESENCE_UPDATE") return;
    const d = event.d as { user: { id: string }; status: string; activities: Activity[] };
    updates.push({ userId: d.user.id, at: clock.now, status: d.status, activities: d.activities });
  });
  life.start({ paceMs, seed }, { timer: false });
  /** Moves the clock on by `ms` and lets the life catch up, one pace at a time. */
  const advance = (ms: number) => {
    const until = clock.now + ms;
    while (clock.now < until) {
      clock.now = Math.min(until, clock.now + paceMs);
      life.step();
    }
  };
  return { world, life, clock, updates, advance };
}

const presenceOf = (world: World, id: string): StoredPresence | undefined =>
  world.requireGuild(SEED.guildId).presences.get(id);
const spotifyOf = (world: World, id: string) =>
  presenceOf(world, id)?.activities.find((a) => a.name === "Spotify") as
    | (Activity & { timestamps: { start: number; end: number }; session_id: string })
    | undefined;

describe("ada's playlist", () => {
  it("is a few catalogue tracks, each with title, artists, album, duration and album art", () => {
    expect(SEED_PLAYLIST.length).toBeGreaterThanOrEqual(4);
    expect(SEED_PLAYLIST[0]).toBe(LET_GO);
    for (const track of SEED_PLAYLIST) {
      expect(track.title).not.toBe("");
      expect(track.artists.length).toBeGreaterThan(0);
      expect(track.album).not.toBe("");
      expect(track.durationMs).toBeGreaterThan(60_000);
      expect(track.albumArtId).toMatch(/^[0-9a-f]{40}$/);
    }
    expect(new Set(SEED_PLAYLIST.map((track) => track.id)).size).toBe(SEED_PLAYLIST.length);
  });

  it("moves on to the next track the moment one ends, keeping the session", () => {
    const { world, clock, life, updates } = setUp({ paceMs: ONE_DAY });
    const first = spotifyOf(world, ada)!;
    expect(first.sync_id).toBe(LET_GO.id);
    // Until the end, nothing moves.
    clock.now = first.timestamps.end - 1;
    life.step();
    expect(updates.filter((u) => u.userId === ada)).toEqual([]);
    clock.now = first.timestamps.end;
    life.step();
    const second = spotifyOf(world, ada)!;
    expect(second).toMatchObject({
      details: SEED_PLAYLIST[1]!.title,
      state: SEED_PLAYLIST[1]!.artists.join("; "),
      sync_id: SEED_PLAYLIST[1]!.id,
      session_id: first.session_id,
      timestamps: { start: first.timestamps.end, end: first.timestamps.end + SEED_PLAYLIST[1]!.durationMs },
      assets: { large_text: SEED_PLAYLIST[1]!.album, large_image: `spotify:${SEED_PLAYLIST[1]!.albumArtId}` },
    });
    // Announced on the gateway, and her platforms kept.
    expect(updates.at(-1)).toMatchObject({ userId: ada, status: "online" });
    expect(presenceOf(world, ada)!.client_status).toEqual({ desktop: "online", mobile: "online" });
    expect(life.status().tracks).toBe(1);
  });

  it("plays the whole playlist in order and starts it again", () => {
    const { world, clock, life } = setUp({ paceMs: ONE_DAY });
    const played: string[] = [];
    for (let i = 0; i < SEED_PLAYLIST.length + 1; i++) {
      clock.now = spotifyOf(world, ada)!.timestamps.end;
      life.step();
      played.push(spotifyOf(world, ada)!.details!);
    }
    const titles = SEED_PLAYLIST.map((track) => track.title);
    expect(played).toEqual([...titles.slice(1), titles[0], titles[1]]);
  });

  it("after a long gap, plays what would be playing by then", () => {
    const playing = spotifyActivity(ada, START);
    const end = START + LET_GO.durationMs - 60_000;
    const [, second, third] = SEED_PLAYLIST;
    const next = playOn(playing, ada, end + second!.durationMs + 1_000) as unknown as Activity & {
      timestamps: { start: number };
    };
    expect(next.sync_id).toBe(third!.id);
    expect(next.timestamps.start).toBe(end + second!.durationMs);
    expect(playOn(playing, ada, end - 1)).toBeNull();
  });

  it("follows a local file, or a track from elsewhere, with the playlist's first track", () => {
    const file = listeningToLocalFile(
      { title: "demo_final_v3", artist: null, durationMs: 1_000 },
      { userId: ada, startedAt: START, createdAt: START, sessionId: "s" },
    );
    expect(playOn(file, ada, START + 1_000)).toMatchObject({ sync_id: SEED_PLAYLIST[0]!.id });
  });
});

describe("the others", () => {
  it("change in turn, ada first, one change per pace", () => {
    const { updates, advance } = setUp();
    advance(PACE_MS * 5);
    expect(updates.map((u) => u.userId)).toEqual([ada, grace, linus, margaret, dennis]);
    expect(updates.map((u) => u.at)).toEqual([1, 2, 3, 4, 5].map((n) => START + n * PACE_MS));
  });

  it("start and stop games, move between online, idle and dnd, and set and clear custom statuses", () => {
    const { updates, advance, life } = setUp();
    advance(PACE_MS * 5 * 30);
    expect(life.status().changes).toBe(150);
    const games = (u: (typeof updates)[number]) =>
      u.activities.filter((a) => a.type === ActivityType.Playing);
    const customs = (u: (typeof updates)[number]) =>
      u.activities.filter((a) => a.type === ActivityType.Custom);
    for (const id of [grace, margaret, dennis]) {
      const mine = updates.filter((u) => u.userId === id);
      expect(new Set(mine.map((u) => u.status)), id).toEqual(new Set(["online", "idle", "dnd"]));
      expect(mine.some((u) => games(u).length === 1)).toBe(true);
      expect(mine.some((u) => games(u).length === 0)).toBe(true);
      expect(mine.some((u) => customs(u).length === 1)).toBe(true);
      expect(mine.some((u) => customs(u).length === 0)).toBe(true);
      // Never two games or two custom statuses at once; the custom status first, as Discord lists it.
      for (const u of mine) {
        expect(games(u).length).toBeLessThanOrEqual(1);
        expect(customs(u).length).toBeLessThanOrEqual(1);
        if (customs(u).length === 1) expect(u.activities[0]!.type).toBe(ActivityType.Custom);
      }
    }
    // A game started by the life starts when it is started.
    const started = updates.find((u) => u.userId === dennis && games(u).length === 1)!;
    expect(games(started)[0]!.timestamps).toEqual({ start: started.at });
    // Only linus, offline at the start, ever goes offline, and he comes back.
    const offline = updates.filter((u) => u.status === "offline");
    expect(new Set(offline.map((u) => u.userId))).toEqual(new Set([linus]));
    expect(updates.filter((u) => u.userId === linus).some((u) => u.status === "online")).toBe(true);
  });

  it("ada keeps listening whatever else she changes", () => {
    const { updates, advance } = setUp();
    advance(PACE_MS * 5 * 20);
    for (const u of updates.filter((u) => u.userId === ada))
      expect(u.activities.filter((a) => a.name === "Spotify")).toHaveLength(1);
  });

  it("the same seed makes the same changes; another seed others", () => {
    const runs = [1, 1, 2].map((seed) => {
      const { updates, advance } = setUp({ seed });
      advance(PACE_MS * 40);
      return updates;
    });
    expect(runs[1]).toEqual(runs[0]);
    expect(runs[2]).not.toEqual(runs[0]);
  });

  it("after a stall, everyone changes at most once and the pace starts again", () => {
    const { clock, life, updates } = setUp();
    // Fifty paces, within ada's first track (it has three minutes left).
    clock.now = START + PACE_MS * 50;
    life.step();
    expect(updates.map((u) => u.userId)).toEqual([ada, grace, linus, margaret, dennis]);
    clock.now += PACE_MS - 1;
    life.step();
    expect(updates).toHaveLength(5);
    clock.now += 1;
    life.step();
    expect(updates).toHaveLength(6);
  });

  it("leaves a member who left the guild alone", () => {
    const { world, updates, advance } = setUp();
    world.removeMember(SEED.guildId, grace);
    advance(PACE_MS * 10);
    expect(updates.some((u) => u.userId === grace)).toBe(false);
    expect(updates.length).toBe(10);
  });

  it("refuses a pace too fast to follow, and a world without the seeded guild", () => {
    const { life } = setUp();
    expect(() => life.start({ paceMs: MIN_PACE_MS - 1 })).toThrow(/pace must be at least/);
    expect(() => life.start({ paceMs: Number.NaN })).toThrow(/pace/);
    const empty = setUp().world;
    empty.guilds.clear();
    expect(() => new SeedLife(empty).start({ paceMs: 1_000 })).toThrow(/no guild/);
  });
});

describe("in a running emulator", () => {
  let emulator: Emulator | undefined;
  const clients: GatewayClient[] = [];
  afterEach(async () => {
    await closeAll(clients);
    await emulator?.close();
    emulator = undefined;
  });

  /** A bot on an emulator started with `live`, and the seeded members it has seen change. */
  async function watch(live: { paceMs: number } | undefined) {
    emulator = await startEmulator({ ...RAW_CLIENT_CONFIG, live });
    const { client } = await identifiedClient(emulator);
    clients.push(client);
    const seeded = new Set<string>(SEED_MEMBERS.map((member) => member.id));
    const changed = () =>
      new Set(
        client
          .dispatches("PRESENCE_UPDATE")
          .map((frame) => frame.d.user.id as string)
          .filter((id) => seeded.has(id)),
      );
    return { emulator, changed };
  }

  it("live, every seeded member moves within seconds, as a bot sees on the gateway", async () => {
    const { emulator, changed } = await watch({ paceMs: 100 });
    await waitFor("every seeded member to change", () => changed().size === SEED_MEMBERS.length, {
      timeoutMs: 10_000,
      describe: () => [...changed()],
    });
    expect(emulator.life.status()).toMatchObject({ running: true, pace_ms: 100 });
  });

  it("serves every playlist track's album art on its Spotify CDN", async () => {
    emulator = await startEmulator({ ...RAW_CLIENT_CONFIG });
    for (const track of SEED_PLAYLIST) {
      const response = await fetch(`${emulator.urls.spotifyCdn}/image/${track.albumArtId}`);
      expect(response.status, track.title).toBe(200);
      expect(response.headers.get("content-type")).toBe("image/jpeg");
    }
  });

  it("without `live`, the seeded members stay as seeded", async () => {
    const { emulator, changed } = await watch(undefined);
    // Long enough for a few paces of the fastest life the test above runs.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect([...changed()]).toEqual([]);
    expect(emulator.life.status().running).toBe(false);
  });
});
