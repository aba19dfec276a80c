import { createHash } from "node:crypto";
import type { GatewayActivity } from "discord-api-types/v10";
import {
  customStatusActivity,
  type GameSession,
  listeningOnSpotify,
  listeningToLocalFile,
  playingGame,
  type SpotifyTrack,
  type StatusEmoji,
} from "./activities.ts";
import { BASE62, HEX, type SeededRandom } from "./seeded-random.ts";
import type { PresenceInput, PresenceStatus, StoredPresence } from "./world.ts";

/**
 * What the simulated crowd does: catalogues of tracks, local files, games and statuses, and
 * seeded generators of realistic activities and presences built from them. Pure: time comes in
 * as `now`, randomness as a SeededRandom, so tests elsewhere can reuse them.
 */

function track(title: string, artists: string[], album: string, durationMs: number): SpotifyTrack {
  // Stable made-up ids (a 64-byte digest covers both), so a track always has the same album art.
  const digest = createHash("sha512")
    .update(`${title}\n${artists.join(";")}`)
    .digest();
  const id = [...digest.subarray(0, 22)].map((byte) => BASE62[byte % 62]).join("");
  return {
    id,
    title,
    artists,
    album,
    albumArtId: `ab67616d0000b273${digest.toString("hex", 22, 34)}`,
    durationMs,
  };
}

/** The track in the real Spotify payload the reference quotes, with its real ids. */
export const LET_GO: SpotifyTrack = {
  id: "3kdlVcMVsSkbsUy8eQcBjI",
  title: "Let Go",
  artists: ["Ark Patrol", "Veronika Redd"],
  album: "Let Go",
  albumArtId: "ab67616d0000b27364840995fe43bb2ec73a241d",
  durationMs: 248_056,
};

export const TRACKS: readonly SpotifyTrack[] = [
  LET_GO,
  track("Midnight City", ["M83"], "Hurry Up, We're Dreaming", 243_960),
  track("Dreams", ["Fleetwood Mac"], "Rumours", 257_800),
  track("Pa' Ti + Lonely", ["Jennifer Lopez", "Bad Bunny"], "Pa' Ti + Lonely", 375_000),
  track("Señorita", ["Shawn Mendes", "Camila Cabello"], "Señorita", 190_800),
  track("Stay", ["The Kid LAROI", "Justin Bieber"], "F*CK LOVE 3: OVER YOU", 141_800),
  track("Do I Wanna Know?", ["Arctic Monkeys"], "AM", 272_400),
  track("Hey Boy Hey Girl", ["The Chemical Brothers"], "Surrender", 289_000),
  track("Tití Me Preguntó", ["Bad Bunny"], "Un Verano Sin Ti", 243_700),
  track("Waka Waka (This Time for Africa)", ["Shakira", "Freshlyground"], "Listen Up!", 202_000),
  track("Under Pressure", ["Queen", "David Bowie"], "Hot Space", 248_000),
  track("Mr. Brightside", ["The Killers"], "Hot Fuss", 222_000),
  track(
    "Sweet Dreams",
    ["Eurythmics", "Annie Lennox", "Dave Stewart"],
    "Sweet Dreams (Are Made of This)",
    216_000,
  ),
];

const LOCAL_FILES = [
  { title: "demo_final_v3", artist: null, durationMs: 184_000 },
  { title: "Field Recording 04", artist: "Unknown Artist", durationMs: 95_000 },
  { title: "bootleg — live at the Roxy", artist: "The Garage Band", durationMs: 402_000 },
];

function game(name: string, appIndex: number, details: string[], states: string[], smallTexts: string[]) {
  // Made-up application ids a thousand apart; asset ids follow their application's.
  const applicationId = 1_200_000_000_000_000_001n + BigInt(appIndex) * 1_000n;
  return {
    name,
    applicationId: String(applicationId),
    details,
    states,
    smallTexts,
    largeImage: String(applicationId + 100n),
    smallImage: String(applicationId + 101n),
  };
}

const GAMES = [
  game("Celeste", 0, ["Chapter 7: The Summit", "Chapter 9: Farewell"], ["B-Side", "A-Side"], ["Madeline"]),
  game("Factorio", 1, ["Launching rockets", "Fixing spaghetti"], ["Multiplayer", "Solo"], ["Engineer"]),
  game(
    "Stardew Valley",
    2,
    ["Year 2 — Summer", "Fishing at the beach"],
    ["Co-op farm", "Solo farm"],
    ["Farmer"],
  ),
  game("Minecraft", 3, ["In the Nether", "Building a castle"], ["Survival", "Creative"], ["Steve", "Alex"]),
  game(
    "Counter-Strike 2",
    4,
    ["Competitive — Mirage", "Deathmatch"],
    ["Score 7:5", "Warmup"],
    ["Rank: Gold Nova"],
  ),
];

