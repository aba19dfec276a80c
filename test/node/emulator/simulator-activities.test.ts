import { describe, expect, it } from "vitest";
import { listeningOnSpotify } from "../../../emulator/activities.ts";
import { customStatus, gameActivity, spotifyActivity } from "../../../emulator/seed.ts";
import { SeededRandom } from "../../../emulator/seeded-random.ts";
import {
  LET_GO,
  randomCustomStatus,
  randomGame,
  randomPresence,
  randomSpotify,
  TRACKS,
} from "../../../emulator/simulator-activities.ts";
import { randomProfile, simulatedUserId } from "../../../emulator/simulator-profiles.ts";
import { isSnowflake } from "../../../emulator/snowflake.ts";

const NOW = Date.UTC(2026, 5, 1, 12);
const USER = "1300000000000000001";
type Activity = Record<string, unknown> & {
  type: number;
  timestamps?: { start?: number; end?: number };
  assets?: Record<string, string>;
  emoji?: { name: string; id?: string; animated?: boolean };
};

/** Draws until `count` activities of the generator have been collected. */
function draw(generate: (rng: SeededRandom) => unknown, count = 400, seed = 3): Activity[] {
  const rng = new SeededRandom(seed);
  return Array.from({ length: count }, () => generate(rng) as Activity);
}

describe("SeededRandom", () => {
  it("replays the same sequence for the same seed, and another for another", () => {
    const a = new SeededRandom(42);
    const b = new SeededRandom(42);
    const c = new SeededRandom(43);
    const first = Array.from({ length: 20 }, () => a.next());
    expect(Array.from({ length: 20 }, () => b.next())).toEqual(first);
    expect(Array.from({ length: 20 }, () => c.next())).not.toEqual(first);
    expect(first.every((x) => x >= 0 && x < 1)).toBe(true);
  });

  it("int covers both ends; weighted never picks a zero weight", () => {
    const rng = new SeededRandom(1);
    const ints = new Set(Array.from({ length: 500 }, () => rng.int(1, 3)));
    expect([...ints].sort()).toEqual([1, 2, 3]);
    const picks = new Set(
      Array.from({ length: 500 }, () =>
        rng.weighted([
          ["a", 1],
          ["never", 0],
          ["b", 1],
        ]),
      ),
    );
    expect([...picks].sort()).toEqual(["a", "b"]);
    expect(() => rng.pick([])).toThrow(/empty/);
  });
});

describe("Spotify", () => {
  it("the seeded world's activity is the reference payload, field for field", () => {
    expect(spotifyActivity("94490510688792576", NOW)).toEqual({
      type: 2,
      name: "Spotify",
      id: "spotify:1",
      flags: 48,
      details: "Let Go",
      state: "Ark Patrol; Veronika Redd",
      sync_id: "3kdlVcMVsSkbsUy8eQcBjI",
      session_id: "140ecdfb976bdbf29d4452d492e551c7",
      party: { id: "spotify:94490510688792576" },
      timestamps: { start: NOW - 60_000, end: NOW + 188_056 },
      created_at: NOW - 60_000,
      assets: { large_text: "Let Go", large_image: "spotify:ab67616d0000b27364840995fe43bb2ec73a241d" },
    });
  });

  it("joins several artists with '; ' and spans the track's duration", () => {
    const track = TRACKS.find((t) => t.artists.length === 3)!;
    const activity = listeningOnSpotify(track, {
      userId: USER,
      startedAt: NOW,
      createdAt: NOW + 5,
      sessionId: "s",
    });
    expect(activity).toMatchObject({
      state: track.artists.join("; "),
      details: track.title,
      sync_id: track.id,
      timestamps: { start: NOW, end: NOW + track.durationMs },
      created_at: NOW + 5,
      assets: { large_text: track.album, large_image: `spotify:${track.albumArtId}` },
    });
    expect((activity as unknown as Activity).state).toMatch(/^[^;]+; [^;]+; [^;]+$/);
  });

  it("generated plays: streamed tracks in the full shape, local files without id or art", () => {
    const plays = draw((rng) => randomSpotify(rng, USER, NOW));
    const streamed = plays.filter((a) => "sync_id" in a);
    const local = plays.filter((a) => !("sync_id" in a));
    expect(streamed.length).toBeGreaterThan(0);
    expect(local.length).toBeGreaterThan(0);
    for (const play of plays) {
      expect(play).toMatchObject({
        type: 2,
        name: "Spotify",
        id: "spotify:1",
        flags: 48,
        party: { id: `spotify:${USER}` },
        session_id: expect.stringMatching(/^[0-9a-f]{32}$/),
      });
      expect(play.timestamps!.start).toBeLessThanOrEqual(NOW);
      expect(play.timestamps!.end).toBeGreaterThan(NOW);
    }
    for (const play of streamed) {
      expect(play.sync_id).toMatch(/^[0-9A-Za-z]{22}$/);
      expect(play.assets!.large_image).toMatch(/^spotify:[0-9a-f]{40}$/);
    }
    for (const play of local) expect(play).not.toHaveProperty("assets");
    expect(local.some((play) => !("state" in play))).toBe(true); // a file with no artist tag
    expect(streamed.some((play) => String(play.state).includes("; "))).toBe(true);
  });

  it("every catalogue track has ids in Spotify's formats", () => {
    for (const track of TRACKS) {
      expect(track.id).toMatch(/^[0-9A-Za-z]{22}$/);
      expect(track.albumArtId).toMatch(/^ab67616d0000b273[0-9a-f]{24}$/);
    }
    expect(TRACKS).toContain(LET_GO);
  });
});