const STATUS_TEXTS = [
  "shipping things",
  "in a meeting",
  "café ☕ time",
  "żółć & ünïcödé",
  "日本語を勉強中",
  "rainy day 🌧️",
  "brb",
  "building a bot",
  "Ελληνικά, русский, עברית",
];
const UNICODE_EMOJI = ["🚀", "🎧", "🌙", "✨", "🐈", "🍕", "🏳️‍🌈", "👩🏽‍💻"];
const CUSTOM_EMOJI = [
  { name: "blobwave", id: "1200000000000000501", animated: true },
  { name: "pepe_coffee", id: "1200000000000000502", animated: false },
  { name: "party_parrot", id: "1200000000000000503", animated: true },
];

const PLATFORMS = [
  ["desktop", 0.6],
  ["mobile", 0.4],
  ["web", 0.2],
  ["embedded", 0.03],
  ["vr", 0.02],
] as const;

export type Platform = keyof StoredPresence["client_status"];

export function randomSpotify(rng: SeededRandom, userId: string, now: number): GatewayActivity {
  const sessionId = rng.string(HEX, 32);
  if (rng.chance(0.15)) {
    const file = rng.pick(LOCAL_FILES);
    const startedAt = now - rng.int(0, file.durationMs - 1);
    return listeningToLocalFile(file, {
      userId,
      startedAt,
      createdAt: startedAt + rng.int(0, 2_000),
      sessionId,
    });
  }
  const song = rng.pick(TRACKS);
  const startedAt = now - rng.int(0, song.durationMs - 1);
  return listeningOnSpotify(song, { userId, startedAt, createdAt: startedAt + rng.int(0, 2_000), sessionId });
}

/** A game session drawn from the catalogue, not yet started: the caller says since when. */
export function randomGameSession(rng: SeededRandom): GameSession {
  const chosen = rng.pick(GAMES);
  return {
    activityId: rng.string(HEX, 16),
    name: chosen.name,
    applicationId: chosen.applicationId,
    details: rng.pick(chosen.details),
    state: rng.pick(chosen.states),
    largeImage: chosen.largeImage,
    largeText: chosen.name,
    smallImage: chosen.smallImage,
    smallText: rng.pick(chosen.smallTexts),
  };
}

/** A game someone has been playing for up to four hours. */
export function randomGame(rng: SeededRandom, now: number): GatewayActivity {
  return playingGame(randomGameSession(rng), now - rng.int(0, 4 * 3_600_000));
}

/** What a custom status says: text, an emoji, or both. */
export interface StatusLine {
  text: string | null;
  emoji: StatusEmoji | null;
}

export function randomStatusLine(rng: SeededRandom): StatusLine {
  const emoji = rng.weighted<StatusEmoji | null>([
    [null, 3],
    [{ name: rng.pick(UNICODE_EMOJI) }, 4],
    [rng.pick(CUSTOM_EMOJI), 3],
  ]);
  // Some statuses are an emoji alone.
  const text = emoji && rng.chance(0.15) ? null : rng.pick(STATUS_TEXTS);
  return { text, emoji };
}

/** A custom status set up to a day ago. */
export function randomCustomStatus(rng: SeededRandom, now: number): GatewayActivity {
  const { text, emoji } = randomStatusLine(rng);
  return customStatusActivity(text, emoji, now - rng.int(0, 86_400_000));
}

const STATUS_WEIGHTS: readonly (readonly [PresenceStatus, number])[] = [
  ["online", 50],
  ["idle", 20],
  ["dnd", 15],
  ["offline", 15],
];

/**
 * A presence as a member's client would report it: a status, its platforms, and what they do.
 * `online` rules out offline, for someone who just came online.
 */
export function randomPresence(
  rng: SeededRandom,
  userId: string,
  now: number,
  { online = false } = {},
): Omit<PresenceInput, "user"> {
  const status = rng.weighted(online ? STATUS_WEIGHTS.filter(([s]) => s !== "offline") : STATUS_WEIGHTS);
  if (status === "offline") return { status, activities: [], client_status: {} };
  const platforms = PLATFORMS.filter(([, likelihood]) => rng.chance(likelihood)).map(([name]) => name);
  if (platforms.length === 0) platforms.push("desktop");
  const clientStatus: Partial<Record<Platform, PresenceStatus>> = {};
  for (const [i, platform] of platforms.entries()) {
    // Online on one device, the others often gone idle.
    clientStatus[platform] = status === "online" && i > 0 && rng.chance(0.3) ? "idle" : status;
  }
  const activities: GatewayActivity[] = [];
  // Discord lists the custom status first.
  if (rng.chance(0.4)) activities.push(randomCustomStatus(rng, now));
  if (rng.chance(0.35)) activities.push(randomSpotify(rng, userId, now));
  if (rng.chance(0.3)) activities.push(randomGame(rng, now));
  return { status, activities, client_status: clientStatus };
}