describe("games and custom statuses", () => {
  it("the seeded game keeps its shape", () => {
    expect(gameActivity(NOW)).toEqual({
      id: "c0a8f5c5e0f0b0a1",
      name: "Celeste",
      type: 0,
      application_id: "1200000000000000001",
      details: "Chapter 7: The Summit",
      state: "B-Side",
      timestamps: { start: NOW - 3_725_000 },
      created_at: NOW - 3_725_000,
      assets: {
        large_image: "1200000000000000101",
        large_text: "Celeste",
        small_image: "1200000000000000102",
        small_text: "Madeline",
      },
    });
    expect(customStatus("reading", null, NOW)).toEqual({
      id: "custom",
      name: "Custom Status",
      type: 4,
      state: "reading",
      created_at: NOW,
    });
  });

  it("generated games carry an application, asset ids and a start in the past", () => {
    for (const game of draw((rng) => randomGame(rng, NOW))) {
      expect(game).toMatchObject({ type: 0, id: expect.stringMatching(/^[0-9a-f]{16}$/) });
      expect(isSnowflake(game.application_id)).toBe(true);
      expect(isSnowflake(game.assets!.large_image)).toBe(true);
      expect(isSnowflake(game.assets!.small_image)).toBe(true);
      expect(game.assets!.large_text).toBe(game.name);
      expect(game.timestamps!.start).toBeLessThanOrEqual(NOW);
      expect(game.timestamps).not.toHaveProperty("end");
    }
  });

  it("generated statuses mix unicode text, unicode emoji, custom emoji and emoji alone", () => {
    const statuses = draw((rng) => randomCustomStatus(rng, NOW));
    for (const status of statuses)
      expect(status).toMatchObject({ type: 4, id: "custom", name: "Custom Status" });
    const custom = statuses.filter((s) => s.emoji?.id);
    expect(custom.length).toBeGreaterThan(0);
    for (const status of custom) {
      expect(isSnowflake(status.emoji!.id)).toBe(true);
      expect(typeof status.emoji!.animated).toBe("boolean");
    }
    expect(statuses.some((s) => s.emoji && !s.emoji.id)).toBe(true);
    expect(statuses.some((s) => !("emoji" in s))).toBe(true);
    expect(statuses.some((s) => s.emoji && !("state" in s))).toBe(true);
    expect(statuses.some((s) => /[^\p{ASCII}]/u.test(String(s.state)))).toBe(true);
  });
});

describe("presences", () => {
  it("offline has no platforms or activities; others name their platforms, all five seen", () => {
    const presences = draw((rng) => randomPresence(rng, USER, NOW), 2_000) as unknown as ReturnType<
      typeof randomPresence
    >[];
    const platforms = new Set<string>();
    for (const presence of presences) {
      if (presence.status === "offline") {
        expect(presence).toEqual({ status: "offline", activities: [], client_status: {} });
        continue;
      }
      const statuses = Object.values(presence.client_status!);
      expect(statuses.length).toBeGreaterThan(0);
      expect(statuses).toContain(presence.status);
      for (const platform of Object.keys(presence.client_status!)) platforms.add(platform);
      // The custom status, when there is one, comes first.
      const customAt = presence.activities!.findIndex((a) => a.type === 4);
      expect(customAt === -1 || customAt === 0).toBe(true);
    }
    expect([...platforms].sort()).toEqual(["desktop", "embedded", "mobile", "vr", "web"]);
    expect(new Set(presences.map((p) => p.status))).toEqual(new Set(["online", "idle", "dnd", "offline"]));
    expect(presences.some((p) => p.activities!.length === 3)).toBe(true);
  });
});

describe("profiles", () => {
  it("are seeded, unique by username, with valid avatars and a spread of badges", () => {
    const rng = new SeededRandom(9);
    const profiles = Array.from({ length: 2_000 }, (_, i) => randomProfile(rng, i));
    expect(new Set(profiles.map((p) => p.username)).size).toBe(profiles.length);
    for (const profile of profiles) {
      expect(profile.username).toMatch(/^[a-z0-9_.]{2,32}$/);
      if (profile.avatar !== null) expect(profile.avatar).toMatch(/^(a_)?[0-9a-f]{32}$/);
      if (profile.global_name !== null) expect(profile.global_name.length).toBeLessThanOrEqual(32);
    }
    expect(profiles.some((p) => p.avatar === null)).toBe(true);
    expect(profiles.some((p) => p.avatar?.startsWith("a_"))).toBe(true);
    expect(profiles.some((p) => p.global_name === null)).toBe(true);
    const badges = profiles.reduce((all, p) => all | p.public_flags, 0);
    // Houses 1-3 (64, 128, 256), early supporter (512), active developer (1 << 22), and more.
    for (const flag of [64, 128, 256, 512, 1 << 22]) expect(badges & flag).toBe(flag);
    expect(randomProfile(new SeededRandom(9), 0)).toEqual(profiles[0]);
  });

  it("ids are snowflakes, the same per (seed, index), different across seeds and indices", () => {
    const ids = new Set<string>();
    for (const seed of [1, 2]) for (let i = 0; i < 10_000; i += 1) ids.add(simulatedUserId(seed, i));
    expect(ids.size).toBe(20_000);
    expect(simulatedUserId(1, 5)).toBe(simulatedUserId(1, 5));
    expect(isSnowflake(simulatedUserId(123_456, 9_999))).toBe(true);
  });
});
